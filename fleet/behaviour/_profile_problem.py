"""One thing wrong with a profile: which field, what it should be, what it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

# Shown instead of a value when the field is absent from the file.
MISSING: Final = "missing"

_MAX_SHOWN = 60  # a whole 24-value curve on one error line would hide the message


@dataclass(frozen=True, slots=True)
class ProfileProblem:
    field: str  # path as a user writes it: station_types[0].evses
    expected: str
    found: str  # already rendered for display (show_value), or MISSING


def show_value(value: object) -> str:
    """A value as it would appear in the TOML file, shortened to fit one line."""
    text = _toml_text(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def _toml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml_text(item)}" for key, item in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False, default=str)
