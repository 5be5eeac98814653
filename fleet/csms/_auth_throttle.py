"""Failed-authentication throttling per source address (security profiles 1 and 2).

After ``limit`` failed Basic auth attempts from one address within ``window_s`` seconds, every
further upgrade from that address is answered 429 Too Many Requests (with Retry-After) until
the window ends, without looking at its credentials, so a password guesser gets ``limit``
guesses per window. Successes do not reset the count (a guesser holding one station's password
could otherwise keep guessing the others'). ``limit`` 0 turns throttling off.
"""

from __future__ import annotations

import math

_ADDRESSES_KEPT = 100_000  # bound the memory an address-hopping guesser can make us spend


class AuthThrottle:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}  # address -> (window start, failures)

    def retry_after(self, address: str, now: float) -> int | None:
        """Whole seconds until ``address`` may try again, or None when it may try now."""
        window = self._windows.get(address)
        if not self.limit or window is None:
            return None
        start, failures = window
        if failures < self.limit or now >= start + self.window_s:
            return None
        return max(1, math.ceil(start + self.window_s - now))

    def failed(self, address: str, now: float) -> None:
        if not self.limit:
            return
        start, failures = self._windows.get(address, (now, 0))
        if now >= start + self.window_s:
            start, failures = now, 0
        self._windows[address] = (start, failures + 1)
        if len(self._windows) > _ADDRESSES_KEPT:
            self._forget(now)

    def _forget(self, now: float) -> None:
        for address in [a for a, (start, _) in self._windows.items() if now >= start + self.window_s]:
            del self._windows[address]
        while len(self._windows) > _ADDRESSES_KEPT:
            del self._windows[next(iter(self._windows))]
