"""Which source addresses the stations connect from, so a loopback run does not run out of ports.

One (source address, target address, target port) triple has ~28,000 ephemeral ports here; each
connection needs one, and a reconnect leaves the old one in TIME_WAIT. Spreading stations over
127.0.0.1, 127.0.0.2, ... (all of 127.0.0.0/8 is the loopback interface on Linux) multiplies that.
"""

from __future__ import annotations

import ipaddress
import math
from urllib.parse import urlsplit

STATIONS_PER_ADDRESS = 20_000  # of ~28,000 ports: headroom for sockets in TIME_WAIT after reconnects
_LOOPBACK_BASE = ipaddress.IPv4Address("127.0.0.1")
_LOOPBACK_NET = ipaddress.IPv4Network("127.0.0.0/8")


def parse_source_addresses(text: str) -> tuple[str, ...]:
    """``8`` (127.0.0.1 .. 127.0.0.8), ``127.0.0.1-127.0.0.8``, or ``127.0.0.5,127.0.0.6``.

    ValueError says what was wrong and what is expected."""
    expected = "a count (8), a range (127.0.0.1-127.0.0.8) or a list (127.0.0.1,127.0.0.2)"
    text = text.strip()
    try:
        if text.isdigit():
            count = int(text)
            if not 1 <= count <= _LOOPBACK_NET.num_addresses - 2:
                raise ValueError(f"a count must be 1..{_LOOPBACK_NET.num_addresses - 2}, got {count}")
            return loopback_addresses(count)
        if "-" in text:
            first_text, last_text = text.split("-", 1)
            first, last = ipaddress.ip_address(first_text.strip()), ipaddress.ip_address(last_text.strip())
            if first.version != last.version or int(last) < int(first):
                raise ValueError(f"{text!r}: the range must go up, within one address family")
            if int(last) - int(first) >= 65536:
                raise ValueError(f"{text!r}: at most 65536 addresses")
            return tuple(str(ipaddress.ip_address(n)) for n in range(int(first), int(last) + 1))
        return tuple(str(ipaddress.ip_address(part.strip())) for part in text.split(","))
    except ValueError as exc:
        raise ValueError(f"source addresses {text!r}: {exc}; expected {expected}") from None


def loopback_addresses(count: int) -> tuple[str, ...]:
    return tuple(str(_LOOPBACK_BASE + n) for n in range(count))


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def automatic_source_addresses(url: str, stations: int) -> tuple[str, ...]:
    """For an IPv4 loopback target with more stations than one address holds comfortably, enough
    127.0.0.x addresses for them; otherwise none (the kernel picks, as usual)."""
    host = urlsplit(url).hostname or ""
    if stations <= STATIONS_PER_ADDRESS or not is_loopback_url(url) or ":" in host:
        return ()
    return loopback_addresses(math.ceil(stations / STATIONS_PER_ADDRESS))
