"""A station's events as a shell reports them: to the recorder, to the drain, and whether the
station wants its connection ended. One function, so every shell reports the same way."""

from __future__ import annotations

import enum

from fleet.connection._observer import DrainSink, Recorder
from fleet.station import (
    BootStatusChanged,
    CallFailed,
    CallSucceeded,
    EnergyMetered,
    Event,
    MessageDropped,
    RebootRequested,
    ReconnectRequested,
    RequestAnswered,
    TransactionEnded,
    TransactionStarted,
)


class Ended(enum.Enum):
    """Why a connection ended (decides when the next one starts)."""

    FAILED = "failed"  # could not connect, or the connection broke: back off
    REBOOT = "reboot"  # the station reset itself: back after the reboot delay
    OUTAGE = "outage"  # the behaviour simulates a connectivity outage: back when it ends
    RECONNECT = "reconnect"  # new connection settings (BasicAuthPassword): reconnect at once
    STOP = "stop"  # the run ends: no reconnect


def report_events(
    events: list[Event],
    recorder: Recorder,
    speed: float,
    drain: DrainSink | None,
    *,
    booted_once: bool,
) -> tuple[Ended | None, bool]:
    """Record ``events``; (how the station wants its connection ended, or None; whether it has
    booted by now). Latencies are real seconds: simulated ones divided by ``speed``."""
    ending: Ended | None = None
    for event in events:
        if isinstance(event, CallSucceeded):
            recorder.call_succeeded(event.action, max(0.0, event.completed_at - event.intended_at) / speed)
            if drain is not None:
                drain.answered()
        elif isinstance(event, CallFailed):
            latency = max(0.0, event.completed_at - event.intended_at) / speed
            recorder.call_failed(event.action, event.error_code, latency)
            if drain is not None:
                drain.answered(event.error_code)
        elif isinstance(event, RequestAnswered):
            recorder.request_answered(event.action, event.error_code)
        elif isinstance(event, EnergyMetered):
            recorder.energy_metered(event.wh)
        elif isinstance(event, TransactionStarted):
            recorder.transaction_started()
        elif isinstance(event, TransactionEnded):
            recorder.transaction_ended(event.energy_wh)
        elif isinstance(event, MessageDropped):
            recorder.message_dropped(event.action, event.reason)
        elif isinstance(event, BootStatusChanged):
            if event.status == "Accepted" and not booted_once:
                booted_once = True
                recorder.station_booted()
        elif isinstance(event, RebootRequested):
            ending = Ended.REBOOT
        elif isinstance(event, ReconnectRequested) and ending is None:
            ending = Ended.RECONNECT
    return ending, booted_once
