"""Where a station's ws:// or wss:// URL points."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"ws": 80, "wss": 443}


class WebSocketTarget(NamedTuple):
    host: str
    port: int
    host_header: str  # the Host header: host[:port], the port only when not the default
    resource: str  # path and query
    secure: bool  # wss://


def parse_websocket_url(url: str) -> WebSocketTarget:
    """Where a ws:// or wss:// URL points; ValueError naming the URL for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r}: a station URL must be ws://host[:port]/path or wss://...")
    host = parts.hostname
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    bracketed = f"[{host}]" if ":" in host else host
    host_header = bracketed if port == _DEFAULT_PORTS[parts.scheme] else f"{bracketed}:{port}"
    return WebSocketTarget(host, port, host_header, resource, parts.scheme == "wss")
