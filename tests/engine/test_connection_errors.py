"""Every way a connect can fail maps to a kind and one line a user can act on."""

from __future__ import annotations

import socket
import ssl

import trio_websocket

from fleet.engine import SubprotocolRefused, classify_connect_error

URL = "ws://127.0.0.1:9/ocpp/SIM-00000"


def test_refused() -> None:
    kind, message = classify_connect_error(ConnectionRefusedError(111, "Connection refused"), URL)
    assert kind == "refused"
    assert URL in message and "connection refused" in message


def test_dns() -> None:
    kind, message = classify_connect_error(socket.gaierror(-2, "Name or service not known"), URL)
    assert (kind, "Name or service not known" in message) == ("dns", True)


def test_tls() -> None:
    kind, _ = classify_connect_error(ssl.SSLError(1, "wrong version number"), URL)
    assert kind == "tls"


def test_http_status_of_refused_upgrade_is_named() -> None:
    exc = trio_websocket.ConnectionRejected(404, (), b"no such station")
    kind, message = classify_connect_error(exc, URL)
    assert kind == "not_found"
    assert "HTTP 404" in message and "no such station" in message


def test_subprotocol() -> None:
    kind, message = classify_connect_error(SubprotocolRefused("did not accept 'ocpp2.0.1'"), URL)
    assert kind == "subprotocol" and "ocpp2.0.1" in message


def test_timeout() -> None:
    kind, _ = classify_connect_error(trio_websocket.ConnectionTimeout(), URL)
    assert kind == "timeout"
