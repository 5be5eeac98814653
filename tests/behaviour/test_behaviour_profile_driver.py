"""ProfileDriver: how drivers start, stop, misbehave, give up on refused tokens and faulted
connectors, and how the EV's battery sets the demand — seen on the wire of its station."""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest
from _profile_support import AC22, CAR, DAY, DC150, EPOCH, HOUR, Transcript, busy_profile, drive, flat_day

from fleet.behaviour import ProfileDriver
from fleet.behaviour._profile_schema import (
    Arrivals,
    Authorization,
    EvModel,
    Faults,
    Fixed,
    Misbehaviour,
    Profile,
    StationType,
)
from fleet.behaviour._profile_station import ProfileStation
from fleet.ocpp import BLOCKED_TOKEN_PREFIX

ONE_AC = msgspec.structs.replace(AC22, evses=1)
QUIET = Faults()  # no outages, no connector faults
WELL_BEHAVED = Misbehaviour(unplug_before_stop=0.0, idle_after_charging=0.0)


def _profile(**changes: Any) -> Profile:
    settings: dict[str, Any] = {
        "faults": QUIET,
        "misbehaviour": WELL_BEHAVED,
        "authorization": Authorization(rfid=1.0, pin=0.0, start_button=0.0, app=0.0, rejected_token=0.0),
    }
    settings.update(changes)
    return busy_profile(**settings)


def _run(
    profile: Profile, kind: StationType = ONE_AC, *, seed: int = 1, days: float = 2, app: bool = False
) -> tuple[ProfileStation, Transcript]:
    station = ProfileStation(
        "DRV-1", profile, kind, random.Random(seed), start_at=0.0, epoch=EPOCH, app_start=app
    )
    return station, drive(station, days * DAY)


def _ended(out: Transcript) -> list[dict[str, Any]]:
    return [p for p in out.calls("TransactionEvent") if p["eventType"] == "Ended"]


def _order(out: Transcript, *actions: str) -> list[str]:
    return [action for frame in out.sent if (action := _action(frame)) in actions]


def _action(text: str) -> str:
    return str(msgspec.json.decode(text)[2]) if text.startswith("[2") else ""


def test_a_well_behaved_rfid_driver_plugs_badges_charges_badges_out_and_leaves() -> None:
    station, out = _run(
        _profile(
            authorization=Authorization(
                rfid=1, pin=0, start_button=0, app=0, rejected_token=0, plug_in_first=1
            )
        )
    )
    stats = station.drivers[0].stats
    assert stats.sessions >= 5 and stats.gave_up == 0 and stats.turned_away == 0
    ended = _ended(out)
    assert len(ended) >= stats.sessions - 1  # the last may still run
    assert {e["transactionInfo"]["stoppedReason"] for e in ended} == {"Local"}
    tokens = [p["idToken"] for p in out.calls("Authorize")]
    assert tokens and all(t["type"] == "ISO14443" and len(t["idToken"]) == 8 for t in tokens)
    # plug in first: the connector is Occupied before the card is read
    statuses_and_auth = _order(out, "StatusNotification", "Authorize")
    assert statuses_and_auth[statuses_and_auth.index("Authorize") - 1] == "StatusNotification"
    assert all(e["meterValue"][0]["sampledValue"][0]["value"] > 0 for e in ended)


def test_token_first_drivers_badge_before_plugging_in() -> None:
    station, out = _run(
        _profile(
            authorization=Authorization(
                rfid=1, pin=0, start_button=0, app=0, rejected_token=0, plug_in_first=0
            )
        )
    )
    first = _order(out, "StatusNotification", "Authorize")
    boot_snapshot = 1  # one StatusNotification per EVSE after boot
    assert first[boot_snapshot] == "Authorize"
    assert station.drivers[0].stats.sessions >= 3


def test_refused_tokens_carry_the_blocked_prefix_and_the_driver_gives_up() -> None:
    profile = _profile(
        authorization=Authorization(rfid=0.5, pin=0.5, start_button=0, app=0, rejected_token=1.0)
    )
    station, out = _run(profile)
    stats = station.drivers[0].stats
    assert stats.arrivals >= 5 and stats.sessions == 0 and stats.gave_up == stats.arrivals
    tokens = [p["idToken"] for p in out.calls("Authorize")]
    assert len(tokens) == stats.arrivals
    assert all(t["idToken"].startswith(BLOCKED_TOKEN_PREFIX) for t in tokens)
    assert {t["type"] for t in tokens} == {"ISO14443", "KeyCode"}
    assert out.calls("TransactionEvent") == []


def test_misbehaving_drivers_unplug_before_stopping() -> None:
    _, out = _run(_profile(misbehaviour=Misbehaviour(unplug_before_stop=1.0, idle_after_charging=0.0)))
    reasons = {e["transactionInfo"]["stoppedReason"] for e in _ended(out)}
    assert reasons == {"EVDisconnected"}


def test_idle_after_charging_keeps_the_connector_occupied_after_the_session() -> None:
    never = _profile(misbehaviour=Misbehaviour(unplug_before_stop=0.0, idle_after_charging=0.0))
    always = _profile(misbehaviour=Misbehaviour(unplug_before_stop=0.0, idle_after_charging=1.0))
    gaps = {
        name: _occupied_after_end(_run(profile, days=4)[1])
        for name, profile in [("never", never), ("always", always)]
    }
    assert gaps["never"] and max(gaps["never"]) <= 30.0  # one human step
    assert gaps["always"] and max(gaps["always"]) > 600.0  # exponential, mean 30 min


def _occupied_after_end(out: Transcript) -> list[float]:
    """Seconds from each session end (Ended) to the connector becoming Available again."""
    gaps: list[float] = []
    ended_at: float | None = None
    for text in out.sent:
        frame = msgspec.json.decode(text)
        if frame[0] != 2:
            continue
        payload = frame[3]
        if frame[2] == "TransactionEvent" and payload["eventType"] == "Ended":
            ended_at = _seconds(payload["timestamp"])
        elif (
            frame[2] == "StatusNotification"
            and payload["connectorStatus"] == "Available"
            and ended_at is not None
        ):
            gaps.append(_seconds(payload["timestamp"]) - ended_at)
            ended_at = None
    return gaps


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp() - EPOCH


def test_app_starts_become_remote_start_wanted_only_when_the_shell_offers_it() -> None:
    app_only = _profile(
        authorization=Authorization(rfid=0, pin=0, start_button=0, app=1.0, rejected_token=0.0)
    )
    station, out = _run(app_only, app=True)
    stats = station.drivers[0].stats
    assert stats.app_starts == stats.arrivals >= 3
    assert out.remote_starts == stats.app_starts
    started = [p for p in out.calls("TransactionEvent") if p["eventType"] == "Started"]
    assert started and all(p["triggerReason"] == "RemoteStart" for p in started)
    assert all(p["idToken"]["type"] == "Central" for p in started)
    # without an app path in the shell, app users badge with their card
    station, out = _run(app_only, app=False)
    assert station.drivers[0].stats.app_starts == 0 and out.remote_starts == 0
    assert {p["idToken"]["type"] for p in out.calls("Authorize")} == {"ISO14443"}


def _dc_day_from_20_to_80_percent() -> Transcript:
    """A day at a DC station of drivers who stay 3 h and charge CAR from 20 % to 80 %."""
    long_stay = _profile(
        dwell_h=Fixed(value=3.0),
        arrival_soc_percent=Fixed(value=20.0),
        target_soc_percent=Fixed(value=80.0),
        ev_models=[CAR],
    )
    _, out = _run(long_stay, DC150, days=1)
    return out


def test_a_dc_session_reports_rising_soc_up_to_the_target_then_the_ev_suspends() -> None:
    out = _dc_day_from_20_to_80_percent()
    socs: dict[str, list[float]] = {}
    states: dict[str, list[str]] = {}
    for event in out.calls("TransactionEvent"):
        tx = event["transactionInfo"]["transactionId"]
        states.setdefault(tx, []).append(event["transactionInfo"].get("chargingState", ""))
        socs.setdefault(tx, []).extend(
            sample["value"]
            for meter in event.get("meterValue", [])
            for sample in meter["sampledValue"]
            if sample.get("measurand") == "SoC"
        )
    finished = [tx for tx in states if "SuspendedEV" in states[tx]]
    assert len(finished) >= 3
    for tx in finished:
        assert socs[tx] == sorted(socs[tx])  # the SoC only rises
        assert socs[tx][0] >= 20.0 and socs[tx][-1] == pytest.approx(80.0, abs=0.1)
        assert states[tx].index("SuspendedEV") > states[tx].index("Charging")


def test_energy_delivered_matches_the_soc_gain_of_the_battery() -> None:
    # 60 kWh car from 20 % to 80 %: 36 kWh into the cells, 36 / 0.95 kWh through a DC meter
    out = _dc_day_from_20_to_80_percent()
    ended = [e for e in _ended(out) if e["transactionInfo"]["stoppedReason"] == "Local"]
    assert ended
    starts = {
        e["transactionInfo"]["transactionId"]: e["meterValue"][0]["sampledValue"][0]["value"]
        for e in out.calls("TransactionEvent")
        if e["eventType"] == "Started"
    }
    for event in ended:
        delivered = (
            event["meterValue"][0]["sampledValue"][0]["value"]
            - starts[event["transactionInfo"]["transactionId"]]
        )
        assert delivered == pytest.approx(36_000 / 0.95, rel=0.01)


def test_a_faulted_connector_reports_faulted_and_the_driver_does_not_start() -> None:
    stuck = Faults(connector_faults_per_evse_day=48.0, connector_fault_duration_s=Fixed(value=10 * DAY))
    busy = Arrivals(weekday=flat_day(2.0), saturday=flat_day(2.0), sunday=flat_day(2.0))
    station, out = _run(_profile(faults=stuck, arrivals=busy, dwell_h=Fixed(value=0.25)), days=2)
    fault = station.connector_faults[1].current
    assert fault is not None and fault.start < 2 * HOUR
    statuses = [p["connectorStatus"] for p in out.calls("StatusNotification")]
    assert statuses[-1] == "Faulted"
    notified = [
        (d["component"]["name"], d["variable"]["name"], d["actualValue"])
        for p in out.calls("NotifyEvent")
        for d in p["eventData"]
    ]
    assert ("Connector", "Problem", "true") in notified  # the hard-wired alert of the fault
    started_after = [
        p
        for p in out.calls("TransactionEvent")
        if p["eventType"] == "Started" and _seconds(p["timestamp"]) > fault.start
    ]
    assert started_after == []
    assert station.drivers[0].stats.turned_away >= 20


def test_a_dc_station_needs_a_dc_capable_ev_in_the_catalogue() -> None:
    ac_only = _profile(ev_models=[EvModel(name="AC-only", share=1.0, battery_kwh=40, max_ac_kw=7.4)])
    with pytest.raises(ValueError, match=r"'DC150' is DC but no EV model has max_dc_kw > 0"):
        ProfileDriver(1, ac_only, DC150, random.Random(1), 0.0, EPOCH)
