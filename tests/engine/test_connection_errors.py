"""Every way a connect can fail maps to a kind and one line a user can act on
(fleet.connection.classify_error, what the reactor reports a failed or broken connection with)."""

from __future__ import annotations

import socket
import ssl

from fleet.connection import (
    ConnectTimeout,
    HandshakeFailed,
    PeerClosed,
    SubprotocolRefused,
    UpgradeRejected,
    classify_error,
)

URL = "ws://127.0.0.1:9/ocpp/SIM-00000"


def test_refused() -> None:
    kind, message = classify_error(ConnectionRefusedError(111, "Connection refused"), URL)
    assert kind == "refused"
    assert URL in message and "connection refused" in message


def test_dns() -> None:
    kind, message = classify_error(socket.gaierror(-2, "Name or service not known"), URL)
    assert (kind, "Name or service not known" in message) == ("dns", True)


def test_tls() -> None:
    kind, message = classify_error(ssl.SSLError(1, "wrong version number"), URL)
    assert kind == "tls" and "TLS handshake failed" in message


def test_an_untrusted_server_certificate() -> None:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code, exc.verify_message = 18, "self-signed certificate"  # as OpenSSL sets them
    kind, message = classify_error(exc, URL)
    assert kind == "server_certificate"
    assert "self-signed certificate" in message and "--ca-file" in message


def test_an_expired_server_certificate_is_not_answered_with_give_its_ca() -> None:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code, exc.verify_message = 10, "certificate has expired"  # X509_V_ERR_CERT_HAS_EXPIRED
    kind, message = classify_error(exc, URL)
    assert kind == "server_certificate"
    assert "certificate has expired" in message and "renew it on the CSMS" in message
    assert "--ca-file" not in message  # the CA was trusted (perhaps the one given with --ca-file)


def test_a_refused_client_certificate_names_the_alert() -> None:
    exc = ssl.SSLError(1, "sslv3 alert certificate expired")
    exc.reason = "SSLV3_ALERT_CERTIFICATE_EXPIRED"
    kind, message = classify_error(exc, URL)
    assert kind == "client_certificate" and "certificate expired" in message


def test_http_status_of_refused_upgrade_is_named() -> None:
    kind, message = classify_error(UpgradeRejected(404, b"no such station"), URL)
    assert kind == "not_found"
    assert "HTTP 404" in message and "no such station" in message


def test_a_refused_password_is_its_own_kind() -> None:
    kind, message = classify_error(UpgradeRejected(401, b""), URL)
    assert kind == "auth_rejected" and "HTTP 401" in message and "--password" in message


def test_any_other_status() -> None:
    kind, message = classify_error(UpgradeRejected(503, b"busy\nretry later"), URL)
    assert kind == "http_status" and "HTTP 503: busy retry later" in message


def test_subprotocol() -> None:
    kind, message = classify_error(SubprotocolRefused("did not accept 'ocpp2.0.1'"), URL)
    assert kind == "subprotocol" and "ocpp2.0.1" in message


def test_timeout() -> None:
    kind, message = classify_error(ConnectTimeout(), URL)
    assert kind == "timeout" and "connect timeout" in message
    assert classify_error(TimeoutError(), URL)[0] == "timeout"


def test_a_broken_handshake() -> None:
    kind, message = classify_error(HandshakeFailed("no Upgrade: websocket header"), URL)
    assert kind == "connect_error" and "WebSocket handshake failed: no Upgrade" in message


def test_a_peer_that_closed() -> None:
    kind, message = classify_error(PeerClosed("code 1001, going away"), URL)
    assert kind == "closed" and "the CSMS closed the connection (code 1001, going away)" in message


def test_other_socket_errors_keep_their_reason() -> None:
    kind, message = classify_error(OSError(113, "No route to host"), URL)
    assert kind == "connect_error" and message == f"{URL}: No route to host"
