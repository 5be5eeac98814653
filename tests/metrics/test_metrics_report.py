"""format_summary and format_progress: the text a user reads."""

from __future__ import annotations

import math
import random
from typing import Any

import msgspec

from fleet.metrics import RunRecorder, Snapshot, format_progress, format_summary, stations_never_booted

ACTIONS = ["Authorize", "BootNotification", "Heartbeat", "StatusNotification", "TransactionEvent"]


def recorded_run(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    recorder = RunRecorder()
    for _ in range(rng.randrange(5, 30)):
        recorder.station_connected()
        recorder.station_booted()
    for _ in range(3_000):
        action = rng.choice(ACTIONS)
        latency = rng.lognormvariate(math.log(0.03), 0.8)
        if rng.random() < 0.05:
            recorder.call_failed(action, rng.choice(["Timeout", "InternalError"]), latency)
        else:
            recorder.call_succeeded(action, latency)
    for _ in range(12):
        recorder.request_answered("GetVariables", None)
    recorder.request_answered("Reset", "NotSupported")
    for _ in range(7):
        recorder.transaction_started()
        recorder.transaction_ended(rng.uniform(1_000, 40_000))
    for n in range(15):
        for _ in range(n + 1):
            recorder.error("websocket", f"handshake refused (HTTP {400 + n})")
    return recorder.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=30)


def test_each_action_has_a_row_with_its_numbers() -> None:
    summary = recorded_run(1)

    lines = format_summary(summary).splitlines()

    for name, stats in summary["actions"].items():
        rows = [line.split() for line in lines if line.split()[:1] == [name]]
        latency = stats["latency_ms"]
        assert rows == [
            [
                name,
                str(stats["sent"]),
                str(stats["ok"]),
                str(stats["errors"]),
                *(f"{latency[key]:.2f}" for key in ("p50", "p90", "p99", "max")),
            ]
        ]


def test_rows_are_sorted_by_action_and_right_aligned() -> None:
    summary = recorded_run(2)

    lines = format_summary(summary).splitlines()
    table = lines[: len(summary["actions"]) + 1]

    assert table[0].split()[0] == "action"
    assert [line.split()[0] for line in table[1:]] == sorted(summary["actions"])
    assert len({len(line) for line in table}) == 1  # every row as wide as the header
    # right-aligned: each number column ends where its header ends
    header = table[0]
    for title in ("sent", "ok", "errors", "p50 ms", "max ms"):
        end = header.index(title) + len(title)
        for line in table[1:]:
            assert line[end - 1] != " "
            assert end == len(line) or line[end] == " "


def test_stations_transactions_requests_and_errors_are_reported() -> None:
    summary = recorded_run(3)

    text = format_summary(summary)

    stations = summary["stations"]
    assert (
        f"stations: {stations['configured']} configured, {stations['connected_peak']} peak connected, "
        f"{stations['booted']} booted" in text
    )
    tx = summary["transactions"]
    assert f"transactions: {tx['started']} started, {tx['ended']} ended, {tx['energy_kwh']:.3f} kWh" in text
    assert "GetVariables 12" in text
    assert "Reset 1 (1 with error)" in text
    biggest = summary["errors"][0]
    assert f"{biggest['count']:>8}  {biggest['kind']}: {biggest['message']}" in text
    smallest = summary["errors"][-1]
    assert smallest["message"] not in text  # only the top ten of fifteen are listed


def test_the_same_text_from_the_json_file_contents() -> None:
    summary = recorded_run(4)

    reread = msgspec.json.decode(msgspec.json.encode(summary))

    assert format_summary(reread) == format_summary(summary)


def test_an_empty_run_still_formats() -> None:
    summary = RunRecorder().summary(ocpp_version="2.0.1", duration_s=0.0, stations_configured=0)

    text = format_summary(summary)

    assert "no calls were sent" in text
    assert "errors: none" in text


def test_unanswered_calls_are_mentioned() -> None:
    recorder = RunRecorder()
    recorder.call_sent("Heartbeat")
    recorder.call_sent("Heartbeat")
    recorder.call_succeeded("Heartbeat", 0.01)

    text = format_summary(recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1))

    assert "1 calls still unanswered" in text


def test_progress_line() -> None:
    snapshot = Snapshot(
        connected=180,
        connected_peak=200,
        booted=200,
        messages_sent=99_999,
        errors=3,
        transactions_active=40,
        reconnects=20,
    )

    line = format_progress(snapshot, 1234.4, 12.0, 60.0, stations_configured=200)

    assert line == "[  12.0s/60s] stations 180/200 connected (peak 200), 1234 msg/s, 3 errors, 40 tx active"


def test_progress_line_of_an_open_ended_run_from_a_recorder() -> None:
    recorder = RunRecorder()
    recorder.station_connected()
    recorder.error("websocket", "closed")

    line = format_progress(recorder.snapshot(), 0.0, 3.0, None)

    assert line == "[   3.0s] stations 1 connected (peak 1), 0 msg/s, 1 errors, 0 tx active"


def test_the_end_of_run_drain_is_reported_and_unsent_calls_are_not_hidden() -> None:
    drained = {"stations_drained": 3, "messages_flushed": 7, "left_unsent": 0, "seconds": 1.23}
    text = format_summary({"drain": drained})
    assert "end of run: 7 queued messages flushed by 3 stations in 1.2 s" in text
    assert "left unsent" not in text
    text = format_summary({"drain": {**drained, "left_unsent": 2}})
    assert "2 CALLs left unsent or unanswered" in text


def _never_booted_run() -> dict[str, Any]:
    """What a CSMS that accepts the WebSocket and never answers leaves: 20 stations started, every
    BootNotification timed out, 113 CALLs still queued at the end, no error event at all."""
    recorder = RunRecorder()
    for _ in range(20):
        recorder.station_connected()
        recorder.call_sent("BootNotification")
        recorder.call_failed("BootNotification", "Timeout", 30.0)
    recorder.generator_cost(0.4, 40.0, 20, 0, includes_csms=False)
    drain = {"stations_drained": 0, "messages_flushed": 0, "left_unsent": 113, "seconds": 10.1}
    return recorder.summary(
        ocpp_version="2.0.1", duration_s=40.0, stations_configured=20, extra={"drain": drain}
    )


def test_the_errors_line_names_failed_calls_calls_never_sent_and_stations_never_booted() -> None:
    text = format_summary(_never_booted_run())

    assert "errors: none" not in text
    (line,) = [line for line in text.splitlines() if line.startswith("errors:")]
    assert line == (
        "errors: 20 CALLs failed (Timeout 20); 113 CALLs never sent or never answered; "
        "20 of 20 stations never booted"
    )


def test_a_station_the_ramp_never_reached_is_not_counted_as_never_booted() -> None:
    recorder = RunRecorder()
    for _ in range(3):
        recorder.station_connected()
        recorder.station_booted()
    recorder.generator_cost(0.1, 1.0, 3, 0, includes_csms=False)  # 3 of the 10 configured started
    summary = recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=10)

    assert stations_never_booted(summary) == 0
    assert "errors: none" in format_summary(summary)


def test_error_entries_say_when_and_which_stations() -> None:
    recorder = RunRecorder()
    recorder.generator_cost(0.1, 60.0, 0, 0, includes_csms=False)
    for n in range(942):
        recorder.error(
            "refused", "ws://csms/ocpp: connection refused", station_id=f"SIM-{n:05}", at_s=2.0 + n / 100
        )
    recorder.error(
        "connection_lost",
        "connection lost (the CSMS closed the connection)",
        station_id="SIM-00007",
        at_s=1.5,
    )

    text = format_summary(recorder.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=0))

    assert "errors: 943 errors of 2 kinds" in text
    refused = "       942  refused: ws://csms/ocpp: connection refused"
    assert f"{refused} (2.0-11.4 s; e.g. SIM-00000, SIM-00001, SIM-00002)" in text
    assert (
        "         1  connection_lost: connection lost (the CSMS closed the connection) (at 1.5 s; SIM-00007)"
        in text
    )
