"""Find the line of a field in profile TOML text, so an error can say where to look.

tomllib returns plain dicts without positions, so this scans the text for table headers
(``[arrivals]``, ``[[station_types]]``) and ``key =`` lines. Best effort: it finds the key's own
line, or the line of the nearest enclosing table or key that exists (inline tables and
multi-line arrays are reported at their key); ``None`` when nothing matches.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(?P<array>\[)?\[\s*(?P<name>[A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-.]+)\s*=")


def line_of(text: str, field: str) -> int | None:
    """The 1-based line of ``field`` (``station_types[1].evses``) in ``text``, or None."""
    if "[*]" in field:  # a check across all items has no single line
        return None
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            name = header["name"].replace(" ", "")
            if header["array"]:
                index = counts.get(name, 0)
                counts[name] = index + 1
                name = f"{name}[{index}]"
            table = name
            lines.setdefault(table, number)
        elif key := _KEY.match(line):
            lines.setdefault(f"{table}.{key['key']}" if table else key["key"], number)
    candidate = field
    while candidate:
        if candidate in lines:
            return lines[candidate]
        candidate = _parent(candidate)
    return None


def _parent(field: str) -> str:
    cut = max(field.rfind("."), field.rfind("["))
    return field[:cut] if cut > 0 else ""
