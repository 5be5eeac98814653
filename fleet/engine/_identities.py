"""Who each station is: ids, credentials and nameplate (fleet.identity, shared with the Locust
shell); the engine adds only the nameplate its BootNotification sends."""

from __future__ import annotations

from dataclasses import replace

from fleet.identity import FILE_FIELDS, IdentityError, StationIdentities, StationIdentity, load_stations_file
from fleet.station import StationConfig

__all__ = [
    "FILE_FIELDS",
    "IdentityError",
    "StationIdentities",
    "StationIdentity",
    "load_stations_file",
    "with_nameplate",
]


def with_nameplate(config: StationConfig, identity: StationIdentity) -> StationConfig:
    """``config`` with the BootNotification fields the stations file sets (serial, vendor, model)."""
    return replace(
        config,
        serial_number=identity.serial_number or config.serial_number,
        vendor_name=identity.vendor or config.vendor_name,
        model=identity.model or config.model,
    )
