"""The reachability probe: the outcome of the fleet's very first connection attempt."""

from __future__ import annotations

import trio


class FirstAttempt:
    """Outcome of the very first connection attempt of the fleet (the reachability probe)."""

    def __init__(self) -> None:
        self.done = trio.Event()
        self.error: tuple[str, str] | None = None  # (kind, message); None: it connected

    def report(self, error: tuple[str, str] | None) -> None:
        if not self.done.is_set():
            self.error = error
            self.done.set()
