"""ProfileStation: reproducible traffic, schema-valid frames, outages the shell honours, the
profile's OCPP settings, and a fleet built in the profile's mix."""

from __future__ import annotations

import random
from collections import Counter

import msgspec
import pytest
from _profile_support import AC22, DAY, DC150, EPOCH, busy_profile, drive, poisson_interval

from fleet.behaviour._profile_schema import Faults, Fixed, OcppSettings, StationType
from fleet.behaviour._profile_station import ProfileStation, build_profile_fleet
from fleet.station import Station
from support import OcppSchemaValidator


def _station(seed: int, **changes: object) -> ProfileStation:
    return ProfileStation(
        f"PS-{seed}",
        busy_profile(**changes),
        AC22,
        random.Random(seed),
        start_at=0.0,
        epoch=EPOCH,
        app_start=True,
    )


def test_same_seed_gives_identical_frames_for_a_simulated_day_and_another_seed_does_not() -> None:
    first = drive(_station(21), DAY)
    again = drive(_station(21), DAY)
    other = drive(_station(22), DAY)
    assert len(first.sent) > 500
    assert first.sent == again.sent and first.stream == again.stream
    assert first.sent != other.sent


@pytest.mark.parametrize("kind", [AC22, DC150], ids=lambda kind: kind.name)
def test_every_frame_of_a_simulated_day_validates_against_the_official_schemas(kind: StationType) -> None:
    station = ProfileStation(
        "PS-SCHEMA", busy_profile(), kind, random.Random(5), start_at=0.0, epoch=EPOCH, app_start=True
    )
    out = drive(station, DAY)
    actions = Counter(msgspec.json.decode(text)[2] for text in out.sent if text.startswith("[2"))
    assert actions["TransactionEvent"] > 50 and actions["BootNotification"] == 1
    assert OcppSchemaValidator("2.0.1").validate_stream(out.stream) == []


def test_outages_drop_the_connection_and_transactions_replay_offline_events() -> None:
    days = 4
    often = Faults(outages_per_station_day=6.0, outage_duration_s=Fixed(value=1800.0))
    station = _station(8, faults=often)
    first = station.outages.current
    assert first is not None
    assert station.offline_until(first.start - 1.0) is None
    assert station.offline_until(first.start) == first.end == first.start + 1800.0
    out = drive(station, days * DAY)
    assert out.outages[0] == (first.start, first.end)
    # 30-minute outages take ~12 % of the time, so the realised rate is 6 / (1 + 6 * 1800 / DAY)
    low, high = poisson_interval(days * 6.0 / (1 + 6.0 * 1800.0 / DAY), 0.001)
    assert low <= len(out.outages) <= high
    assert all(end - start == pytest.approx(1800.0) for start, end in out.outages)
    offline_events = [p for p in out.calls("TransactionEvent") if p.get("offline") is True]
    assert offline_events  # sessions went on while the line was down and were replayed
    assert station.is_connected or station.offline_until(days * DAY) is not None


def test_the_profile_ocpp_settings_reach_the_device_model() -> None:
    station = _station(3, ocpp=OcppSettings(tx_updated_interval_s=30, aligned_data_interval_s=0))
    core = station.station
    assert isinstance(core, Station)  # the profile station speaks 2.0.1 unless told otherwise
    model = core.device_model
    assert model.get_int("SampledDataCtrlr", "TxUpdatedInterval", -1) == 30
    assert model.get_int("AlignedDataCtrlr", "Interval", -1) == 0


def test_components_draw_from_independent_streams() -> None:
    # changing the faults does not move the drivers' arrivals
    calm = _station(4, faults=Faults())
    stormy = _station(4, faults=Faults(outages_per_station_day=10.0, connector_faults_per_evse_day=5.0))
    assert [d.next_deadline() for d in calm.drivers] == [d.next_deadline() for d in stormy.drivers]
    assert calm.next_deadline() is not None


def test_build_profile_fleet_uses_the_mix_and_the_ids_and_is_reproducible() -> None:
    fleet = build_profile_fleet(busy_profile(), 50, lambda i: f"SITE-{i:03d}", 9, 0.0, EPOCH)
    assert [station.station_id for station in fleet] == [f"SITE-{i:03d}" for i in range(50)]
    assert Counter(station.station_type.name for station in fleet) == {"AC22": 40, "DC150": 10}
    assert all(station.station.config.serial_number == f"SN-{station.station_id}" for station in fleet)
    again = build_profile_fleet(busy_profile(), 50, lambda i: f"SITE-{i:03d}", 9, 0.0, EPOCH)
    assert [s.next_deadline() for s in fleet] == [s.next_deadline() for s in again]
    assert [s.station_type for s in fleet] == [s.station_type for s in again]
