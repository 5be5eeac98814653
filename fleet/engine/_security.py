"""OCPP security profiles 1-3 on the client side (fleet.identity, shared with the Locust shell);
the engine adds which connect failures the station core reports as security events."""

from __future__ import annotations

from fleet.engine._connection_errors import SERVER_CERTIFICATE
from fleet.identity import (
    INSECURE_WARNING,
    PROFILES,
    ClientSecurity,
    SecuritySetupError,
    StationCredentials,
    basic_auth_header,
    warn_if_insecure,
)

__all__ = [
    "INSECURE_WARNING",
    "PROFILES",
    "SECURITY_EVENTS",
    "ClientSecurity",
    "SecuritySetupError",
    "StationCredentials",
    "basic_auth_header",
    "warn_if_insecure",
]

# connection failures the station core reports as an OCPP security event (2.0.1 appendix 1:
# the critical ones, which the station must push to the CSMS once it is connected again)
SECURITY_EVENTS = {SERVER_CERTIFICATE: "InvalidCsmsCertificate"}
