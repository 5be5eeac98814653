"""A station's credentials, tied to where its core keeps its security settings."""

from __future__ import annotations

from fleet.identity import ClientSecurity, StationCredentials, StationIdentity
from fleet.station import ShellStation


def station_credentials(
    security: ClientSecurity, identity: StationIdentity, station: ShellStation
) -> StationCredentials:
    """The credentials ``station`` connects with: its password lives in its core's device model
    when the core has one (OCPP 2.0.1), so a CSMS SetVariables changes the next connect."""
    parts = station.core.security
    return StationCredentials(security, identity, parts.device_model if parts is not None else None)
