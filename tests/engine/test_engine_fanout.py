"""RecorderFanout hands every report to each recorder, so Prometheus and the totals agree."""

from fleet.engine._fanout import RecorderFanout
from fleet.metrics import RunRecorder


def test_every_recorder_sees_every_report() -> None:
    first, second = RunRecorder(), RunRecorder()
    fanout = RecorderFanout([first, second])
    fanout.station_connected()
    fanout.station_booted()
    fanout.call_succeeded("Heartbeat", 0.004)
    fanout.call_failed("Authorize", "InternalError", 0.2)
    fanout.request_answered("Reset", None)
    fanout.transaction_started()
    fanout.transaction_ended(1500.0)
    fanout.message_dropped("TransactionEvent", "queue full")
    fanout.error("connect_refused", "SIM-00001: refused")
    fanout.reconnect()
    fanout.station_disconnected()
    summaries = [
        r.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1) for r in (first, second)
    ]
    assert summaries[0] == summaries[1]
    assert summaries[0]["actions"]["Heartbeat"]["ok"] == 1
    assert summaries[0]["actions"]["Authorize"]["errors_by_code"] == {"InternalError": 1}
    assert summaries[0]["transactions"]["ended"] == 1
    assert summaries[0]["stations"]["reconnects"] == 1
