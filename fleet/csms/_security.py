"""OCPP security profiles on the embedded CSMS: who may connect, and over what.

Profile 1: ws:// + HTTP Basic auth; 2: wss:// + Basic auth; 3: wss:// + a client certificate
whose common name is the station id. A wrong or missing password is refused with HTTP 401 on
the upgrade, a bad client certificate with a TLS alert, as production CSMSs do.

TLS is done by ``TlsListener`` before trio-websocket sees the connection (trio-websocket would
handshake lazily inside its reader task, swallow a failure and hold the socket for its connect
timeout, so the station would see a timeout instead of the reason).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ssl
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import trio

from fleet.csms._admission import Admission, AdmissionListener, peer_of
from fleet.csms._log_limiter import LogLimiter

_PEERS_KEPT = 100_000  # certificates of handshaken connections whose upgrade has not come yet


class PasswordBook:
    """Basic auth passwords: one per station id, else one shared by all. Mutable, so a CSMS that
    sets a station's BasicAuthPassword (SetVariables) accepts the new one from then on."""

    def __init__(self, passwords: Mapping[str, str] | None = None, default: str | None = None) -> None:
        self._passwords = dict(passwords or {})
        self._default = default

    def set(self, station_id: str, password: str) -> None:
        self._passwords[station_id] = password

    def accepts(self, station_id: str, password: str) -> bool:
        expected = self._passwords.get(station_id, self._default)
        # constant time: the comparison must not tell an attacker how much of a guess was right
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())


@dataclass(frozen=True, slots=True)
class CsmsSecurity:
    """How the embedded CSMS authenticates stations (``fleet csms --security-profile N``)."""

    profile: int = 0  # 0: no security (ws://, anyone)
    cert_file: str | None = None  # the CSMS's certificate chain (PEM), profiles 2 and 3
    key_file: str | None = None
    client_ca_file: str | None = None  # CA that signs the station certificates, profile 3
    passwords: PasswordBook = field(default_factory=PasswordBook)  # profiles 1 and 2

    def __post_init__(self) -> None:
        problems = []
        if self.profile not in (0, 1, 2, 3):
            problems.append(f"security profile must be 0, 1, 2 or 3, got {self.profile!r}")
        if self.profile >= 2 and not self.cert_file:
            problems.append(
                f"profile {self.profile} serves wss://: give the CSMS certificate with --cert FILE"
            )
        if self.profile == 3 and not self.client_ca_file:
            problems.append("profile 3 checks station certificates: give their CA with --client-ca FILE")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def uses_tls(self) -> bool:
        return self.profile >= 2

    def server_context(self) -> ssl.SSLContext | None:
        """The TLS context to serve with (None for profiles 0 and 1). Raises ValueError naming the
        file that could not be loaded."""
        if not self.uses_tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP 2.0.1 A00: TLS 1.2 or higher
        _load(context.load_cert_chain, "--cert/--key", self.cert_file, self.key_file)
        if self.profile == 3:
            context.verify_mode = ssl.CERT_REQUIRED
            _load(context.load_verify_locations, "--client-ca", self.client_ca_file)
        return context

    def refusal(
        self, station_id: str, headers: list[tuple[bytes, bytes]], peer_common_name: str | None
    ) -> tuple[int, str] | None:
        """(HTTP status, body) to refuse this upgrade with, or None to accept it."""
        if self.profile in (1, 2):
            credentials = _basic_credentials(headers)
            if credentials is None:
                return 401, "HTTP Basic authentication required (security profile 1/2)\n"
            user, password = credentials
            if user != station_id or not self.passwords.accepts(station_id, password):
                return 401, f"wrong user name or password for station {station_id!r}\n"
        if self.profile == 3 and peer_common_name != station_id:
            return 403, (
                f"the client certificate's common name {peer_common_name!r} is not the station id "
                f"{station_id!r}\n"
            )
        return None


def _load(method: object, option: str, *files: str | None) -> None:
    try:
        method(*files)  # type: ignore[operator]
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{option} {' '.join(f for f in files if f)}: cannot load ({exc})") from None


def _basic_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, token = value.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            user, colon, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if colon else None
    return None


def common_name(certificate: Mapping[str, object] | None) -> str | None:
    """The subject CN of a certificate as ``SSLSocket.getpeercert()`` returns it."""
    if not certificate:
        return None
    for rdn in certificate.get("subject", ()):  # type: ignore[attr-defined]
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class TlsListener(trio.abc.Listener[trio.SSLStream[trio.SocketStream]]):
    """Accepts TCP connections, completes each TLS handshake in its own task and hands out only
    the streams that made it. A failed handshake gets its TLS alert and is closed at once (and is
    logged); one not done within the admission's timeout is cut off. Run ``run`` in a nursery
    before accepting."""

    def __init__(
        self, transport: AdmissionListener, context: ssl.SSLContext, admission: Admission, log: LogLimiter
    ) -> None:
        self.transport = transport
        self._context = context
        self._admission = admission
        self._log = log
        self._ready_send, self._ready = trio.open_memory_channel[trio.SSLStream[trio.SocketStream]](0)
        # (peer address, port) -> subject CN of its certificate, until the upgrade asks for it
        self._peers: OrderedDict[tuple[str, int], str | None] = OrderedDict()

    @property
    def port(self) -> int:
        port: int = self.transport.socket.getsockname()[1]
        return port

    def peer_common_name(self, address: str, port: int) -> str | None:
        return self._peers.pop((address, port), None)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            task_status.started()
            while True:
                tcp = await self.transport.accept()
                nursery.start_soon(self._handshake, tcp)

    async def _handshake(self, tcp: trio.SocketStream) -> None:
        stream = trio.SSLStream(tcp, self._context, server_side=True, https_compatible=True)
        peer = peer_of(tcp.socket)
        try:
            with trio.fail_after(self._admission.timeout_s):
                await stream.do_handshake()
        except (trio.BrokenResourceError, trio.TooSlowError) as exc:
            self._log_failure(peer, exc)
            await _send_alert_and_close(stream)
            return
        if peer is None:  # the client left right after its handshake
            await trio.aclose_forcefully(stream)
            return
        self._admission.restart(peer, trio.current_time())
        self._peers[peer] = common_name(stream.getpeercert())
        while len(self._peers) > _PEERS_KEPT:
            self._peers.popitem(last=False)
        await self._ready_send.send(stream)

    def _log_failure(self, peer: tuple[str, int] | None, exc: Exception) -> None:
        now = trio.current_time()
        if peer is not None:
            self._admission.upgraded(peer)  # closed now: no longer waiting to upgrade
        if isinstance(exc, trio.TooSlowError):
            why = f"no TLS handshake within {self._admission.timeout_s:g} s (--handshake-timeout)"
        else:
            why = str(exc.__cause__ or exc) or type(exc).__name__
        source = peer[0] if peer is not None else "a client that left"
        self._log.warn("TLS failures", f"TLS handshake with {source} failed: {why}", now)

    async def accept(self) -> trio.SSLStream[trio.SocketStream]:
        return await self._ready.receive()

    async def aclose(self) -> None:
        await self.transport.aclose()


async def _send_alert_and_close(stream: trio.SSLStream[trio.SocketStream]) -> None:
    # trio marks the stream broken without sending the alert OpenSSL wrote (e.g. "certificate
    # expired"); send it, so the station can tell a refused certificate from a network fault
    outgoing = getattr(stream, "_outgoing", None)
    alert = outgoing.read() if isinstance(outgoing, ssl.MemoryBIO) else b""
    with trio.move_on_after(1.0):
        try:
            if alert:
                await stream.transport_stream.send_all(alert)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    await trio.aclose_forcefully(stream.transport_stream)
