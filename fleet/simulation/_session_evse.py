"""One EVSE in the session model: its driver's visits, turned straight into the messages the
station core would send for them, the transactions and the power drawn.

The visits are the frames model's: same driver random stream, drawn by the same ``draw_visit``,
the same arrival source and connector faults, the same battery physics. What replaces the
station core is the rule for which message each step of a visit causes (2.0.1, the station
core's defaults: TxStartPoint PowerPathClosed, TxStopPoint EVConnected+Authorized,
LocalPreAuthorize off, LocalAuthorizeOffline and OfflineTxForUnknownIdEnabled on):

- plug in: StatusNotification Occupied; unplug: StatusNotification Available
- RFID/PIN token: Authorize (online), answered Invalid for ``BLOCKED-`` tokens; offline the
  station admits the unknown token and no Authorize is sent
- power path closed (plugged and authorized): TransactionEvent Started
- EV full: TransactionEvent Updated (SuspendedEV); a connector fault: StatusNotification and
  NotifyEvent when it begins and when it clears, and during a transaction an Updated each time
- badge out: TransactionEvent Ended, the cable stays in until the driver unplugs; unplugging
  during a transaction ends it (Ended, then Available)

Periodic and clock-aligned meter values, heartbeats and what an outage does to delivery are the
station's business (``_session_station``). Whether the model matches the frames model is tested
(``tests/simulation/test_simulation_session_model_agreement.py``), not assumed.
"""

from __future__ import annotations

import bisect
import copy
import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Protocol

from fleet.behaviour import (
    APP_WAIT_S,
    AUTH_WAIT_S,
    HUMAN_STEP_S,
    IDLE_AFTER_STOP_MEAN_S,
    ArrivalSource,
    ChargingBattery,
    Profile,
    StationType,
    Visit,
    draw_visit,
    start_choices,
)
from fleet.ocpp import BLOCKED_TOKEN_PREFIX
from fleet.simulation._session_records import VisitRecord

Interval = tuple[float, float]


@dataclass(slots=True)
class SessionTx:
    """One transaction: ``updates`` are the send times of its TransactionEvents other than
    Started, Ended and the periodic/clock-aligned meter values."""

    evse_id: int
    start: float
    end: float | None = None  # None: still running at the horizon
    updates: list[float] = field(default_factory=list)
    energy_wh: float = 0.0  # metered up to ``end`` (or the horizon)


@dataclass(frozen=True, slots=True)
class ChargeJob:
    """A session's charging, from ``start`` until the driver leaves: ``stop`` at the latest (the
    departure planned on arrival, or the horizon); a DC driver back when full leaves earlier
    (``end``)."""

    visit: Visit
    tx: SessionTx
    start: float
    stop: float
    check_at: float  # the driver checked the session started; never leaves before

    def end(self) -> float:
        """When the charging ends, as far as known now (a DC target reached moves it earlier)."""
        return min(max(self.visit.depart_at, self.check_at), self.stop)

    def end_if_full_at(self, full_at: float) -> float:
        """When the charging would end if the EV reached its target at ``full_at``."""
        depart_at = self.visit.depart_at
        if self.visit.leave_after_full_s is not None:
            depart_at = min(depart_at, full_at + self.visit.leave_after_full_s)
        return min(max(depart_at, self.check_at), self.stop)


# an EVSE's visits, paused at each session's charging (the caller charges it, then resumes)
Visits = Generator[ChargeJob, None, None]


class EvseSink(Protocol):
    """Where an EVSE's output goes (the station collects it)."""

    def message(self, at: float, action: str) -> None: ...
    def csms_call(self, outcome: str) -> None: ...
    def power(self, start: float, end: float, watts: float) -> None: ...
    def transaction(self, tx: SessionTx) -> None: ...
    def visit(self, record: VisitRecord) -> None: ...


@dataclass(frozen=True, slots=True)
class EvseSetting:
    """What an EVSE's visits depend on besides its random streams."""

    profile: Profile
    station_type: StationType
    phases: int
    horizon: float
    one_way_s: float  # network + CSMS, each direction
    response_delay_s: float  # the CSMS model's own delay before it answers
    online: Callable[[float], bool]
    epoch: float  # the wall clock (UTC seconds) at t = 0: a visit's dwell depends on the local hour

    @property
    def round_trip_s(self) -> float:
        """A CALL's answer arrives this long after it was sent."""
        return 2.0 * self.one_way_s + self.response_delay_s


class SessionEvse:
    def __init__(
        self,
        evse_id: int,
        setting: EvseSetting,
        rng: random.Random,
        arrivals: ArrivalSource | None,
        faults: list[Interval],
    ) -> None:
        self.evse_id = evse_id
        self._setting = setting
        self._rng = rng
        self._arrivals = arrivals
        self._faults = faults
        self._fault_starts = [start for start, _ in faults]
        self._choices = start_choices(setting.profile, app_start=True)
        kind = setting.station_type
        self._evse_limit_w = kind.max_power_kw * 1000.0
        self._cable_limit_w = kind.cable_limit_kw * 1000.0 if kind.cable_limit_kw is not None else None

    def run(self, sink: EvseSink) -> None:
        """All the visits, each session charged on its own (at the EVSE's limit)."""
        for job in self.visits(sink):
            self._charge(job.visit, job.tx, job.start, job.stop, sink)

    def visits(self, sink: EvseSink) -> Visits:
        """The visits, paused at each session's charging: the caller charges ``job`` (alone, or
        sharing a cap with the station's other EVSEs) before resuming."""
        for start, end in self._faults:
            for change in (start, end):
                sink.message(change, "StatusNotification")
                sink.message(change, "NotifyEvent")
        if self._arrivals is None:
            return
        setting, rng = self._setting, self._rng
        at: float | None = self._arrivals.next_arrival(0.0)
        while at is not None and at < setting.horizon:
            kind = setting.station_type
            visit = draw_visit(setting.profile, kind.current, rng, self._choices, at, epoch=setting.epoch)
            record = VisitRecord.arrived(self.evse_id, at, visit)
            if self._faulted(at):  # turned away: the connector is not Available
                record.outcome = "connector_faulted"
                sink.visit(record)
                at = self._arrivals.next_arrival(at)
                continue
            human = rng.uniform(*HUMAN_STEP_S)
            started, check_at = self._start(visit, at, human, sink)
            record.plug_in_s = (
                at if visit.plug_in_first or visit.method in ("app", "start_button") else at + human
            )
            if started is None or self._faulted(started):
                sink.message(check_at, "StatusNotification")  # gave up: unplug, Available
                record.outcome, record.plug_out_s = "no_start", check_at
                sink.visit(record)
                at = self._arrivals.next_arrival(check_at)
                continue
            if visit.method == "app" and visit.token.startswith(BLOCKED_TOKEN_PREFIX):
                self._refused_remote_start(started, check_at, sink)
                record.outcome, record.plug_out_s = "token_refused", check_at
                record.tx_start_s, record.tx_stop_s = started, started + setting.round_trip_s
                sink.visit(record)
                at = self._arrivals.next_arrival(check_at)
                continue
            leave_at = yield from self._session(visit, started, check_at, sink, record)
            sink.visit(record)
            at = self._arrivals.next_arrival(leave_at)

    # --- a visit --------------------------------------------------------------------------------

    def _start(self, visit: Visit, at: float, human: float, sink: EvseSink) -> tuple[float | None, float]:
        """(when the transaction starts or None, when the driver checks it did)."""
        method = visit.method
        if visit.plug_in_first or method in ("app", "start_button"):
            sink.message(at, "StatusNotification")  # plugged in: Occupied
            act_at = at + human
            if method == "app":
                check_at = act_at + APP_WAIT_S
                if not self._setting.online(act_at):
                    sink.csms_call("RequestStartTransaction/NotConnected")
                    return None, check_at
                sink.csms_call("RequestStartTransaction/Accepted")
                # the CSMS's request reaches the station; AuthorizeRemoteStart is off
                return act_at + self._setting.one_way_s + self._setting.response_delay_s, check_at
            if method == "start_button":
                return act_at, act_at + AUTH_WAIT_S
            return self._authorize(visit, act_at, sink), act_at + AUTH_WAIT_S
        granted = self._authorize(visit, at, sink)
        plug_at = at + human
        sink.message(plug_at, "StatusNotification")
        return (plug_at if granted is not None else None), plug_at + AUTH_WAIT_S

    def _refused_remote_start(self, started: float, check_at: float, sink: EvseSink) -> None:
        """An app start with a refused token: the station starts on the CSMS's request, the CSMS
        answers the Started event Invalid and the station ends it (StopTxOnInvalidId); the
        driver sees no session at ``check_at``, unplugs and leaves."""
        tx = SessionTx(self.evse_id, started)
        sink.transaction(tx)
        tx.end = started + self._setting.round_trip_s
        sink.message(check_at, "StatusNotification")

    def _authorize(self, visit: Visit, at: float, sink: EvseSink) -> float | None:
        """When the token is granted, or None (refused)."""
        if not self._setting.online(at):
            return at  # offline: an unknown token is admitted locally
        sink.message(at, "Authorize")
        if visit.token.startswith(BLOCKED_TOKEN_PREFIX):
            return None
        return at + self._setting.round_trip_s

    def _session(
        self, visit: Visit, start: float, check_at: float, sink: EvseSink, record: VisitRecord
    ) -> Generator[ChargeJob, None, float]:
        """Charge from ``start`` (the job it yields); returns when the driver has left
        (``record`` gets the times)."""
        horizon = self._setting.horizon
        tx = SessionTx(self.evse_id, start)
        sink.transaction(tx)
        stop_at = max(visit.depart_at, check_at)
        yield ChargeJob(visit, tx, start, min(stop_at, horizon), check_at)
        if visit.depart_at < stop_at and visit.full_at is not None:  # a DC driver back when full
            stop_at = max(visit.depart_at, check_at)
            tx.updates = [update for update in tx.updates if update <= stop_at]
        record.tx_start_s, record.soc_out = start, round(visit.battery.soc_percent, 1)
        if stop_at >= horizon:
            record.plug_out_s = stop_at
            return stop_at
        tx.end = record.tx_stop_s = stop_at
        if visit.method == "app" or visit.unplug_before_stop:
            sink.message(stop_at, "StatusNotification")  # the unplug ends it: Ended, Available
            record.plug_out_s = stop_at
            return stop_at
        if visit.idle_after_stop:
            leave_at = stop_at + self._rng.expovariate(1.0 / IDLE_AFTER_STOP_MEAN_S)
        else:
            leave_at = stop_at + self._rng.uniform(*HUMAN_STEP_S)
        sink.message(leave_at, "StatusNotification")
        record.plug_out_s = leave_at
        return leave_at

    # --- charging -------------------------------------------------------------------------------

    def _charge(self, visit: Visit, tx: SessionTx, start: float, stop: float, sink: EvseSink) -> None:
        """Power from ``start`` to ``stop``, paused by connector faults; the state changes go to
        ``tx.updates``."""
        at = start
        first = max(0, bisect.bisect_right(self._fault_starts, start) - 1)
        for fault_start, fault_end in self._faults[first:]:
            if fault_start >= stop:
                break
            if fault_end <= start:
                continue
            at = self.charge_between(visit, tx, at, max(at, fault_start), sink)
            if fault_start >= start:
                tx.updates.append(fault_start)  # SuspendedEVSE
            if fault_end < stop:
                tx.updates.append(fault_end)  # charging (or SuspendedEV) again
            at = max(at, fault_end)
        self.charge_between(visit, tx, at, stop, sink)

    def charge_between(
        self,
        visit: Visit,
        tx: SessionTx,
        start: float,
        stop: float,
        sink: EvseSink,
        share_w: float | None = None,
    ) -> float:
        """Charge along the EV's curve from ``start`` to ``stop`` (exactly integrated, a few
        pieces per session), at most ``share_w`` (a shared site cap); the EV's suspending at its
        target goes to ``tx.updates``."""
        battery = visit.battery
        kind = self._setting.station_type
        if stop <= start or not battery.accepts(kind.current) or battery.target_reached:
            return stop
        self._operating_point(battery, share_w)
        at = start
        for seconds, metered_wh in battery.charge_for(stop - start):
            if seconds > 0.0:
                sink.power(at, at + seconds, metered_wh * 3600.0 / seconds)
            tx.energy_wh += metered_wh
            at += seconds
        if battery.target_reached:
            tx.updates.append(at)  # SuspendedEV
            visit.reached_target(at)
        return stop

    def demand_w(self, visit: Visit) -> float:
        """What the EV would draw now at the EVSE's own limits (0 when it draws nothing)."""
        battery = visit.battery
        kind = self._setting.station_type
        if not battery.accepts(kind.current) or battery.target_reached:
            return 0.0
        return self._operating_point(battery, None)

    def _operating_point(self, battery: ChargingBattery, share_w: float | None) -> float:
        """Set the battery's limits (the EVSE's, the cable's, a share of a site cap) and return
        what it draws now."""
        return battery.power_w(
            current=self._setting.station_type.current,
            evse_limit_w=self._evse_limit_w,
            evse_phases=self._setting.phases,
            cable_limit_w=self._cable_limit_w,
            smart_limit_w=share_w,
        )

    def full_at_if_charged(self, visit: Visit, start: float, stop: float, share_w: float) -> float | None:
        """When the EV would reach its target charging from ``start`` to ``stop`` at most
        ``share_w`` (None: not by ``stop``); a look ahead on a copy of the battery."""
        battery = copy.copy(visit.battery)
        self._operating_point(battery, share_w)
        at = start
        for seconds, _ in battery.charge_for(stop - start):
            at += seconds
        return at if battery.target_reached else None

    def fault_changes(self, start: float, stop: float) -> list[float]:
        """The SuspendedEVSE and resumed instants of the faults during a charge [start, stop)."""
        changes: list[float] = []
        for fault_start, fault_end in self._faults:
            if fault_start < stop and fault_end > start:
                changes += [at for at in (fault_start, fault_end) if start <= at < stop]
        return changes

    def next_fault_change(self, after: float) -> float:
        """The first fault start or end after ``after`` (inf: none)."""
        index = bisect.bisect_right(self._fault_starts, after)
        ends = [end for _, end in self._faults[max(0, index - 1) : index] if end > after]
        starts = self._fault_starts[index : index + 1]
        return min(ends + starts, default=math.inf)

    def faulted(self, at: float) -> bool:
        return self._faulted(at)

    def _faulted(self, at: float) -> bool:
        index = bisect.bisect_right(self._fault_starts, at) - 1
        return index >= 0 and self._faults[index][0] <= at < self._faults[index][1]
