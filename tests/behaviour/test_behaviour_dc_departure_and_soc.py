"""A DC driver leaves a margin after the EV reaches its target (not at an independent dwell), and
the SoC a DC station reports follows the battery from the start of the session (issue 21 items 3
and 6); a profile's calibration figures are checked when it is loaded."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from _profile_support import CAR, DAY, DC150, EPOCH, busy_profile, drive

from fleet.behaviour import bundled_profiles_dir
from fleet.behaviour._profile_schema import Authorization, Faults, Fixed, Misbehaviour, OcppSettings
from fleet.behaviour._profile_station import ProfileStation

DC_ONLY = msgspec.structs.replace(DC150, share=1.0)
MARGIN_MIN = 5.0


def _dc_events(**changes: Any) -> dict[str, list[dict[str, Any]]]:
    """The TransactionEvents of three days at one DC station, by transaction."""
    profile = busy_profile(
        station_types=[DC_ONLY],
        ev_models=[msgspec.structs.replace(CAR, share=1.0)],
        faults=Faults(),
        misbehaviour=Misbehaviour(unplug_before_stop=0.0, idle_after_charging=0.0),
        ocpp=OcppSettings(tx_updated_interval_s=10),
        **changes,
    )
    station = ProfileStation(
        "DC-1", profile, DC_ONLY, random.Random(7), start_at=0.0, epoch=EPOCH, app_start=True
    )
    by_tx: dict[str, list[dict[str, Any]]] = {}
    for event in drive(station, 3 * DAY).calls("TransactionEvent"):
        by_tx.setdefault(event["transactionInfo"]["transactionId"], []).append(event)
    return by_tx


def _at(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def test_a_dc_driver_leaves_the_margin_after_the_ev_is_full() -> None:
    sessions = _dc_events(
        dwell_h=Fixed(value=3.0),
        dc_departure_margin_min=Fixed(value=MARGIN_MIN),
        authorization=Authorization(rfid=1.0, start_button=0.0, app=0.0, rejected_token=0.0),
    )
    stays = []
    for events in sessions.values():
        full = [e for e in events if e["transactionInfo"].get("chargingState") == "SuspendedEV"]
        ended = [e for e in events if e["eventType"] == "Ended"]
        if full and ended:
            stays.append(_at(ended[0]) - _at(full[0]))
    assert len(stays) > 10
    # the margin, then the driver badges out (a human step of 5-30 s); never the 3 h dwell
    assert all(MARGIN_MIN * 60 - 11 <= stay <= MARGIN_MIN * 60 + 41 for stay in stays), stays


def test_the_reported_soc_rises_before_the_drivers_first_check() -> None:
    # app starts: the driver looks at the app after 180 s; the EV reports its SoC all along
    sessions = _dc_events(
        authorization=Authorization(rfid=0.0, start_button=0.0, app=1.0, rejected_token=0.0)
    )
    rising = 0
    for events in sessions.values():
        started = _at(events[0])
        early = [
            float(v["value"])
            for e in events
            if e["triggerReason"] == "MeterValuePeriodic" and _at(e) - started <= 150.0
            for v in e["meterValue"][0]["sampledValue"]
            if v["measurand"] == "SoC"
        ]
        if len(early) >= 10:  # never the plug-in SoC for minutes: it moves every 20 s at most
            assert early == sorted(early)
            rising += all(later > earlier for earlier, later in zip(early[::2], early[2::2], strict=False))
    assert rising >= 5


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "fleet", "profiles", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_profiles_check_refuses_a_calibration_figure_out_of_range(tmp_path: Path) -> None:
    text = (bundled_profiles_dir() / "urban_public.toml").read_text(encoding="utf-8")
    bad = text.replace("[calibration.idle_share]\nvalue = 0.82", "[calibration.idle_share]\nvalue = 1.5")
    assert bad != text
    done = _check(tmp_path, bad)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.count("\n") == 1
    assert "calibration.idle_share.value" in done.stderr and "within 0..1" in done.stderr


def test_profiles_check_refuses_a_calibration_figure_without_a_source(tmp_path: Path) -> None:
    text = (bundled_profiles_dir() / "workplace.toml").read_text(encoding="utf-8")
    start = text.index("[calibration.weekday_arrival_peak_h]")
    source = text.index("source = ", start)
    bad = text[:source] + 'source = ""' + text[text.index("\n", source) :]
    done = _check(tmp_path, bad)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.count("\n") == 1
    assert "calibration.weekday_arrival_peak_h.source" in done.stderr
