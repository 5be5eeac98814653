"""What a station is (its configuration) and the read-only view of one EVSE that shells read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The OCA schemas cap these fields; checking at construction gives the user the field name
# instead of a schema violation on the wire much later.
_MAX_LENGTHS = {"vendor_name": 50, "model": 20, "serial_number": 25, "firmware_version": 50}


@dataclass(frozen=True, slots=True)
class StationConfig:
    station_id: str
    evse_count: int = 1  # EVSE ids 1..n, one connector each (connector_id 1)
    vendor_name: str = "ocpp-fleet"
    model: str = "SimAC-22"
    serial_number: str | None = None
    firmware_version: str = "0.1.0"
    max_power_w: float = 22_000.0  # per EVSE
    phases: int = 3  # grid phases (a DC charger draws from all three)
    voltage_v: float = 230.0  # grid voltage per phase
    # what the EVSE delivers: DC meters report the DC side (the EV's battery voltage, DC amperes)
    current: Literal["AC", "DC"] = "AC"
    # UTC seconds: the station's wall clock is epoch + now (tests fix it; the engine sets
    # time.time() - trio.current_time())
    wall_clock_epoch: float = 1_767_225_600.0
    # transaction messages kept while offline; see OfflineQueue for what happens beyond it
    offline_queue_limit: int = 1000

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.station_id:
            problems.append("station_id must not be empty")
        if self.evse_count < 1:
            problems.append(f"evse_count must be >= 1, got {self.evse_count}")
        for field, limit in _MAX_LENGTHS.items():
            value = getattr(self, field)
            if value is not None and len(value) > limit:
                problems.append(f"{field} is at most {limit} characters (OCPP 2.0.1), got {len(value)}")
        if self.max_power_w <= 0 or self.voltage_v <= 0:
            problems.append("max_power_w and voltage_v must be positive")
        if self.current not in ("AC", "DC"):
            problems.append(f"current must be 'AC' or 'DC', got {self.current!r}")
        if self.phases not in (1, 2, 3):
            problems.append(f"phases must be 1, 2 or 3, got {self.phases}")
        if self.offline_queue_limit < 1:
            problems.append(f"offline_queue_limit must be >= 1, got {self.offline_queue_limit}")
        if problems:
            raise ValueError(f"StationConfig({self.station_id!r}): " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class EvseState:
    """A snapshot of one EVSE (and its single connector)."""

    evse_id: int
    connector_status: str
    transaction_id: str | None
    charging_state: str
    energy_wh: float  # the meter register: monotonic over the station's life
    power_w: float
    metered_at: float | None = None  # the register counts the energy up to then (power_w since)
