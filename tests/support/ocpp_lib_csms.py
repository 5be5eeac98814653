"""A strict third-party OCPP 2.0.1 and 1.6 CSMS built with the mobilityhouse `ocpp` library.

A fake is only trusted when the same tests also pass against a real peer: this is that peer. It
validates every received CALL against the official schemas (the library does so by default) and,
unlike the library, records every violation instead of only logging it.

Run: ``python tests/support/ocpp_lib_csms.py --port 9000 --path-prefix /ocpp --summary out.json``;
stations connect to ``ws://127.0.0.1:9000/ocpp/<station-id>`` with subprotocol ``ocpp2.0.1`` or
``ocpp1.6``; the negotiated subprotocol picks the library's ChargePoint of that version.
On SIGTERM/SIGINT, or after ``--max-seconds``, it writes the summary
``{"messages": {action: n}, "violations": [...], "stations": n, ...}`` and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from ocpp.charge_point import ChargePoint as BaseChargePoint
from ocpp.exceptions import OCPPError
from ocpp.messages import MessageType, unpack
from ocpp.routing import on as _untyped_on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import ChargePoint, call_result
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

SUBPROTOCOL = "ocpp2.0.1"
SUBPROTOCOL16 = "ocpp1.6"
SUBPROTOCOLS = (SUBPROTOCOL, SUBPROTOCOL16)
BOOT_INTERVAL = 60

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def _on(action: str) -> Callable[[_Handler], _Handler]:
    # the library is untyped; this keeps mypy --strict's "untyped decorator" check meaningful
    decorator: Callable[[_Handler], _Handler] = _untyped_on(action)
    return decorator


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _accepted_if_id_token(payload: dict[str, Any]) -> dict[str, Any]:
    return {"id_token_info": {"status": "Accepted"}} if "id_token" in payload else {}


# action -> response fields (snake_case, as the library wants them) for the received payload.
# Every request a charging station may send in OCPP 2.0.1.
RESPONSES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "Authorize": lambda _: {"id_token_info": {"status": "Accepted"}},
    "BootNotification": lambda _: {"current_time": _now(), "interval": BOOT_INTERVAL, "status": "Accepted"},
    "ClearedChargingLimit": lambda _: {},
    "DataTransfer": lambda _: {"status": "Accepted"},
    "FirmwareStatusNotification": lambda _: {},
    "Get15118EVCertificate": lambda _: {"status": "Failed", "exi_response": ""},
    "GetCertificateStatus": lambda _: {"status": "Failed"},
    "Heartbeat": lambda _: {"current_time": _now()},
    "LogStatusNotification": lambda _: {},
    "MeterValues": lambda _: {},
    "NotifyChargingLimit": lambda _: {},
    "NotifyCustomerInformation": lambda _: {},
    "NotifyDisplayMessages": lambda _: {},
    "NotifyEVChargingNeeds": lambda _: {"status": "Accepted"},
    "NotifyEVChargingSchedule": lambda _: {"status": "Accepted"},
    "NotifyEvent": lambda _: {},
    "NotifyMonitoringReport": lambda _: {},
    "NotifyReport": lambda _: {},
    "PublishFirmwareStatusNotification": lambda _: {},
    "ReportChargingProfiles": lambda _: {},
    "ReservationStatusUpdate": lambda _: {},
    "SecurityEventNotification": lambda _: {},
    "SignCertificate": lambda _: {"status": "Accepted"},
    "StatusNotification": lambda _: {},
    "TransactionEvent": _accepted_if_id_token,
}


def _id_tag_info(_: dict[str, Any]) -> dict[str, Any]:
    return {"id_tag_info": {"status": "Accepted"}}


_transaction_ids = iter(range(1, 2**31))  # one counter for the process: ids unique across stations

# Every request a 1.6 charge point may send (core profile and the security extension).
RESPONSES16: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "Authorize": _id_tag_info,
    "BootNotification": lambda _: {"current_time": _now(), "interval": BOOT_INTERVAL, "status": "Accepted"},
    "DataTransfer": lambda _: {"status": "Accepted"},
    "DiagnosticsStatusNotification": lambda _: {},
    "FirmwareStatusNotification": lambda _: {},
    "Heartbeat": lambda _: {"current_time": _now()},
    "LogStatusNotification": lambda _: {},
    "MeterValues": lambda _: {},
    "SecurityEventNotification": lambda _: {},
    "SignCertificate": lambda _: {"status": "Accepted"},
    "SignedFirmwareStatusNotification": lambda _: {},
    "StartTransaction": lambda payload: {**_id_tag_info(payload), "transaction_id": next(_transaction_ids)},
    "StatusNotification": lambda _: {},
    "StopTransaction": lambda payload: _id_tag_info(payload) if "id_tag" in payload else {},
}


class Recorder:
    """What all connections saw: CALLs per action, stations, and every protocol violation."""

    def __init__(self) -> None:
        self.messages: Counter[str] = Counter()
        self.stations: set[str] = set()
        self.connections = 0
        self.violations: list[dict[str, Any]] = []

    def violation(
        self,
        station: str,
        error_code: str,
        detail: str,
        *,
        action: str | None = None,
        unique_id: str | None = None,
    ) -> None:
        self.violations.append(
            {
                "station": station,
                "action": action,
                "unique_id": unique_id,
                "error_code": error_code,
                "detail": detail,
            }
        )

    def summary(self, stopped_by: str) -> dict[str, Any]:
        return {
            "messages": dict(sorted(self.messages.items())),
            "violations": self.violations,
            "stations": len(self.stations),
            "connections": self.connections,
            "stopped_by": stopped_by,
        }


class _Strict(BaseChargePoint):  # type: ignore[misc]  # the `ocpp` library is untyped
    """One station's connection, recording what the library only logs.

    Mixed in before a version's ChargePoint (both derive from the library's base class), so
    ``super()`` reaches that version's implementation.
    """

    def __init__(self, station_id: str, connection: ServerConnection, recorder: Recorder) -> None:
        super().__init__(station_id, connection)
        self.recorder = recorder
        self._actions: dict[str, str] = {}  # unique id of a received CALL -> its action

    async def route_message(self, raw_msg: str | bytes) -> None:
        # the library logs and drops frames it cannot unpack; a strict peer counts them
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            self.recorder.violation(self.id, error.code, f"unparseable frame {str(raw_msg)[:200]!r}: {error}")
            return
        if msg.message_type_id != MessageType.Call:
            # this CSMS never sends CALLs, so no CALLRESULT or CALLERROR can answer one
            detail = f"answer to a CALL never sent: {str(raw_msg)[:200]!r}"
            self.recorder.violation(self.id, "ProtocolError", detail, unique_id=msg.unique_id)
            return
        self.recorder.messages[msg.action] += 1
        self._actions[msg.unique_id] = msg.action
        try:
            await super().route_message(raw_msg)
        finally:
            self._actions.pop(msg.unique_id, None)

    async def _send(self, message: str) -> None:
        # every CALLERROR this strict peer answers (schema violation, unknown action, handler
        # failure) is the record of a violation; hooking the send sees them all in one place
        frame = json.loads(message)
        if frame[0] == MessageType.CallError:
            _, unique_id, code, description, details = frame
            cause = details.get("cause") if isinstance(details, dict) else None
            # the library appends the whole schema to the cause; its first paragraph says it all
            cause = str(cause).split("\n\n", 1)[0] if cause else None
            self.recorder.violation(
                self.id,
                code,
                str(cause or description),
                action=self._actions.get(unique_id),
                unique_id=unique_id,
            )
        await super()._send(message)


class StrictCsms(_Strict, ChargePoint):  # type: ignore[misc]  # the `ocpp` library is untyped
    """An OCPP 2.0.1 connection. Handlers are installed from RESPONSES below."""


class StrictCsms16(_Strict, ChargePoint16):  # type: ignore[misc]  # the `ocpp` library is untyped
    """An OCPP 1.6 connection. Handlers are installed from RESPONSES16 below."""


def _install_handler(
    cls: type[_Strict], results: Any, action: str, respond: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    def handler(self: _Strict, **payload: Any) -> Any:
        return getattr(results, action)(**respond(payload))

    # the library finds routes by attribute name, so each handler needs its own
    handler.__name__ = f"on_{action}"
    setattr(cls, handler.__name__, _on(action)(handler))


for _cls, _results, _responses in (
    (StrictCsms, call_result, RESPONSES),
    (StrictCsms16, call_result16, RESPONSES16),
):
    for _action, _respond in _responses.items():
        _install_handler(_cls, _results, _action, _respond)


def station_id_from_path(path: str, prefix: str) -> str | None:
    """``/ocpp/CS-1`` -> ``CS-1``; None when the path is not ``<prefix>/<one segment>``."""
    route = urlsplit(path).path
    head = prefix.rstrip("/") + "/"
    if not route.startswith(head):
        return None
    station = unquote(route[len(head) :])
    return station if station and "/" not in station else None


def _offered_subprotocols(request: Request) -> list[str]:
    headers = request.headers.get_all("Sec-WebSocket-Protocol")
    return [p.strip() for header in headers for p in header.split(",")]


def _write_atomically(path: Path, text: str) -> None:
    # readers poll for the file: they must never see it half written
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


async def serve_until_stopped(args: argparse.Namespace) -> dict[str, Any]:
    recorder = Recorder()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def check_handshake(connection: ServerConnection, request: Request) -> Response | None:
        station = station_id_from_path(request.path, args.path_prefix)
        if station is None:
            recorder.violation(request.path, "Handshake", f"path must be {args.path_prefix}/<station-id>")
            return connection.respond(HTTPStatus.NOT_FOUND, f"use {args.path_prefix}/<station-id>\n")
        offered = _offered_subprotocols(request)
        if not set(SUBPROTOCOLS) & set(offered):
            wanted = " or ".join(SUBPROTOCOLS)
            recorder.violation(station, "Handshake", f"subprotocol {wanted} not offered (got {offered})")
            return connection.respond(HTTPStatus.BAD_REQUEST, f"subprotocol {wanted} required\n")
        return None

    async def handle(connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        station = station_id_from_path(path, args.path_prefix)
        assert station is not None  # check_handshake refused every other path
        recorder.stations.add(station)
        recorder.connections += 1
        with contextlib.suppress(ConnectionClosed):  # the station hanging up ends its session
            session = StrictCsms16 if connection.subprotocol == SUBPROTOCOL16 else StrictCsms
            await session(station, connection, recorder).start()

    async with serve(
        handle,
        "127.0.0.1",
        args.port,
        subprotocols=list(SUBPROTOCOLS),  # type: ignore[arg-type]  # websockets types it as a NewType
        process_request=check_handshake,
        ping_interval=None,  # the stations' own heartbeats are the liveness check under test
        close_timeout=2,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        if args.ready_file:
            _write_atomically(Path(args.ready_file), f"{port}\n")
        print(f"READY {port}", flush=True)
        try:
            await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
            stopped_by = "signal"
        except TimeoutError:
            stopped_by = "max-seconds"
    return recorder.summary(stopped_by)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--path-prefix", default="/ocpp", help="URL path before /<station-id>")
    parser.add_argument("--ready-file", help="written with the port once listening")
    parser.add_argument("--summary", help="where to write the JSON summary on exit (default: stdout)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop by itself after this long")
    args = parser.parse_args(argv)
    if args.max_seconds <= 0:
        parser.error(f"--max-seconds must be positive, got {args.max_seconds}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    summary = asyncio.run(serve_until_stopped(args))
    text = json.dumps(summary, indent=2, sort_keys=True)
    if args.summary:
        _write_atomically(Path(args.summary), text + "\n")
    else:
        print(text, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
