"""The embedded CSMS under security profiles: who gets refused, how, and that TLS alerts arrive."""

from __future__ import annotations

import base64
import ssl
from functools import partial
from pathlib import Path

import pytest
import trio
import trustme

from fleet.csms import CsmsConfig, CsmsSecurity, PasswordBook, serve_csms


def _basic(user: str, password: str) -> list[tuple[bytes, bytes]]:
    return [(b"Authorization", b"Basic " + base64.b64encode(f"{user}:{password}".encode()))]


@pytest.mark.parametrize("profile", [1, 2])
def test_basic_auth_is_checked_per_station(tmp_path: Path, profile: int) -> None:
    cert = tmp_path / "c.pem"
    trustme.CA().issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(cert))
    security = CsmsSecurity(
        profile, cert_file=str(cert), passwords=PasswordBook({"CS-1": "right"}, default="d")
    )
    assert security.refusal("CS-1", _basic("CS-1", "right"), None) is None
    assert security.refusal("CS-2", _basic("CS-2", "d"), None) is None  # the shared default
    for headers in ([], _basic("CS-1", "wrong"), _basic("CS-2", "right"), [(b"authorization", b"Bearer x")]):
        refusal = security.refusal("CS-1", headers, None)
        assert refusal is not None and refusal[0] == 401
    security.passwords.set("CS-1", "changed")  # SetVariables BasicAuthPassword on the CSMS side
    assert security.refusal("CS-1", _basic("CS-1", "right"), None) is not None
    assert security.refusal("CS-1", _basic("CS-1", "changed"), None) is None


def test_client_certificate_common_name_must_be_the_station_id(tmp_path: Path) -> None:
    security = CsmsSecurity(3, cert_file="unused.pem", client_ca_file="unused-ca.pem")
    assert security.refusal("CS-1", [], "CS-1") is None
    refusal = security.refusal("CS-1", [], "CS-2")
    assert refusal is not None and refusal[0] == 403 and "'CS-2'" in refusal[1]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"profile": 4}, "must be 0, 1, 2 or 3"),
        ({"profile": 2}, "--cert FILE"),
        ({"profile": 3, "cert_file": "c.pem"}, "--client-ca FILE"),
    ],
)
def test_incomplete_settings_say_what_is_missing(kwargs: dict[str, object], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        CsmsSecurity(**kwargs)  # type: ignore[arg-type]


def test_an_unloadable_certificate_names_the_file(tmp_path: Path) -> None:
    security = CsmsSecurity(2, cert_file=str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match=r"missing\.pem: cannot load"):
        security.server_context()


async def test_a_station_without_a_client_certificate_gets_a_tls_alert_at_once(tmp_path: Path) -> None:
    ca, client_ca = trustme.CA(), trustme.CA()
    server_pem = tmp_path / "csms.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    client_ca.cert_pem.write_to_path(str(tmp_path / "client-ca.pem"))
    security = CsmsSecurity(3, cert_file=str(server_pem), client_ca_file=str(tmp_path / "client-ca.pem"))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with trio.open_nursery() as nursery:
        server = await nursery.start(partial(serve_csms, security=security), CsmsConfig())
        assert server.url.startswith("wss://")
        with trio.fail_after(10):
            stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", server.port, ssl_context=context)
            await stream.do_handshake()  # TLS 1.3: the server judges the certificate after this
            with pytest.raises(trio.BrokenResourceError) as caught:
                await stream.send_all(b"GET /CS-1 HTTP/1.1\r\nHost: x\r\n\r\n")
                await stream.receive_some()
        nursery.cancel_scope.cancel()
    assert isinstance(caught.value.__cause__, ssl.SSLError)
    assert caught.value.__cause__.reason == "TLSV13_ALERT_CERTIFICATE_REQUIRED"
