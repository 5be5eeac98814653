"""What a station's own display shows a person: each EVSE's state and, on the person's EVSE,
their charge (energy, power, estimated state of charge, time plugged in)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from fleet.station import EvseState

# the person's car, for the state of charge the display estimates from the metered energy
CAR_BATTERY_WH = 60_000.0
CAR_ARRIVAL_SOC_PERCENT = 20.0

EvseUser = Literal["free", "you", "driver"]


@dataclass(frozen=True, slots=True)
class EvseScreen:
    evse_id: int
    status: str  # the connector's status as the station reports it (Available, Occupied, ...)
    user: EvseUser  # who is at it: nobody, the person at the display, a simulated driver
    transaction_id: str | None
    charging_state: str
    power_w: float
    id_token: str | None = None  # the person's token presented here
    energy_wh: float = 0.0  # the person's session: metered since their car was plugged in
    soc_percent: float | None = None  # the person's car, estimated from that energy
    plugged_s: float = 0.0  # how long the person's car has been plugged in


@dataclass(frozen=True, slots=True)
class StationScreen:
    station_id: str
    ocpp_version: str
    online: bool
    message: str  # the outcome of the person's latest action
    evses: tuple[EvseScreen, ...]


def evse_screen(
    state: EvseState, user: EvseUser, id_token: str | None, plugged: tuple[float, float] | None, now: float
) -> EvseScreen:
    """``plugged``: (when the person's car was plugged in, the meter register then)."""
    screen = EvseScreen(
        evse_id=state.evse_id,
        status=state.connector_status,
        user=user,
        transaction_id=state.transaction_id,
        charging_state=state.charging_state,
        power_w=state.power_w,
        id_token=id_token,
    )
    if plugged is None:
        return screen
    plugged_at, mark_wh = plugged
    # the register as of its last integration, plus what the power since then delivered
    since = state.metered_at
    flowing_wh = state.power_w * max(0.0, now - since) / 3600.0 if since is not None else 0.0
    energy_wh = max(0.0, state.energy_wh + flowing_wh - mark_wh)
    return replace(
        screen,
        energy_wh=energy_wh,
        soc_percent=min(100.0, CAR_ARRIVAL_SOC_PERCENT + 100.0 * energy_wh / CAR_BATTERY_WH),
        plugged_s=max(0.0, now - plugged_at),
    )
