"""How a fleet run is set up (what `fleet run` turns its arguments into)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fleet.behaviour import Backoff
from fleet.connection import offers_deflate
from fleet.engine._segment import Segment
from fleet.engine._stages import Stage
from fleet.identity import ClientSecurity, StationIdentities, StationIdentity


@dataclass(frozen=True, slots=True)
class FleetConfig:
    csms_url: str  # base URL; each station connects to <csms_url>/<station id>
    stations: int = 50
    duration_s: float = 30.0
    ramp_per_s: float = 25.0
    seed: int = 1
    id_prefix: str = "SIM-"
    connect_timeout_s: float = 10.0
    close_timeout_s: float = 2.0
    backoff: Backoff = field(default_factory=Backoff)
    reboot_delay_s: float = 1.0  # how long a station takes to come back after a Reset
    speed: float = 1.0  # simulated seconds per real second (stations, drivers, meter intervals)
    # source IPs the stations connect from, round robin by station index (empty: the kernel's choice)
    source_addresses: tuple[str, ...] = ()
    # the station indices this process runs (one shard of a --workers run); None: all of them
    indices: range | None = None
    # the segment of the fleet this run is (`fleet run --segment K/N`); None: the whole fleet
    segment: Segment | None = None
    # at the end, real seconds the connected stations get to send what is queued (0: stop at once)
    drain_timeout_s: float = 10.0
    # the share of stations (0..1, spread evenly by index) that offer permessage-deflate (--deflate)
    deflate: float = 0.0
    # --stages: connected stations ramp through these (empty: ramp up at ramp_per_s and stay);
    # ``stations`` is then their peak and ``duration_s`` their sum (fleet.engine._stages)
    stages: tuple[Stage, ...] = ()

    @property
    def my_indices(self) -> range:
        """The station indices this process runs: one shard's slice of a --workers run, else
        the segment's (--segment K/N), else the whole fleet. The one place that says which
        stations are this process's."""
        if self.indices is not None:
            return self.indices
        return self.segment.indices(self.stations) if self.segment is not None else range(self.stations)

    def offers_deflate(self, index: int) -> bool:
        """Station ``index`` offers permessage-deflate (fleet.connection.offers_deflate)."""
        return offers_deflate(index, self.deflate)

    def deflate_offered(self) -> int:
        """How many stations of the whole fleet offer permessage-deflate."""
        return int(self.stations * self.deflate)

    def source_address(self, index: int) -> str | None:
        return self.source_addresses[index % len(self.source_addresses)] if self.source_addresses else None

    # OCPP security profile and ids/credentials per station (None: id_prefix ids, no credentials)
    security: ClientSecurity = field(default_factory=ClientSecurity)
    identities: StationIdentities | None = None

    def station_id(self, index: int) -> str:
        if self.identities is not None:
            return self.identities.station_id(index)
        return f"{self.id_prefix}{index:05d}"

    def identity(self, index: int) -> StationIdentity:
        if self.identities is not None:
            return self.identities.identity(index)
        return StationIdentity(self.station_id(index))

    def station_url(self, station_id: str) -> str:
        return f"{self.csms_url.rstrip('/')}/{station_id}"
