"""Which station ids the embedded CSMS accepts on the upgrade: what OCPP allows.

OCPP-J (1.6 and 2.0.1 Part 4) takes the charging station identity from the last segment of the
WebSocket URL's path. OCPP 2.0.1 makes it an identifierString of at most 48 characters: letters,
digits and ``* - _ = : + | @ .``; the colon is left out here because the identity is also the
Basic auth user name (profiles 1 and 2), where a colon ends the user name. A path with ``.`` or
``..`` segments (path traversal) is refused too.
"""

from __future__ import annotations

import string
from urllib.parse import unquote

MAX_STATION_ID_LENGTH = 48
_ALLOWED = frozenset(string.ascii_letters + string.digits + "*-_=+|@.")


def station_id_from_path(path: str) -> tuple[str, str | None]:
    """(station id, why it is refused or None) for the request target ``path``."""
    raw_path = path.split("?", 1)[0]
    raw_id = raw_path.rsplit("/", 1)[-1]
    station_id = unquote(raw_id)
    if not station_id:
        return station_id, "no station id: connect to ws://host:port/<station-id> (last path segment)"
    if any(segment in (".", "..") for segment in unquote(raw_path).split("/")):
        return station_id, f"path {_shown(raw_path)} has '.' or '..' segments"
    if len(station_id) > MAX_STATION_ID_LENGTH:
        return station_id, (
            f"station id of {len(station_id)} characters is longer than OCPP's {MAX_STATION_ID_LENGTH}"
        )
    bad = sorted({c for c in station_id if c not in _ALLOWED})
    if bad:
        return station_id, (
            f"station id {_shown(raw_id)} has characters OCPP does not allow in an identity "
            f"({', '.join(repr(c) for c in bad[:5])}); allowed: letters, digits and * - _ = + | @ ."
        )
    return station_id, None


def _shown(text: str) -> str:
    """``text`` quoted and cut short, safe to put in a log line."""
    return ascii(text[:60] + ("..." if len(text) > 60 else ""))
