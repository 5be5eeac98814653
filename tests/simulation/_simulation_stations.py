"""Scripted stations for the simulation tests: a SimulatedStation plus the optional ProfileStation
API (outages, app starts) on a fixed timetable, so the tests do not depend on profile files."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.behaviour import SimulatedStation
from fleet.simulation import DEFAULT_EPOCH, simple_fleet
from fleet.station import AnyStation, Event


@dataclass(frozen=True, slots=True)
class AppStart:
    evse_id: int
    id_token: str


class ScriptedStation:
    """Delegates the shell API; goes offline during ``outages`` [(start, end)] and asks for one
    app start per time in ``app_starts`` (on EVSE 1)."""

    def __init__(
        self,
        inner: SimulatedStation,
        outages: list[tuple[float, float]],
        app_starts: list[float] | None = None,
    ) -> None:
        self.inner = inner
        self.outages = outages
        self.app_starts = sorted(app_starts or [])
        self._outage_starts = sorted(start for start, _ in outages)
        self._wanted: list[AppStart] = []

    @property
    def station_id(self) -> str:
        return self.inner.station_id

    @property
    def subprotocol(self) -> str:
        return self.inner.subprotocol

    @property
    def calls_waiting(self) -> int:
        return self.inner.calls_waiting

    @property
    def core(self) -> AnyStation:
        return self.inner.core

    @property
    def behaviour(self) -> ScriptedStation:
        return self

    def offline_until(self, now: float) -> float | None:
        for start, end in self.outages:
            if start <= now < end:
                return end
        return None

    def behaviour_events(self) -> list[AppStart]:
        wanted, self._wanted = self._wanted, []
        return wanted

    def connected(self, now: float) -> None:
        self.inner.connected(now)

    def disconnected(self, now: float) -> None:
        self.inner.disconnected(now)

    def receive(self, data: str | bytes, now: float) -> None:
        self.inner.receive(data, now)

    def events(self) -> list[Event]:
        return list(self.inner.events())

    def data_to_send(self) -> list[str]:
        return self.inner.data_to_send()

    def next_deadline(self) -> float | None:
        # the outage boundaries and app starts are deadlines too: the shell must look at them
        candidates = self._outage_starts[:1] + self.app_starts[:1]
        inner = self.inner.next_deadline()
        if inner is not None:
            candidates.append(inner)
        return min(candidates, default=None)

    def handle_timer(self, now: float) -> None:
        while self._outage_starts and self._outage_starts[0] <= now:
            self._outage_starts.pop(0)  # the shell has seen it: offline_until now says so
        while self.app_starts and self.app_starts[0] <= now:
            self.app_starts.pop(0)
            self._wanted.append(AppStart(1, f"APP-{self.station_id}"))
        self.inner.handle_timer(now)


def scripted_fleet(
    count: int, seed: int, outages: list[tuple[float, float]], app_starts: list[float] | None = None
) -> list[ScriptedStation]:
    return [
        ScriptedStation(station, list(outages), list(app_starts or []))
        for station in simple_fleet(count, seed=seed, epoch=DEFAULT_EPOCH)
    ]
