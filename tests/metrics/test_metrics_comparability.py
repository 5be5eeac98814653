"""Runs that did not measure the same thing are told apart; noise in the measured duration is not."""

from typing import Any

from fleet.metrics import EMBEDDED_CSMS, Difference, differences, ocpp_label, run_shape


def _old_style(**changes: Any) -> dict[str, Any]:
    """A result without "run" (written before run metadata existed), by the embedded CSMS."""
    result: dict[str, Any] = {
        "ocpp_version": "2.0.1",
        "duration_s": 30.004,
        "stations": {"configured": 1000},
        "profile": None,
        "speed": 1.0,
        "csms_url": "ws://127.0.0.1:41001",
        "csms": {"stations_booted": 1000},
        "stations_by_ocpp_version": {"1.6": 0, "2.0.1": 1000},
        "interrupted": False,
    }
    result.update(changes)
    return result


def _new_style(**config: Any) -> dict[str, Any]:
    result = _old_style()
    del result["csms"]
    result["run"] = {
        "config": {
            "csms_url": None,
            "stations": 1000,
            "duration_s": 30.0,
            "ramp_per_s": 25.0,
            "evses": 2,
            **config,
        }
    }
    return result


def _lines(base: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [difference.line() for difference in differences(run_shape(base), run_shape(new))]


def test_the_same_run_twice_is_comparable_even_on_another_embedded_port() -> None:
    again = _old_style(duration_s=30.012, csms_url="ws://127.0.0.1:52002")
    assert _lines(_old_style(), again) == []
    assert _lines(_new_style(), _new_style()) == []
    assert _lines(_old_style(), _new_style()) == []  # an old file against a new one


def test_each_difference_is_named_with_both_values() -> None:
    other = _old_style(
        stations={"configured": 2000},
        duration_s=60.01,
        profile="workplace",
        speed=60.0,
        csms_url="ws://csms.example:9000/ocpp",
        stations_by_ocpp_version={"1.6": 600, "2.0.1": 1400},
    )
    del other["csms"]
    assert _lines(_old_style(), other) == [
        "stations: 1000 vs 2000",
        "duration: 30.004 s vs 60.01 s",
        "profile: none (the simple driver) vs workplace",
        "speed: 1 vs 60",
        "ocpp: 2.0.1 vs mix:0.3",
        f"csms: {EMBEDDED_CSMS} vs ws://csms.example:9000/ocpp",
    ]


def test_configured_durations_must_match_measured_ones_may_differ_by_the_stop() -> None:
    assert _lines(_new_style(duration_s=30.0), _new_style(duration_s=30.5)) == ["duration: 30 s vs 30.5 s"]
    assert _lines(_old_style(duration_s=30.0), _old_style(duration_s=30.9)) == []
    assert _lines(_old_style(duration_s=30.0), _old_style(duration_s=32.0)) == ["duration: 30 s vs 32 s"]


def test_the_new_config_adds_ramp_and_evses() -> None:
    assert _lines(_new_style(), _new_style(ramp_per_s=50.0, evses=4)) == ["ramp: 25 vs 50", "evses: 2 vs 4"]
    assert _lines(_new_style(csms_url="ws://a:1/x"), _new_style(csms_url="ws://b:1/x")) == [
        "csms: ws://a:1/x vs ws://b:1/x"
    ]


def test_an_interrupted_or_aborted_run_is_flagged() -> None:
    assert _lines(_old_style(), _old_style(interrupted=True)) == ["interrupted: no vs yes"]
    assert _lines(_old_style(aborted={"slo": "p99 < 1ms"}), _old_style()) == ["aborted: yes vs no"]


def test_the_ocpp_label_comes_from_the_stations_per_version() -> None:
    assert ocpp_label({"1.6": 10, "2.0.1": 0}) == "1.6"
    assert ocpp_label({"1.6": 3, "2.0.1": 7}) == "mix:0.3"
    assert ocpp_label({}) is None
    shape = run_shape({"ocpp_version": "1.6", "stations": {"configured": 5}})
    assert (shape.ocpp, shape.stations, shape.csms) == ("1.6", 5, EMBEDDED_CSMS)


def test_a_difference_as_json() -> None:
    assert Difference("stations", "1000", "2000").to_dict() == {
        "what": "stations",
        "base": "1000",
        "new": "2000",
    }
