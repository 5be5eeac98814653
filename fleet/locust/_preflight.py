"""Is anything listening at --host? Asked once at start, so a CSMS that is not there is one line
instead of a failed connect per user and second."""

from __future__ import annotations

import socket

from fleet.connection import parse_websocket_url
from fleet.locust._options import FleetOptionError

PROBE_TIMEOUT_S = 5.0


def check_reachable(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Open (and close) one TCP connection to the CSMS at ``url`` (a ws:// or wss:// URL, checked
    before); FleetOptionError naming --host and why when it cannot be opened."""
    target = parse_websocket_url(url)
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout_s):
            pass
    except ConnectionRefusedError:
        why = "connection refused (is the CSMS running and listening on that port?)"
        raise FleetOptionError(f"--host {url}: {why}") from None
    except socket.gaierror as exc:
        raise FleetOptionError(f"--host {url}: cannot resolve {target.host}: {exc.strerror or exc}") from None
    except TimeoutError:
        raise FleetOptionError(
            f"--host {url}: no answer from {target.host}:{target.port} within {timeout_s:g} s"
        ) from None
    except OSError as exc:
        raise FleetOptionError(f"--host {url}: cannot connect: {exc.strerror or exc}") from None
