"""RunRecorder: a scripted run, then its summary, snapshot, rate and merge."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import msgspec
import pytest

from fleet.metrics import RunRecorder, Snapshot

BOOT_OK = [0.012, 0.015, 0.011]
BOOT_TIMEOUT = 30.0
HEARTBEATS = [0.003, 0.004, 0.0035, 0.005]
STATUS_OK = [0.02]
ENERGY_WH = [12_345.0, 6_789.5]
STILL_CHARGING_WH = 4_000.0  # metered by the session that has not ended


def scripted() -> RunRecorder:
    """Four stations boot (one times out first), beat, charge twice; the CSMS sends requests."""
    recorder = RunRecorder()
    for _ in range(4):
        recorder.station_connected()
    recorder.station_disconnected()
    recorder.reconnect()
    recorder.station_connected()
    for latency in BOOT_OK:
        recorder.call_sent("BootNotification")
        recorder.call_succeeded("BootNotification", latency)
        recorder.station_booted()
    recorder.call_sent("BootNotification")
    recorder.call_failed("BootNotification", "Timeout", BOOT_TIMEOUT)
    recorder.call_sent("BootNotification")
    recorder.call_failed("BootNotification", "InternalError", 0.5)
    for latency in HEARTBEATS:  # this shell does not announce sends
        recorder.call_succeeded("Heartbeat", latency)
    recorder.call_sent("StatusNotification")
    recorder.call_sent("StatusNotification")  # still unanswered at the end
    recorder.call_succeeded("StatusNotification", STATUS_OK[0])
    recorder.request_answered("Reset", None)
    recorder.request_answered("Reset", "NotSupported")
    recorder.request_answered("GetVariables", None)
    for energy in ENERGY_WH:
        recorder.transaction_started()
        recorder.energy_metered(energy / 2)
        recorder.energy_metered(energy / 2)
        recorder.transaction_ended(energy)
    recorder.transaction_started()
    recorder.energy_metered(STILL_CHARGING_WH)
    recorder.error("websocket", "connection reset by peer", station_id="CS-2", at_s=12.5)
    recorder.error("websocket", "connection reset by peer", station_id="CS-3", at_s=3.25)
    recorder.error("protocol", "CALLRESULT for an unknown message id")  # station and time not known
    recorder.message_dropped("MeterValues", "offline queue full")
    return recorder


def summarize(recorder: RunRecorder) -> dict[str, Any]:
    return recorder.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=5)


def exact_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered) / 100)) - 1] * 1000.0


def test_summary_has_the_keys_later_checks_rely_on() -> None:
    summary = summarize(scripted())

    assert {
        "ocpp_version",
        "duration_s",
        "stations",
        "actions",
        "csms_requests",
        "transactions",
        "errors",
        "messages_dropped",
    } <= summary.keys()
    stations = summary["stations"]
    assert {"configured", "connected_peak", "booted"} <= stations.keys()
    actions = summary["actions"]
    for stats in actions.values():
        assert {"sent", "ok", "errors", "latency_ms", "errors_by_code"} <= stats.keys()
        assert {"p50", "p90", "p99", "max"} <= stats["latency_ms"].keys()
    requests = summary["csms_requests"]
    for stats in requests.values():
        assert {"answered", "errors"} <= stats.keys()
    transactions = summary["transactions"]
    assert {"started", "ended", "energy_kwh"} <= transactions.keys()


def test_summary_numbers_follow_the_script() -> None:
    summary = summarize(scripted())

    assert summary["ocpp_version"] == "2.0.1"
    assert summary["duration_s"] == 60.0
    assert summary["stations"] == {
        "configured": 5,
        "connected_peak": 4,
        "connected_at_end": 4,
        "booted": len(BOOT_OK),
        "reconnects": 1,
    }
    actions = summary["actions"]
    assert list(actions) == sorted(actions)
    boot = actions["BootNotification"]
    assert (boot["sent"], boot["ok"], boot["errors"], boot["in_flight"]) == (
        len(BOOT_OK) + 2,
        len(BOOT_OK),
        2,
        0,
    )
    assert boot["errors_by_code"] == {"InternalError": 1, "Timeout": 1}
    for key, q in (("p50", 50), ("p90", 90), ("p99", 99)):
        assert boot["latency_ms"][key] == pytest.approx(exact_ms(BOOT_OK, q), rel=0.01)
    assert boot["latency_ms"]["max"] == round(max(BOOT_OK) * 1000, 2)
    assert boot["error_latency_ms"]["max"] == round(BOOT_TIMEOUT * 1000, 2)
    heartbeat = actions["Heartbeat"]
    assert (heartbeat["sent"], heartbeat["ok"], heartbeat["in_flight"]) == (
        len(HEARTBEATS),
        len(HEARTBEATS),
        0,
    )
    assert heartbeat["latency_ms"]["max"] == round(max(HEARTBEATS) * 1000, 2)
    status = actions["StatusNotification"]
    assert (status["sent"], status["ok"], status["errors"], status["in_flight"]) == (2, 1, 0, 1)
    assert summary["csms_requests"] == {
        "GetVariables": {"answered": 1, "errors": 0, "errors_by_code": {}},
        "Reset": {"answered": 2, "errors": 1, "errors_by_code": {"NotSupported": 1}},
    }
    assert summary["transactions"] == {
        "started": len(ENERGY_WH) + 1,
        "ended": len(ENERGY_WH),
        "energy_kwh": round((sum(ENERGY_WH) + STILL_CHARGING_WH) / 1000, 3),
        "energy_ended_kwh": round(sum(ENERGY_WH) / 1000, 3),
    }
    assert summary["errors"] == [
        {
            "kind": "websocket",
            "message": "connection reset by peer",
            "count": 2,
            "first_s": 3.25,
            "last_s": 12.5,
            "stations": ["CS-2", "CS-3"],
        },
        {
            "kind": "protocol",
            "message": "CALLRESULT for an unknown message id",
            "count": 1,
            "first_s": None,
            "last_s": None,
            "stations": [],
        },
    ]
    assert summary["messages_dropped"] == [
        {"action": "MeterValues", "reason": "offline queue full", "count": 1}
    ]


def test_sent_is_always_ok_plus_errors_plus_in_flight() -> None:
    summary = summarize(scripted())

    actions = summary["actions"]
    for stats in actions.values():
        assert stats["sent"] == stats["ok"] + stats["errors"] + stats["in_flight"]


def test_latencies_are_milliseconds_rounded_to_hundredths() -> None:
    recorder = RunRecorder()
    recorder.call_succeeded("Heartbeat", 0.0123456)

    latency = summarize(recorder)["actions"]["Heartbeat"]["latency_ms"]

    assert latency["max"] == round(0.0123456 * 1000, 2)
    assert latency["p50"] == latency["max"]


def test_summary_is_json_encodable_and_survives_a_round_trip() -> None:
    summary = summarize(scripted())

    assert msgspec.json.decode(msgspec.json.encode(summary)) == summary


def test_extra_is_merged_in_but_cannot_overwrite_results() -> None:
    recorder = scripted()

    summary = recorder.summary(
        ocpp_version="2.0.1", duration_s=1.0, stations_configured=1, extra={"host": {"cores": 2}}
    )
    assert summary["host"] == {"cores": 2}
    with pytest.raises(ValueError, match=r"\['actions'\]"):
        recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1, extra={"actions": {}})


def test_snapshot_has_the_running_totals() -> None:
    recorder = scripted()

    snapshot = recorder.snapshot()

    summary = summarize(recorder)
    actions = summary["actions"]
    calls_sent = sum(stats["sent"] for stats in actions.values())
    answers_sent = sum(stats["answered"] for stats in summary["csms_requests"].values())
    calls_failed = sum(stats["errors"] for stats in actions.values())
    assert snapshot == Snapshot(
        connected=4,
        connected_peak=4,
        booted=len(BOOT_OK),
        messages_sent=calls_sent + answers_sent,
        errors=3 + calls_failed,
        transactions_active=1,
        reconnects=1,
    )


def test_rate_is_messages_per_second_between_calls() -> None:
    recorder = RunRecorder()
    assert recorder.rate(10.0) == 0.0  # the first call only sets the mark
    for _ in range(30):
        recorder.call_sent("Heartbeat")

    assert recorder.rate(12.0) == 15.0
    assert recorder.rate(12.0) == 15.0  # time did not move: the last rate again
    recorder.request_answered("Reset", None)
    assert recorder.rate(14.0) == 0.5


def test_peak_is_the_most_connected_at_once() -> None:
    recorder = RunRecorder()
    rng = random.Random(3)
    connected = peak = 0
    for _ in range(500):
        if connected and rng.random() < 0.45:
            recorder.station_disconnected()
            connected -= 1
        else:
            recorder.station_connected()
            connected += 1
            peak = max(peak, connected)

    snapshot = recorder.snapshot()
    assert (snapshot.connected, snapshot.connected_peak) == (connected, peak)


def test_disconnecting_with_nobody_connected_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="no station is connected"):
        RunRecorder().station_disconnected()


@pytest.mark.parametrize("energy", [-1.0, math.nan, math.inf])
def test_impossible_energy_is_refused(energy: float) -> None:
    with pytest.raises(ValueError, match="transaction energy"):
        RunRecorder().transaction_ended(energy)


def test_past_100_distinct_messages_a_kind_counts_the_rest_under_itself_never_under_other() -> None:
    recorder = RunRecorder()
    for n in range(150):
        recorder.error("protocol", f"bad frame #{n}", station_id=f"CS-{n}", at_s=float(n))
    recorder.error("protocol", "bad frame #0")  # an entry kept before the cap still counts itself
    recorder.error("protocol", "bad frame #120", at_s=200.0)  # a message past the cap, seen again
    recorder.error("refused", "ws://csms/ocpp: connection refused")  # another kind keeps its own entry

    errors = summarize(recorder)["errors"]

    assert len(errors) == 102
    assert {entry["kind"] for entry in errors} == {"protocol", "refused"}
    by_key = {(entry["kind"], entry["message"]): entry["count"] for entry in errors}
    assert by_key[("protocol", "bad frame #0")] == 2
    assert ("protocol", "bad frame #100") not in by_key
    assert by_key[("refused", "ws://csms/ocpp: connection refused")] == 1
    (overflow,) = [entry for entry in errors if "more_messages" in entry]
    assert overflow == {
        "kind": "protocol",
        "message": "(and 50 more distinct messages)",
        "count": 51,
        "first_s": 100.0,
        "last_s": 200.0,
        "stations": ["CS-100", "CS-101", "CS-102"],
        "more_messages": 50,
    }
    assert sum(entry["count"] for entry in errors) == 153
    assert recorder.snapshot().errors == 153


def test_merged_error_entries_keep_counts_times_and_a_few_stations() -> None:
    """Two workers saw the same error: one entry, counts added, the earliest first and the latest
    last time, at most three example stations; the overflow of a kind merges under that kind."""
    left, right = RunRecorder(), RunRecorder()
    for n in range(4):
        left.error("refused", "ws://csms/ocpp: connection refused", station_id=f"CS-{n}", at_s=5.0 + n)
        right.error("refused", "ws://csms/ocpp: connection refused", station_id=f"CS-{10 + n}", at_s=1.0 + n)
    for n in range(120):
        (left if n % 2 else right).error("protocol", f"frame #{n}", station_id=f"CS-{n}", at_s=float(n))

    left.merge(RunRecorder.from_dict(msgspec.json.decode(msgspec.json.encode(right.to_dict()))))

    errors = summarize(left)["errors"]
    refused = next(entry for entry in errors if entry["kind"] == "refused")
    assert (refused["count"], refused["first_s"], refused["last_s"]) == (8, 1.0, 8.0)
    assert refused["stations"] == ["CS-0", "CS-1", "CS-2"]
    protocol = [entry for entry in errors if entry["kind"] == "protocol"]
    assert sum(entry["count"] for entry in protocol) == 120 and len(protocol) == 101
    (overflow,) = [entry for entry in protocol if "more_messages" in entry]
    assert overflow["more_messages"] == 20 and overflow["message"] == "(and 20 more distinct messages)"


def test_merge_equals_recording_everything_into_one() -> None:
    """Shards: a random event stream of 20 stations, split by station over two recorders."""
    rng = random.Random(11)
    whole, left, right = RunRecorder(), RunRecorder(), RunRecorder()
    announced = ["Authorize", "TransactionEvent"]  # this shell calls call_sent for these
    unannounced = ["Heartbeat", "MeterValues"]
    codes = ["Timeout", "InternalError"]
    pending: Counter[tuple[int, str]] = Counter()
    for _ in range(2_000):
        station = rng.randrange(20)
        kind = rng.randrange(6)
        latency = rng.lognormvariate(math.log(0.02), 1.0)
        code = rng.choice(codes)
        energy = rng.uniform(0, 50_000)
        action = rng.choice(announced + unannounced)
        if kind in (1, 2) and action in announced:
            if not pending[station, action]:
                kind = 0
            else:
                pending[station, action] -= 1
        if kind == 0:
            action = rng.choice(announced)
            pending[station, action] += 1
        for target in (whole, left if station % 2 else right):
            if kind == 0:
                target.call_sent(action)
            elif kind == 1:
                target.call_succeeded(action, latency)
            elif kind == 2:
                target.call_failed(action, code, latency)
            elif kind == 3:
                target.request_answered(action, code if latency > 0.05 else None)
            elif kind == 4:
                target.error("protocol", code)
                target.message_dropped(action, code)
            else:
                target.transaction_started()
                target.energy_metered(energy + 1.0)
                target.transaction_ended(energy)

    left.merge(right)

    merged_summary, whole_summary = summarize(left), summarize(whole)
    # energy is a float sum, added in another order: compare it separately
    merged_tx = merged_summary.pop("transactions")
    whole_tx = whole_summary.pop("transactions")
    assert merged_tx == pytest.approx(whole_tx)
    for summary in (merged_summary, whole_summary):
        for stats in summary["actions"].values():
            for key in ("latency_ms", "error_latency_ms"):
                stats[key].pop("mean")
    assert merged_summary == whole_summary
    assert left.snapshot() == whole.snapshot()


def test_merged_peak_is_the_sum_of_peaks() -> None:
    shards = [RunRecorder(), RunRecorder()]
    for n, shard in enumerate(shards, start=2):
        for _ in range(n):
            shard.station_connected()
    shards[1].station_disconnected()

    shards[0].merge(shards[1])

    assert shards[0].snapshot().connected_peak == 2 + 3
    assert shards[0].snapshot().connected == 2 + 2


def test_merge_aggregates_error_codes() -> None:
    left, right = RunRecorder(), RunRecorder()
    left.call_failed("Authorize", "Timeout", 30.0)
    right.call_failed("Authorize", "Timeout", 30.0)
    right.call_failed("Authorize", "SecurityError", 0.1)

    left.merge(right)

    codes = summarize(left)["actions"]["Authorize"]["errors_by_code"]
    assert Counter(codes) == Counter({"Timeout": 2, "SecurityError": 1})


def test_to_dict_round_trips_through_json() -> None:
    recorder = scripted()
    for n in range(120):  # past the error cap, so the overflow entry travels too
        recorder.error("protocol", f"bad frame #{n}")

    shipped = msgspec.json.decode(msgspec.json.encode(recorder.to_dict()))
    restored = RunRecorder.from_dict(shipped)

    assert summarize(restored) == summarize(recorder)
    assert restored.snapshot() == recorder.snapshot()
    assert restored.to_dict() == recorder.to_dict()


def test_a_shipped_recorder_merges_like_the_original() -> None:
    parent, direct = scripted(), scripted()

    parent.merge(RunRecorder.from_dict(scripted().to_dict()))
    direct.merge(scripted())

    assert summarize(parent) == summarize(direct)


def test_from_dict_names_the_malformed_field() -> None:
    data = scripted().to_dict()
    data["actions"]["Heartbeat"]["ok"] = "four"

    with pytest.raises(ValueError, match=r"recorder data is malformed.*\$\.actions\[\.\.\.\]\.ok"):
        RunRecorder.from_dict(data)
