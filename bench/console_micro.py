"""The live console's costs measured in one process, without sockets: what the live view adds
to each frame a CSMS session handles, and what one station-list page costs at 50,000 stations
(one sort or filter over them all). Part of ``python -m bench.console_cost``; alone:
``python -m bench.console_micro``."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from fleet.csms import CsmsConfig, CsmsSession, Ledger, LiveView

STATIONS = 1_000
ROUNDS = 100  # frames per station: STATIONS * ROUNDS TransactionEvents per measurement
PAGE_STATIONS = 50_000


def _frame(number: int, seq_no: int) -> str:
    sampled = [
        {
            "value": seq_no * 10.0,
            "measurand": "Energy.Active.Import.Register",
            "unitOfMeasure": {"unit": "Wh"},
        },
        {"value": 7400.0, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}},
    ]
    payload = {
        "eventType": "Updated",
        "timestamp": "2026-12-04T10:00:00Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": f"TX-{number}"},
        "meterValue": [{"timestamp": "2026-12-04T10:00:00Z", "sampledValue": sampled}],
        "evse": {"id": 1},
    }
    return json.dumps([2, str(seq_no), "TransactionEvent", payload])


def _us_per_frame(live: LiveView | None) -> float:
    ledger, rng = Ledger(), random.Random(1)
    sessions = [CsmsSession(f"SIM-{n:05d}", CsmsConfig(), ledger, rng) for n in range(STATIONS)]
    for number, session in enumerate(sessions):
        if live is not None:
            session.observer = live
            live.connected(session.station_id, "ocpp2.0.1")
        session.receive(_frame(number, 0), 0.0)
        session.data_to_send()
    frames = [[_frame(number, seq_no) for number in range(STATIONS)] for seq_no in range(1, ROUNDS + 1)]
    started = time.process_time()
    for round_frames in frames:
        for session, frame in zip(sessions, round_frames, strict=True):
            session.receive(frame, 0.0)
            session.data_to_send()
    return (time.process_time() - started) / (STATIONS * ROUNDS) * 1e6


def _ms(call: Any, repeat: int = 5) -> float:
    started = time.process_time()
    for _ in range(repeat):
        call()
    return (time.process_time() - started) / repeat * 1e3


def micro_costs() -> dict[str, float]:
    without, with_view = _us_per_frame(None), _us_per_frame(LiveView())
    live = LiveView()
    for n in range(PAGE_STATIONS):
        live.connected(f"SIM-{n:05d}", "ocpp2.0.1")
        live.stations[f"SIM-{n:05d}"].messages = n % 997
    return {
        "session_us_per_frame_without_console": round(without, 2),
        "session_us_per_frame_with_live_view": round(with_view, 2),
        "live_view_us_per_frame": round(with_view - without, 2),
        "station_list_page_ms_50k_sorted_by_messages": round(
            _ms(lambda: live.page(sort="messages", descending=True, limit=50)), 1
        ),
        "station_list_page_ms_50k_id_filter": round(_ms(lambda: live.page(contains="4242", limit=50)), 1),
    }


if __name__ == "__main__":
    print(json.dumps(micro_costs(), indent=1))
