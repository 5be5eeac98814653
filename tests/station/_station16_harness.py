"""The scripted fake CSMS of ``_station_harness`` speaking OCPP 1.6: default 1.6 answers, the 1.6
schemas, and transaction ids handed out like a Central System does."""

from __future__ import annotations

import itertools
import random
from typing import Any

import msgspec
from _station_harness import EPOCH, FakeCsms, SentCall, register, wall

from fleet.ocpp import v16
from fleet.station import Station16, StationConfig

_transaction_ids = itertools.count(1000)


def make_station16(evse_count: int = 1, seed: int = 7, **overrides: Any) -> Station16:
    config = StationConfig(
        station_id="CP16-TEST-1", evse_count=evse_count, wall_clock_epoch=EPOCH, **overrides
    )
    return Station16(config, random.Random(seed))


def default_response16(call: SentCall, now: float) -> msgspec.Struct:
    """What an accommodating 1.6 Central System answers."""
    accepted = v16.IdTagInfo(status="Accepted")
    if call.action == "BootNotification":
        return v16.BootNotificationResponse(current_time=wall(now), interval=300, status="Accepted")
    if call.action == "Heartbeat":
        return v16.HeartbeatResponse(current_time=wall(now))
    if call.action == "Authorize":
        return v16.AuthorizeResponse(id_tag_info=accepted)
    if call.action == "StartTransaction":
        return v16.StartTransactionResponse(id_tag_info=accepted, transaction_id=next(_transaction_ids))
    if call.action == "StopTransaction":
        return v16.StopTransactionResponse(id_tag_info=accepted)
    if call.action == "DataTransfer":
        return v16.DataTransferResponse(status="Accepted")
    return v16.ACTIONS[call.action][1]()


def csms16(station: Station16) -> FakeCsms:
    return FakeCsms(station, responder=default_response16, version="1.6")


def boot16(station: Station16, now: float = 0.0) -> FakeCsms:
    """Connect and register (Accepted), answering the boot-time messages."""
    return register(csms16(station), now)


def charge(
    station: Station16, csms: FakeCsms, now: float, *, connector: int = 1, id_tag: str = "TAG-1"
) -> int:
    """Plug in, badge, answer: the transaction runs; returns its transactionId."""
    station.plug_in(connector, now)
    station.set_ev_demand(connector, 11_000.0, None, now)
    station.present_id_token(connector, id_tag, "ISO14443", now)
    csms.answer_all(now)
    start = csms.sent_of("StartTransaction")[-1]
    state = station.evse_state(connector)
    assert state.transaction_id is not None and state.connector_status == "Charging", state
    return int(state.transaction_id) if start else -1
