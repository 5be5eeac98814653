"""Issue 21 item 7, end to end: a CSMS script puts a 5 kW station maximum on 2-EVSE stations
(2.0.1 ChargingStationMaxProfile on evseId 0, 1.6 ChargePointMaxProfile on connectorId 0) while
both EVSEs charge at 11 kW. From then on each station's metered energy, summed over its EVSEs,
grows at no more than 5 kW: the EVSEs share the maximum instead of taking 5 kW each."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.csms import parse_script
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

STATION_MAX_W = 5_000.0
CAP_AT_S = 120.0

_SCHEDULE = {"chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": STATION_MAX_W}]}
_CAP = {
    "step": [
        {
            "at": f"+{CAP_AT_S:g}s",
            "action": "SetChargingProfile",
            "payload": {
                "evseId": 0,
                "chargingProfile": {
                    "id": 21,
                    "stackLevel": 0,
                    "chargingProfilePurpose": "ChargingStationMaxProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": [{"id": 1, "startSchedule": "${now}", **_SCHEDULE}],
                },
            },
        },
        {
            "at": f"+{CAP_AT_S:g}s",
            "action": "SetChargingProfile",
            "ocpp": "1.6",
            "payload": {
                "connectorId": 0,
                "csChargingProfiles": {
                    "chargingProfileId": 21,
                    "stackLevel": 0,
                    "chargingProfilePurpose": "ChargePointMaxProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": {"startSchedule": "${now}", **_SCHEDULE},
                },
            },
        },
    ]
}


Reading = tuple[float, datetime, float]  # (capture time, meter timestamp, Wh)


def _energy_readings(frames: list[Frame]) -> dict[tuple[str, int], list[Reading]]:
    """(station, EVSE or connector) -> its Energy.Active.Import.Register readings."""
    readings: dict[tuple[str, int], list[Reading]] = defaultdict(list)

    def add(frame: Frame, evse_id: int, meter_values: list[dict[str, Any]]) -> None:
        for meter_value in meter_values:
            for sampled in meter_value["sampledValue"]:
                if (
                    sampled.get("measurand", "Energy.Active.Import.Register")
                    == "Energy.Active.Import.Register"
                ):
                    stamp = datetime.fromisoformat(meter_value["timestamp"])
                    readings[(frame.station, evse_id)].append((frame.t, stamp, float(sampled["value"])))

    evse_of: dict[str, int] = {}  # a 2.0.1 transaction names its EVSE in its first event only
    for frame in calls(frames, "TransactionEvent"):
        transaction_id = frame.payload["transactionInfo"]["transactionId"]
        if "evse" in frame.payload:
            evse_of[transaction_id] = frame.payload["evse"]["id"]
        if "meterValue" in frame.payload:
            add(frame, evse_of[transaction_id], frame.payload["meterValue"])
    for frame in calls(frames, "StartTransaction"):  # 1.6: the start reading is meterStart
        start = frame.payload
        reading = (frame.t, datetime.fromisoformat(start["timestamp"]), float(start["meterStart"]))
        readings[(frame.station, start["connectorId"])].append(reading)
    for frame in calls(frames, "MeterValues"):
        add(frame, frame.payload["connectorId"], frame.payload["meterValue"])
    return readings


def _kw_after(readings: list[Reading], after_t: float) -> float:
    """The average power between the first and the last reading sent after ``after_t``."""
    later = sorted(reading for reading in readings if reading[0] > after_t)
    assert len(later) >= 2, readings
    (_, first_at, first_wh), (_, last_at, last_wh) = later[0], later[-1]
    return (last_wh - first_wh) / ((last_at - first_at).total_seconds() / 3600.0) / 1000.0


async def test_a_station_maximum_is_shared_by_the_evses_in_both_versions(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=4, duration_s=420, ramp_per_s=10, seed=21),
        driver=DriverSettings(mean_idle_s=1, mean_charge_s=100_000, step_s=1, power_w=11_000.0),
        evses_per_station=2,
        csms_script=tuple(parse_script(_CAP, "station-max")),
        ocpp=OcppMix.parse("mix:0.5"),
        capture_path=str(capture),
    )
    with trio.fail_after(900):
        result = await run_job(job)
    assert result.exit_code == 0 and result.summary is not None
    frames = read_capture(capture)
    sets = calls(frames, "SetChargingProfile", sent=False)
    assert len(sets) == 4
    for call in sets:
        (answer,) = answers_to(frames, call)
        assert answer.payload["status"] == "Accepted"
    capped_at = max(call.t for call in sets)
    readings = _energy_readings(frames)
    stations = sorted({station for station, _ in readings})
    assert len(stations) == 4
    for station in stations:
        before = [
            _kw_after([r for r in readings[(station, evse)] if r[0] < capped_at], 0.0) for evse in (1, 2)
        ]
        assert before == [pytest.approx(11.0, rel=0.01)] * 2, station  # both EVSEs charge at 11 kW
        after = [_kw_after(readings[(station, evse)], capped_at) for evse in (1, 2)]
        assert sum(after) <= STATION_MAX_W / 1000.0 * 1.001, (station, after)
        assert after == [pytest.approx(STATION_MAX_W / 2000.0, rel=0.01)] * 2, (station, after)
