"""What a station presents when it connects: OCPP security profiles 1-3 on the client side.

Profile 1: ws:// + HTTP Basic auth (user = station id); 2: wss:// + Basic auth, the CSMS's
certificate checked against the system trust store or ``--ca-file``, TLS 1.2 or higher;
3: wss:// + a client certificate per station (no password). Profile 0: none of it (the
embedded CSMS's default).

TLS contexts are cached per process: one per distinct (CA, certificate, key), because loading a
trust store or a key costs milliseconds and a fleet connects thousands of times. Shell-neutral:
the trio engine wraps its streams with these contexts, the Locust shell its gevent sockets (the
``ssl`` module is gevent's there, patched before the first context is made).
"""

from __future__ import annotations

import base64
import ssl
import sys
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol
from urllib.parse import urlsplit

from fleet.identity._identities import StationIdentity
from fleet.identity._option_names import RUN_OPTIONS, OptionNames

PROFILES = (0, 1, 2, 3)


def insecure_warning(names: OptionNames = RUN_OPTIONS) -> str:
    return (
        f"WARNING: {names('insecure')}: the CSMS's TLS certificate is NOT verified; anyone between the "
        "fleet and the CSMS can read and change the traffic. Use it only against a test CSMS."
    )


INSECURE_WARNING = insecure_warning()


class SecuritySetupError(ValueError):
    """The security options do not fit together; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class ClientSecurity:
    profile: int = 0
    ca_file: str | None = None  # trust these CAs instead of the system store (profiles 2, 3)
    insecure: bool = False  # do not verify the CSMS's certificate (test CSMSs only)
    names: OptionNames = field(default=RUN_OPTIONS, compare=False, repr=False)  # for the messages

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise SecuritySetupError(
                f"{self.names('security-profile')}: expected 0, 1, 2 or 3, got {self.profile!r}"
            )

    @property
    def uses_password(self) -> bool:
        return self.profile in (1, 2)

    def check(self, url: str, identity: StationIdentity) -> None:
        """Raise SecuritySetupError when ``url`` or the first station's credentials do not fit."""
        names = self.names
        scheme = urlsplit(url).scheme
        wanted = {1: "ws", 2: "wss", 3: "wss"}.get(self.profile)
        profile = f"{names('security-profile')} {self.profile}"
        if wanted is not None and scheme != wanted:
            raise SecuritySetupError(f"{profile} connects with {wanted}://, but the CSMS URL is {url!r}")
        if self.uses_password and identity.password is None:
            sources = (
                f"{names('password')}, {names('password-pattern')} or a password column in "
                f"{names('stations-file')}"
                if names.stations_file
                else f"{names('password')} or {names('password-pattern')}"
            )
            raise SecuritySetupError(f"{profile} needs a password per station: give {sources}")
        if self.profile == 3 and identity.client_cert is None:
            in_file = f" or client_cert in {names('stations-file')}" if names.stations_file else ""
            raise SecuritySetupError(
                f"{profile} needs a client certificate per station: give {names('client-cert-pattern')} "
                f"(and {names('client-key-pattern')} if the key is a separate file){in_file}"
            )

    def tls_context(self, identity: StationIdentity) -> ssl.SSLContext:
        cert = identity.client_cert if self.profile == 3 else None
        key = identity.client_key if self.profile == 3 else None
        return _client_context(self.ca_file, self.insecure, cert, key)

    def headers(self, station_id: str, password: str | None) -> list[tuple[bytes, bytes]] | None:
        if not self.uses_password or password is None:
            return None
        return [basic_auth_header(station_id, password)]


def basic_auth_header(station_id: str, password: str) -> tuple[bytes, bytes]:
    """``Authorization: Basic base64(station_id:password)`` (OCPP 2.0.1 A00, profiles 1 and 2)."""
    token = base64.b64encode(f"{station_id}:{password}".encode())
    return b"Authorization", b"Basic " + token


@cache
def _client_context(
    ca_file: str | None, insecure: bool, cert_file: str | None, key_file: str | None
) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP 2.0.1 A00: TLS 1.2 or higher
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file is not None:
        context.load_cert_chain(cert_file, key_file)
    return context


def warn_if_insecure(security: ClientSecurity) -> None:
    if security.insecure:
        print(insecure_warning(security.names), file=sys.stderr, flush=True)


class SecuritySettings(Protocol):
    """Where a station keeps its security settings: an OCPP 2.0.1 device model."""

    def get(self, component: str, variable: str) -> str | None: ...
    def set_actual(self, component: str, variable: str, value: str) -> None: ...


class StationCredentials:
    """One station's credentials as its runner uses them on every connect.

    The password lives in the station's device model (SecurityCtrlr.BasicAuthPassword), so a
    SetVariables from the CSMS changes what the next connect sends; stations without a device
    model (OCPP 1.6 cores: ``settings`` None) keep the configured one.
    """

    def __init__(
        self, security: ClientSecurity, identity: StationIdentity, settings: SecuritySettings | None
    ) -> None:
        self.security = security
        self.identity = identity
        self._model = settings
        if settings is not None:
            settings.set_actual("SecurityCtrlr", "SecurityProfile", str(security.profile))
            if identity.password is not None:
                settings.set_actual("SecurityCtrlr", "BasicAuthPassword", identity.password)

    @property
    def password(self) -> str | None:
        if self._model is not None:
            current = self._model.get("SecurityCtrlr", "BasicAuthPassword")
            if current:
                return current
        return self.identity.password

    def headers(self) -> list[tuple[bytes, bytes]] | None:
        return self.security.headers(self.identity.station_id, self.password)

    def tls_context(self, url: str) -> ssl.SSLContext | None:
        """The context for a wss:// ``url`` (None for ws://). Raises ssl.SSLError or OSError
        when the station's certificate or key cannot be loaded."""
        if urlsplit(url).scheme != "wss":
            return None
        return self.security.tls_context(self.identity)
