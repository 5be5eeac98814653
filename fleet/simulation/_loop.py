"""The virtual-time shell: stations and an in-process CSMS on one event heap, no sockets, no clock.

The heap holds ``(time, seq, kind, link, payload, tag)`` tuples; ``seq`` is an insertion counter,
so entries at the same time run in the order they were scheduled and a run is reproducible bit
for bit (SimPy style). A station has at most one live timer entry: when its deadline moves, a new
entry is pushed and the old one is skipped when popped because its time no longer equals the
link's ``deadline`` (lazy deletion). Frames travel in bursts (one entry per ``data_to_send``),
each direction delayed by the modeled latency but never overtaking an earlier burst (a TCP
connection delivers in order).

Connection model: frames a station sent before it went offline still reach the CSMS (the socket
is flushed before it closes); answers sent back to a connection that has since closed are lost.
A reconnect opens a new ``CsmsSession``, as the embedded server does per connection.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from fleet.csms import SESSIONS, CsmsCallError, CsmsCallResult, CsmsSession, InternalFault, ProtocolViolation
from fleet.ocpp import RemoteProtocolError, answer_status, v16, v201
from fleet.simulation._config import SimulationConfig, latency_sampler
from fleet.simulation._forecast import Forecast, build_forecast
from fleet.simulation._ledger import TimedLedger, peak_of
from fleet.simulation._outcome import SimulationOutcome
from fleet.simulation._station_stats import StationStats
from fleet.station import RemoteStartWish, ShellStation

# (now, station id, "sent" | "received" as seen by the station, frame)
FrameHook = Callable[[float, str, str, str], None]
ProgressHook = Callable[[float], None]  # simulated seconds reached

_CONNECT, _TIMER, _TO_CSMS, _TO_STATION = 0, 1, 2, 3
_PROGRESS_EVERY = 1 << 15  # heap pops between two progress callbacks


class _Link:
    """One station, its CSMS session (while connected) and the loop's bookkeeping for it."""

    __slots__ = (
        "behaviour_events",
        "csms_rng",
        "data_to_send",
        "deadline",
        "events",
        "generation",
        "latency",
        "next_deadline",
        "offline_until",
        "online",
        "reconnect_at",
        "remote_start_id",
        "session",
        "station",
        "station_id",
        "to_csms_at",
        "to_station_at",
    )

    def __init__(self, station: ShellStation, csms_rng: random.Random, latency: Callable[[], float]) -> None:
        self.station = station
        self.station_id = station.station_id
        self.csms_rng = csms_rng
        # per station, like everything random here: a station's traffic must not depend on the
        # others, so a run split into shards gives the same forecast
        self.latency = latency
        self.remote_start_id = 0
        self.session: CsmsSession | None = None
        self.online = False
        self.generation = 0  # bumped on every disconnect: answers to an old connection are lost
        self.deadline: float | None = None  # the time of the live timer entry
        self.reconnect_at: float | None = None  # the time of the live connect entry
        self.to_csms_at = 0.0  # last delivery time per direction, so bursts never overtake
        self.to_station_at = 0.0
        # bound once: the loop calls them after every input
        self.data_to_send = station.data_to_send
        self.events = station.events
        self.next_deadline = station.next_deadline
        # the behaviour's duties toward the shell (ProfileStation has them), bound once
        behaviour = station.behaviour
        self.offline_until = behaviour.offline_until if behaviour is not None else None
        self.behaviour_events = behaviour.behaviour_events if behaviour is not None else None


class Simulation:
    """Run ``stations`` against the CSMS model for ``config.hours`` of virtual time.

    A shard of a larger fleet passes ``first_index`` (the fleet index of ``stations[0]``) and
    ``fleet_size``: each station then gets the same random streams and connect time as in a run
    of the whole fleet, so the shards' outcomes merge into that run's forecast exactly.
    """

    def __init__(
        self,
        config: SimulationConfig,
        stations: Sequence[ShellStation],
        *,
        on_frame: FrameHook | None = None,
        on_progress: ProgressHook | None = None,
        first_index: int = 0,
        fleet_size: int | None = None,
    ) -> None:
        self.config = config
        self._end = config.duration_s
        seconds = math.ceil(self._end)
        self.ledger = TimedLedger(seconds)
        self.stats = StationStats()
        self._on_frame = on_frame
        self._on_progress = on_progress
        self._response_delay_s = config.csms.response_delay_s
        # string seeds hash with SHA-512: independent of the stations' own Random(seed) streams
        master = random.Random(f"fleet.simulation:{config.seed}")
        latency_master = random.Random(master.getrandbits(64))
        csms_master = random.Random(master.getrandbits(64))
        size = len(stations) if fleet_size is None else fleet_size
        if not 0 <= first_index <= first_index + len(stations) <= size:
            raise ValueError(
                f"Simulation: stations {first_index}..{first_index + len(stations) - 1} "
                f"are not within a fleet of {size}"
            )
        self._first_index, self._fleet_size = first_index, size
        csms_seeds = [csms_master.getrandbits(64) for _ in range(size)][first_index:]
        fixed = isinstance(config.latency, float | int)
        latency_seeds = [] if fixed else [latency_master.getrandbits(64) for _ in range(size)][first_index:]
        shared = latency_sampler(config.latency, latency_master) if fixed else None
        self._links = [
            _Link(
                station,
                random.Random(csms_seeds[index]),
                shared or latency_sampler(config.latency, random.Random(latency_seeds[index])),
            )
            for index, station in enumerate(stations)
        ]
        self._heap: list[tuple[float, int, int, _Link, Any, Any]] = []
        self._seq = itertools.count()
        self._connected = 0
        self.csms_outcomes: dict[str, int] = {}  # CSMS-initiated calls and violations, by outcome
        self.station_protocol_errors = 0  # frames the stations refused (RemoteProtocolError)
        # per-minute samples taken at the end of each minute
        self._minute = 0
        self._minutes = self.ledger.minutes
        self.connected_series: list[int] = []
        self.open_transactions_series: list[int] = []
        self.energy_series_mwh: list[int] = []
        self.connected_changes: list[tuple[float, int]] = []  # (time, +1 connect / -1 disconnect)

    # -- running -------------------------------------------------------------------------------

    def run(self) -> Forecast:
        links = self._links
        spread = self.config.ramp_s / self._fleet_size if self._fleet_size else 0.0
        for index, link in enumerate(links, start=self._first_index):
            at = index * spread
            link.reconnect_at = at
            self._push(at, _CONNECT, link, None, None)
            self._reschedule(link, 0.0)
        self._loop()
        self._close_minutes(math.inf)
        return build_forecast(self.config, self.outcome(), self._fleet_size)

    @property
    def connected_peak(self) -> int:
        return peak_of(self.connected_changes)

    def outcome(self) -> SimulationOutcome:
        """What the run measured (after ``run``), in the form shards merge."""
        return SimulationOutcome(
            ledger=self.ledger,
            stats=self.stats,
            connected_series=self.connected_series,
            open_transactions_series=self.open_transactions_series,
            energy_series_mwh=self.energy_series_mwh,
            connected_changes=self.connected_changes,
            csms_outcomes=self.csms_outcomes,
            station_protocol_errors=self.station_protocol_errors,
        )

    def _loop(self) -> None:
        heap = self._heap
        pop = heapq.heappop
        end = self._end
        next_minute_at = 60.0
        on_progress = self._on_progress
        steps = 0
        while heap:
            t, _, kind, link, payload, tag = pop(heap)
            if t >= end:
                break
            if t >= next_minute_at:
                self._close_minutes(t)
                next_minute_at = (self._minute + 1) * 60.0
            if kind == _TO_STATION:
                if tag == link.generation:
                    self._deliver_to_station(link, payload, t)
            elif kind == _TIMER:
                if t == link.deadline:
                    link.deadline = None
                    link.station.handle_timer(t)
                    self._after_station(link, t)
            elif kind == _TO_CSMS:
                self._deliver_to_csms(link, tag, payload, t)
            elif t == link.reconnect_at:
                self._connect(link, t)
            steps += 1
            if on_progress is not None and steps % _PROGRESS_EVERY == 0:
                on_progress(t)

    def _push(self, at: float, kind: int, link: _Link, payload: Any, tag: Any) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), kind, link, payload, tag))

    def _close_minutes(self, t: float) -> None:
        """Sample the state at the end of every minute that ended before ``t``."""
        while self._minute < self._minutes and t >= (self._minute + 1) * 60.0:
            self.connected_series.append(self._connected)
            self.open_transactions_series.append(self.ledger.open_transactions)
            self.energy_series_mwh.append(self.ledger.delivered_mwh)
            self._minute += 1

    # -- the station side ----------------------------------------------------------------------

    def _connect(self, link: _Link, now: float) -> None:
        link.reconnect_at = None
        if link.offline_until is not None:
            until = link.offline_until(now)
            if until is not None and until > now:
                link.reconnect_at = until
                self._push(until, _CONNECT, link, None, None)
                return
        link.online = True
        # the CSMS session of the station's OCPP version, as the embedded server picks it
        session_type = SESSIONS.get(link.station.subprotocol, CsmsSession)
        link.session = session_type(
            link.station_id, self.config.csms, self.ledger, link.csms_rng, epoch_offset=self.config.epoch
        )
        link.to_csms_at = link.to_station_at = now
        self._connected += 1
        self.connected_changes.append((now, 1))
        link.station.connected(now)
        self._after_station(link, now)

    def _disconnect(self, link: _Link, now: float, until: float) -> None:
        """Drop the connection now; connect again at ``until`` (or later, if already planned)."""
        station = link.station
        if link.online:
            link.online = False
            link.session = None
            link.generation += 1
            self._connected -= 1
            self.connected_changes.append((now, -1))
            station.disconnected(now)
            self.stats.record(station.events())
            station.data_to_send()  # nothing can go out without a connection
        if link.reconnect_at is None or until > link.reconnect_at:
            link.reconnect_at = until
            self._push(until, _CONNECT, link, None, None)

    def _after_station(self, link: _Link, now: float) -> None:
        """Route what the station produced: frames, events, behaviour requests, outages, timer."""
        # the hottest path of a simulation: locals and inlined steps, no helper calls when idle
        frames = link.data_to_send()
        if frames and link.online:
            if self._on_frame is not None:
                for frame in frames:
                    self._on_frame(now, link.station_id, "sent", frame)
            at = now + link.latency()
            if at < link.to_csms_at:
                at = link.to_csms_at
            link.to_csms_at = at
            heapq.heappush(self._heap, (at, next(self._seq), _TO_CSMS, link, frames, link.session))
        events = link.events()
        rebooting = self.stats.record(events) if events else False
        if link.behaviour_events is not None:
            wanted = link.behaviour_events()
            if wanted:
                self._remote_starts(link, wanted, now)
        if link.offline_until is not None:
            until = link.offline_until(now)
            if until is not None and until > now:
                self._disconnect(link, now, until)
        if rebooting:
            self._disconnect(link, now, now + self.config.reboot_delay_s)
        self._reschedule(link, now)

    def _reschedule(self, link: _Link, now: float) -> None:
        deadline = link.next_deadline()
        if deadline is None:
            link.deadline = None
            return
        if deadline < now:
            deadline = now  # overdue: run it next, never move the clock backwards
        if deadline != link.deadline:
            link.deadline = deadline
            heapq.heappush(self._heap, (deadline, next(self._seq), _TIMER, link, None, None))

    def _deliver_to_station(self, link: _Link, frames: list[str], now: float) -> None:
        station = link.station
        on_frame = self._on_frame
        for frame in frames:
            if on_frame is not None:
                on_frame(now, link.station_id, "received", frame)
            try:
                station.receive(frame, now)
            except RemoteProtocolError:
                self.station_protocol_errors += 1
        self._after_station(link, now)

    # -- the CSMS side -------------------------------------------------------------------------

    def _deliver_to_csms(self, link: _Link, session: CsmsSession, frames: list[str], now: float) -> None:
        ledger = self.ledger
        ledger.now = now
        ledger.second = int(now)
        for frame in frames:
            session.receive(frame, now)
        ledger.settle()  # the 1.6 transaction messages among them
        self._flush_session(link, session, now)

    def _flush_session(self, link: _Link, session: CsmsSession, now: float) -> None:
        out = session.data_to_send()
        events = session.events()
        if events:
            self._count_csms_events(events)
        if out and session is link.session:
            at = now + link.latency() + self._response_delay_s
            if at < link.to_station_at:
                at = link.to_station_at
            link.to_station_at = at
            heapq.heappush(self._heap, (at, next(self._seq), _TO_STATION, link, out, link.generation))

    def _remote_starts(self, link: _Link, wanted: Sequence[RemoteStartWish], now: float) -> None:
        session = link.session
        for request in wanted:
            if session is None:
                self._count("RequestStartTransaction/NotConnected")
                continue
            link.remote_start_id += 1
            if link.station.subprotocol == v16.SUBPROTOCOL:
                request16 = v16.RemoteStartTransactionRequest(
                    id_tag=request.id_token[:20], connector_id=request.evse_id
                )
                session.call("RemoteStartTransaction", request16, now)
                continue
            session.call(
                "RequestStartTransaction",
                v201.RequestStartTransactionRequest(
                    id_token=v201.IdToken(id_token=request.id_token, type="Central"),
                    remote_start_id=link.remote_start_id,
                    evse_id=request.evse_id,
                ),
                now,
            )
        if session is not None:
            self._flush_session(link, session, now)

    def _count_csms_events(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, CsmsCallResult):
                self._count(f"{event.action}/{answer_status(event.payload, 'ok')}")
            elif isinstance(event, CsmsCallError):
                self._count(f"{event.action}/{event.code}")
            elif isinstance(event, ProtocolViolation):
                self._count(f"ProtocolViolation/{event.code}")
            elif isinstance(event, InternalFault):
                self._count("InternalFault")

    def _count(self, key: str) -> None:
        self.csms_outcomes[key] = self.csms_outcomes.get(key, 0) + 1


def run_simulation(
    config: SimulationConfig,
    stations: Sequence[ShellStation],
    *,
    on_frame: FrameHook | None = None,
    on_progress: ProgressHook | None = None,
) -> Forecast:
    """Simulate and return the forecast. Same config, same stations (same seeds): same forecast."""
    return Simulation(config, stations, on_frame=on_frame, on_progress=on_progress).run()
