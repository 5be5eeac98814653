"""The part of the shell API that a station with behaviour around it passes straight through."""

from __future__ import annotations

from fleet.station import AnyStation, Behaviour, BootStatus, Event


class StationShell:
    """Delegates the connection side of the shell API to ``self.station``; subclasses add the
    behaviour's own timers to ``next_deadline`` and ``handle_timer``."""

    station: AnyStation

    @property
    def core(self) -> AnyStation:
        return self.station

    @property
    def behaviour(self) -> Behaviour | None:
        """None: this behaviour never takes the station offline nor asks the CSMS for anything."""
        return None

    @property
    def subprotocol(self) -> str:
        return self.station.subprotocol

    @property
    def station_id(self) -> str:
        return self.station.station_id

    @property
    def is_connected(self) -> bool:
        return self.station.is_connected

    @property
    def boot_status(self) -> BootStatus | None:
        return self.station.boot_status

    @property
    def calls_waiting(self) -> int:
        return self.station.calls_waiting

    def connected(self, now: float) -> None:
        self.station.connected(now)

    def disconnected(self, now: float) -> None:
        self.station.disconnected(now)

    def receive(self, data: str | bytes, now: float) -> None:
        self.station.receive(data, now)

    def events(self) -> list[Event]:
        return self.station.events()

    def data_to_send(self) -> list[str]:
        return self.station.data_to_send()
