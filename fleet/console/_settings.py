"""How the live console is served: address, the administrator's password, the update rate."""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD_ENV = "FLEET_CONSOLE_PASSWORD"


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    password: str  # the administrator's; the console refuses to start without one
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port (the URL line says which)
    updates_per_s: float = 2.0  # at most this many Server-Sent Events per second per open page

    def __post_init__(self) -> None:
        if not self.password:
            raise ValueError(
                f"the console needs an administrator password (--console-password or {PASSWORD_ENV})"
            )
        if self.updates_per_s <= 0:
            raise ValueError(f"updates_per_s must be > 0, got {self.updates_per_s}")
