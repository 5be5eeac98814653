"""The BootNotification nameplate a stations file sets for a station (serial, vendor, model)."""

from __future__ import annotations

from dataclasses import replace

from fleet.identity import StationIdentity
from fleet.station import StationConfig


def with_nameplate(config: StationConfig, identity: StationIdentity) -> StationConfig:
    """``config`` with the BootNotification fields the stations file sets (serial, vendor, model)."""
    return replace(
        config,
        serial_number=identity.serial_number or config.serial_number,
        vendor_name=identity.vendor or config.vendor_name,
        model=identity.model or config.model,
    )
