"""Rate-limited warnings for the embedded CSMS: at most one line per reason per second.

A CSMS under abuse (a port scan, a password guesser, a station with a broken framer) must say
so without drowning its own output: the first occurrence of a reason is logged at once, the ones
within the next second are only counted, and the next line of that reason says how many were
left out. Lines go to the ``fleet.csms`` logger at WARNING (printed to stderr unless the program
configures logging).
"""

from __future__ import annotations

import logging

LOGGER = logging.getLogger("fleet.csms")
_INTERVAL_S = 1.0


class LogLimiter:
    """``warn(reason, message, now)`` logs ``message`` unless a line of the same ``reason`` was
    logged less than a second before ``now`` (then it is counted and reported with the next)."""

    def __init__(self, logger: logging.Logger = LOGGER, interval_s: float = _INTERVAL_S) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warn(self, reason: str, message: str, now: float) -> None:
        last = self._last.get(reason)
        if last is not None and now - last < self._interval_s:
            self._suppressed[reason] = self._suppressed.get(reason, 0) + 1
            return
        self._last[reason] = now
        suppressed = self._suppressed.pop(reason, 0)
        if suppressed:
            message += f" (and {suppressed} more {reason} since the last such line)"
        self._logger.warning("fleet csms: %s", message)
