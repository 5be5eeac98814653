"""Support for the profile-behaviour tests: small inline profiles, a scripted fake CSMS that drives
a ProfileStation in simulated time, and exact statistics (no scipy in the test extras)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.behaviour._profile_schema import (
    Arrivals,
    Authorization,
    EvModel,
    Faults,
    LogNormal,
    Misbehaviour,
    Normal,
    Profile,
    StationType,
    Uniform,
)
from fleet.behaviour._profile_station import ProfileStation
from fleet.ocpp import encode_call, encode_call_result, v201

EPOCH = 1_767_225_600.0  # 2026-01-01 00:00 UTC, a Thursday
MONDAY = 1_767_571_200.0  # 2026-01-05 00:00 UTC
HOUR = 3600.0
DAY = 86_400.0
WEEK = 7 * DAY

AC22 = StationType(name="AC22", share=0.8, evses=2, current="AC", max_power_kw=22.0, phases=3)
DC150 = StationType(
    name="DC150", share=0.2, evses=1, current="DC", max_power_kw=150.0, vendor="Acme", model="Fast150"
)
CAR = EvModel(
    name="Hatch", share=0.7, battery_kwh=60.0, max_ac_kw=11.0, max_dc_kw=120.0, dc_curve=[(0, 120), (100, 20)]
)
VAN = EvModel(name="Van", share=0.3, battery_kwh=75.0, max_ac_kw=7.4, ac_phases=1)


def flat_day(rate: float) -> list[float]:
    return [rate] * 24


def busy_profile(**changes: Any) -> Profile:
    """A small public-charging profile with plenty of sessions per simulated day."""
    base = Profile(
        name="test-busy",
        description="inline test profile",
        site="urban_public",
        station_types=[AC22, DC150],
        ev_models=[CAR, VAN],
        dwell_h=LogNormal(median=1.5, sigma=0.5, min=0.2, max=6.0),
        arrival_soc_percent=Uniform(low=10, high=60),
        target_soc_percent=Normal(mean=85, sd=10, min=50, max=100),
        arrivals=Arrivals(weekday=flat_day(0.25), saturday=flat_day(0.2), sunday=flat_day(0.15)),
        authorization=Authorization(rfid=0.5, pin=0.2, start_button=0.1, app=0.2, rejected_token=0.1),
        misbehaviour=Misbehaviour(unplug_before_stop=0.1, idle_after_charging=0.2),
        faults=Faults(outages_per_station_day=1.0, connector_faults_per_evse_day=0.5),
    )
    return msgspec.structs.replace(base, **changes)


# --- a scripted fake CSMS -------------------------------------------------------------------------


def response_to(action: str, payload: dict[str, Any], now: float) -> msgspec.Struct:
    stamp = datetime.fromtimestamp(EPOCH + now, tz=UTC)
    token = payload.get("idToken", {}).get("idToken", "")
    refused = v201.IdTokenInfo(status="Invalid" if token.startswith("BLOCKED-") else "Accepted")
    if action == "BootNotification":
        return v201.BootNotificationResponse(current_time=stamp, interval=300, status="Accepted")
    if action == "Heartbeat":
        return v201.HeartbeatResponse(current_time=stamp)
    if action == "Authorize":
        return v201.AuthorizeResponse(id_token_info=refused)
    if action == "TransactionEvent" and "idToken" in payload:
        return v201.TransactionEventResponse(id_token_info=refused)
    return v201.ACTIONS[action][1]()


@dataclass
class Transcript:
    sent: list[str] = field(default_factory=list)  # what the station sent, in order
    stream: list[tuple[str, str]] = field(default_factory=list)  # both directions, for validation
    outages: list[tuple[float, float]] = field(default_factory=list)
    remote_starts: int = 0

    def calls(self, action: str) -> list[dict[str, Any]]:
        frames = (json.loads(text) for text in self.sent)
        return [frame[3] for frame in frames if frame[0] == 2 and frame[2] == action]


def drive(station: ProfileStation, until: float, *, max_rounds: int = 200_000) -> Transcript:
    """Run ``station`` in simulated time until ``until`` against a CSMS that answers at once
    (Invalid for BLOCKED- tokens), honours outages and turns app starts into
    RequestStartTransaction."""
    out = Transcript()
    next_remote_id = 1

    def exchange(now: float) -> None:
        nonlocal next_remote_id
        for _ in range(1_000):
            for wanted in station.behaviour_events():
                if station.is_connected:
                    out.remote_starts += 1
                    request = v201.RequestStartTransactionRequest(
                        id_token=v201.IdToken(id_token=wanted.id_token, type="Central"),
                        remote_start_id=next_remote_id,
                        evse_id=wanted.evse_id,
                    )
                    call = encode_call(f"csms-{next_remote_id}", "RequestStartTransaction", request)
                    next_remote_id += 1
                    out.stream.append(("received", call))
                    station.receive(call, now)
            frames = station.data_to_send()
            if not frames:
                return
            for text in frames:
                out.sent.append(text)
                out.stream.append(("sent", text))
                frame = json.loads(text)
                if frame[0] == 2 and station.is_connected:
                    answer = encode_call_result(frame[1], response_to(frame[2], frame[3], now))
                    out.stream.append(("received", answer))
                    station.receive(answer, now)
        raise AssertionError("the station and the CSMS kept talking: more than 1000 rounds")

    reconnect_at: float | None = None
    station.connected(0.0)
    exchange(0.0)
    for _ in range(max_rounds):
        deadline = station.next_deadline()
        if reconnect_at is not None and (deadline is None or reconnect_at <= deadline):
            if reconnect_at > until:
                return out
            station.connected(reconnect_at)
            exchange(reconnect_at)
            reconnect_at = None
            continue
        if deadline is None or deadline > until:
            return out
        station.handle_timer(deadline)
        exchange(deadline)
        offline_until = station.offline_until(deadline)
        if offline_until is not None and station.is_connected:
            station.disconnected(deadline)
            out.outages.append((deadline, offline_until))
            reconnect_at = offline_until
    raise AssertionError(f"more than {max_rounds} timer rounds before {until}")


# --- statistics ----------------------------------------------------------------------------------


def poisson_cdf(k: int, mean: float) -> float:
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0
    term = math.exp(-mean)
    total = term
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return min(1.0, total)


def poisson_interval(mean: float, alpha: float) -> tuple[int, int]:
    """The central interval holding a Poisson(mean) count with probability >= 1 - alpha."""
    low = 0
    while poisson_cdf(low, mean) < alpha / 2:
        low += 1
    high = low
    while poisson_cdf(high, mean) < 1 - alpha / 2:
        high += 1
    return low, high


def chi2_quantile(dof: int, p: float) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile (within ~0.5 % for dof >= 30)."""
    z = _normal_quantile(p)
    c = 2.0 / (9.0 * dof)
    return dof * (1.0 - c + z * math.sqrt(c)) ** 3


def _normal_quantile(p: float) -> float:
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * math.erfc(-middle / math.sqrt(2)) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2
