"""Drivers who start by app: the embedded CSMS answers their wish with RequestStartTransaction
(RemoteStartTransaction to a 1.6 station), as a real CSMS would after the app's request."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import trio

from fleet.behaviour import RemoteStartWanted
from fleet.connection import Recorder
from fleet.csms import CsmsServer, StationCallFailed
from fleet.ocpp import v16, v201


def remote_starts(
    server: CsmsServer | None,
    nursery: trio.Nursery,
    versions: Mapping[str, str],
    recorder_for_version: Callable[[str], Recorder],
) -> Callable[[str, Any], None]:
    """The stations' behaviour-event handler: each RemoteStartWanted becomes a call of ``server``
    (none without the embedded CSMS) in ``nursery``, in the station's OCPP version (``versions``:
    station id -> version). A failure is reported to what the station reports to:
    ``recorder_for_version(its version)``, "" for a station of no known version."""
    remote_start_ids = itertools.count(1)

    async def request_start(station_id: str, wish: RemoteStartWanted) -> None:
        assert server is not None
        request: v201.RequestStartTransactionRequest | v16.RemoteStartTransactionRequest
        if versions.get(station_id) == "1.6":
            action = "RemoteStartTransaction"
            request = v16.RemoteStartTransactionRequest(id_tag=wish.id_token[:20], connector_id=wish.evse_id)
        else:
            action = "RequestStartTransaction"
            request = v201.RequestStartTransactionRequest(
                id_token=v201.IdToken(id_token=wish.id_token, type="Central"),
                remote_start_id=next(remote_start_ids),
                evse_id=wish.evse_id,
            )
        try:
            await server.call(station_id, action, request)
        except StationCallFailed as exc:
            recorder = recorder_for_version(versions.get(station_id, ""))
            # the CSMS's words name the station; the error's message must not (errors are grouped by it)
            reason = str(exc).replace(f" to station {station_id!r}", "")
            recorder.error("remote_start", reason, station_id=station_id)

    def on_behaviour_event(station_id: str, wish: Any) -> None:
        if server is not None and isinstance(wish, RemoteStartWanted):
            nursery.start_soon(request_start, station_id, wish)

    return on_behaviour_event
