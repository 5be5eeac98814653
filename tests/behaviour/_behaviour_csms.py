"""An accommodating in-test CSMS for behaviour tests: answers every CALL a station sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.behaviour import SimulatedStation
from fleet.ocpp import encode_call_result, v201

MAX_TIMER_CALLS = 100_000


EPOCH = 1_767_225_600.0  # the CSMS's clock: EPOCH + now


def accommodating_response(action: str, payload: dict[str, Any], now: float) -> msgspec.Struct:
    """What a CSMS that accepts everything answers to a station's CALL."""
    stamp = datetime.fromtimestamp(EPOCH + now, tz=UTC)
    if action == "BootNotification":
        return v201.BootNotificationResponse(current_time=stamp, interval=300, status="Accepted")
    if action == "Heartbeat":
        return v201.HeartbeatResponse(current_time=stamp)
    if action == "Authorize":
        return v201.AuthorizeResponse(id_token_info=v201.IdTokenInfo(status="Accepted"))
    if action == "TransactionEvent" and "idToken" in payload:
        return v201.TransactionEventResponse(id_token_info=v201.IdTokenInfo(status="Accepted"))
    return v201.ACTIONS[action][1]()


def run(sim: SimulatedStation, until: float, *, offline: tuple[float, float] | None = None) -> list[str]:
    """Drive ``sim`` with its timers until ``until``, answering every CALL at once; optionally with
    the line down from offline[0] to offline[1]. Returns every frame the station sent, in order."""
    sent: list[str] = []

    def exchange(now: float) -> None:
        for _ in range(1_000):
            frames = sim.data_to_send()
            if not frames:
                return
            for text in frames:
                sent.append(text)
                frame = json.loads(text)
                if frame[0] == 2 and sim.is_connected:
                    sim.receive(
                        encode_call_result(frame[1], accommodating_response(frame[2], frame[3], now)), now
                    )
        raise AssertionError("the station and the CSMS kept talking: more than 1000 rounds")

    changes = [(offline[0], False), (offline[1], True)] if offline is not None else []
    sim.connected(0.0)
    exchange(0.0)
    for _ in range(MAX_TIMER_CALLS):
        deadline = sim.next_deadline()
        if changes and changes[0][0] <= until and (deadline is None or changes[0][0] <= deadline):
            at, up = changes.pop(0)
            if up:
                sim.connected(at)
                exchange(at)
            else:
                sim.disconnected(at)
            continue
        if deadline is None or deadline > until:
            return sent
        sim.handle_timer(deadline)
        exchange(deadline)
    raise AssertionError(f"more than {MAX_TIMER_CALLS} timer rounds before {until}")
