"""One EVSE's energy meter: energy is the integral of power over time, so it only ever grows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fleet.ocpp import v201


class Meter:
    def __init__(self, *, voltage_v: float, phases: int) -> None:
        self.voltage_v = voltage_v
        self.phases = phases
        # phases the EV actually draws on (a 1-phase car on a 3-phase EVSE); None: all of them
        self.phases_in_use: int | None = None
        self.energy_wh = 0.0
        self.power_w = 0.0
        self.soc_percent: float | None = None
        self._integrated_to: float | None = None

    def advance(self, now: float) -> None:
        """Integrate the current power up to ``now`` (earlier times are ignored: monotonic)."""
        if self._integrated_to is not None and now > self._integrated_to:
            self.energy_wh += self.power_w * (now - self._integrated_to) / 3600.0
        if self._integrated_to is None or now > self._integrated_to:
            self._integrated_to = now

    def set_power(self, power_w: float, now: float) -> None:
        self.advance(now)
        self.power_w = power_w

    @property
    def current_a(self) -> float:
        """Per phase: power = voltage x current x phases in use."""
        phases = self.phases if self.phases_in_use is None else self.phases_in_use
        return self.power_w / (self.voltage_v * phases)

    def sample(
        self, measurands: list[str], context: v201.ReadingContextEnum, timestamp: datetime
    ) -> v201.MeterValue | None:
        """A MeterValue with the measurands this meter knows (others are skipped), None if empty."""
        values = [
            v201.SampledValue(value=value, context=context, measurand=measurand, unit_of_measure=unit)  # type: ignore[arg-type]
            for measurand in dict.fromkeys(measurands)
            if (reading := _READINGS.get(measurand)) is not None
            for value, unit in [reading(self)]
            if value is not None
        ]
        if not values:
            return None
        return v201.MeterValue(sampled_value=values, timestamp=timestamp)


def _unit(name: str) -> v201.UnitOfMeasure:
    return v201.UnitOfMeasure(unit=name)


_WH, _W, _A, _V, _PERCENT = _unit("Wh"), _unit("W"), _unit("A"), _unit("V"), _unit("Percent")

# measurand -> (value or None when unknown, unit)
_READINGS: dict[str, Callable[[Meter], tuple[float | None, v201.UnitOfMeasure]]] = {
    "Energy.Active.Import.Register": lambda m: (round(m.energy_wh, 3), _WH),
    "Power.Active.Import": lambda m: (round(m.power_w, 3), _W),
    "Current.Import": lambda m: (round(m.current_a, 3), _A),
    "Voltage": lambda m: (m.voltage_v, _V),
    "SoC": lambda m: (None if m.soc_percent is None else round(m.soc_percent, 1), _PERCENT),
}
