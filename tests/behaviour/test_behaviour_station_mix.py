"""The station mix: exact shares by largest remainder, shuffled by the seed; StationConfig per type."""

from __future__ import annotations

import random
from collections import Counter

import msgspec
import pytest
from _profile_support import AC22, DC150, EPOCH, busy_profile

from fleet.behaviour._profile_schema import StationType
from fleet.behaviour._station_mix import serial_number_for, station_config, station_types_for


def test_a_0_8_0_2_mix_of_1000_stations_is_exactly_800_200_and_shuffled() -> None:
    mix = station_types_for(busy_profile(), 1000, random.Random(1))
    assert Counter(kind.name for kind in mix) == {"AC22": 800, "DC150": 200}
    assert [kind.name for kind in mix[:20]] != ["AC22"] * 20  # not in listing order
    assert mix == station_types_for(busy_profile(), 1000, random.Random(1))
    assert mix != station_types_for(busy_profile(), 1000, random.Random(2))


def test_largest_remainder_hands_out_the_leftover_stations() -> None:
    thirds = [msgspec.structs.replace(AC22, name=name, share=1 / 3) for name in ("a", "b", "c")]
    mix = station_types_for(busy_profile(station_types=thirds), 10, random.Random(3))
    assert sorted(Counter(kind.name for kind in mix).values()) == [3, 3, 4]
    # shares that do not add up to 1 are normalised
    uneven = [msgspec.structs.replace(AC22, share=0.3), msgspec.structs.replace(DC150, share=0.1)]
    mix = station_types_for(busy_profile(station_types=uneven), 8, random.Random(4))
    assert Counter(kind.name for kind in mix) == {"AC22": 6, "DC150": 2}
    assert station_types_for(busy_profile(), 0, random.Random(5)) == []


def test_all_zero_shares_name_the_profile() -> None:
    zero = [msgspec.structs.replace(AC22, share=0.0)]
    with pytest.raises(ValueError, match=r"test-busy.*share > 0"):
        station_types_for(busy_profile(station_types=zero), 10, random.Random(1))


def test_station_config_carries_the_type_into_the_boot_notification() -> None:
    config = station_config("SITE-00042", DC150, EPOCH)
    assert (config.evse_count, config.max_power_w, config.phases) == (1, 150_000.0, 3)
    assert (config.vendor_name, config.model, config.firmware_version) == ("Acme", "Fast150", "1.0.0")
    assert config.serial_number == "SN-SITE-00042"
    assert config.wall_clock_epoch == EPOCH
    single = StationType(name="home", share=1.0, evses=1, current="AC", max_power_kw=7.4, phases=1)
    assert station_config("H1", single, EPOCH).phases == 1
    long_id = "X" * 40
    serial = serial_number_for(long_id)
    assert len(serial) <= 25 and serial == serial_number_for(long_id) != serial_number_for(long_id + "Y")


def test_a_model_name_too_long_for_ocpp_names_the_station_type() -> None:
    bad = msgspec.structs.replace(AC22, model="M" * 21)
    with pytest.raises(ValueError, match=r"station type 'AC22'.*model is at most 20"):
        station_config("S1", bad, EPOCH)
