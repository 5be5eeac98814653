"""One EVSE's energy meter: energy is the integral of power over time, so it only ever grows.

An AC meter reports the grid side: the phase voltage and the current per phase in use. A DC meter
(``dc=True``) reports the DC side, as DC chargers' meters do: the voltage of the DC link, which the
EV's battery sets (unknown while no EV is connected, and then not reported), and the DC current,
so that power = voltage x current; there are no phases on the DC side.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fleet.ocpp import v201
from fleet.station._config import StationConfig
from fleet.station._events import EnergyMetered, Event


class Meter:
    def __init__(self, *, voltage_v: float, phases: int, dc: bool = False) -> None:
        self.voltage_v = voltage_v
        self.phases = phases
        self.dc = dc
        self.dc_voltage_v: float | None = None  # the DC link voltage the EV's battery sets
        # phases the EV actually draws on (a 1-phase car on a 3-phase EVSE); None: all of them
        self.phases_in_use: int | None = None
        self.energy_wh = 0.0
        self.power_w = 0.0
        self.soc_percent: float | None = None
        self._integrated_to: float | None = None
        self._read_wh = 0.0  # the register at the previous reading sent (``reading_sent``)

    @classmethod
    def for_station(cls, config: StationConfig) -> Meter:
        """The meter of one EVSE (connector) of a station built from ``config``."""
        return cls(voltage_v=config.voltage_v, phases=config.phases, dc=config.current == "DC")

    def advance(self, now: float) -> None:
        """Integrate the current power up to ``now`` (earlier times are ignored: monotonic)."""
        if self._integrated_to is not None and now > self._integrated_to:
            self.energy_wh += self.power_w * (now - self._integrated_to) / 3600.0
        if self._integrated_to is None or now > self._integrated_to:
            self._integrated_to = now

    @property
    def integrated_to(self) -> float | None:
        """``energy_wh`` counts the energy up to this time; ``power_w`` has flowed since."""
        return self._integrated_to

    def reading_sent(self, evse_id: int, events: list[Event]) -> None:
        """A reading of this meter goes out: raise ``EnergyMetered`` with the register's growth
        since the previous one (none when it did not grow: one cheap event per reading at most)."""
        wh = self.energy_wh - self._read_wh
        if wh > 0.0:
            self._read_wh = self.energy_wh
            events.append(EnergyMetered(evse_id, wh))

    def set_power(self, power_w: float, now: float) -> None:
        self.advance(now)
        self.power_w = power_w

    def set_ev_readings(
        self, now: float, soc_percent: float | None, phases_in_use: int | None, dc_voltage_v: float | None
    ) -> None:
        """What the EV reports changed (``set_ev_demand``, either OCPP version); the energy up to
        ``now`` is integrated first, at the power that flowed until then."""
        self.advance(now)
        self.soc_percent = soc_percent
        self.phases_in_use = phases_in_use
        self.dc_voltage_v = dc_voltage_v

    @property
    def voltage_reading_v(self) -> float | None:
        """The reported voltage: the phase voltage (AC), the DC link's to 0.1 V (DC; None: no EV)."""
        if not self.dc:
            return self.voltage_v
        return None if self.dc_voltage_v is None else round(self.dc_voltage_v, 1)

    @property
    def current_a(self) -> float | None:
        """AC, per phase: power = voltage x current x phases in use. DC: power = voltage x current,
        with the voltage as reported (so the reported values multiply back to the power)."""
        if self.dc:
            voltage = self.voltage_reading_v
            if voltage is None:
                return None if self.power_w else 0.0
            return self.power_w / voltage
        phases = self.phases if self.phases_in_use is None else self.phases_in_use
        return self.power_w / (self.voltage_v * phases)

    def sample(
        self, measurands: list[str], context: v201.ReadingContextEnum, timestamp: datetime
    ) -> v201.MeterValue | None:
        """A MeterValue with the measurands this meter knows (others are skipped), None if empty."""
        values = [
            v201.SampledValue(
                value=value,
                context=context,
                measurand=measurand,  # type: ignore[arg-type]
                unit_of_measure=_UNITS[unit],
            )
            for measurand, value, unit in self.readings(measurands)
        ]
        if not values:
            return None
        return v201.MeterValue(sampled_value=values, timestamp=timestamp)

    def readings(self, measurands: list[str]) -> list[tuple[str, float, str]]:
        """(measurand, value, unit) for the measurands this meter knows and has a value for, in
        order, without repeats: the version-independent part of a meter-value sample."""
        return [
            (measurand, value, unit)
            for measurand in dict.fromkeys(measurands)
            if (reading := _READINGS.get(measurand)) is not None
            for value, unit in [reading(self)]
            if value is not None
        ]


# measurand -> (value or None when unknown, unit: the same names in OCPP 1.6 and 2.0.1)
_READINGS: dict[str, Callable[[Meter], tuple[float | None, str]]] = {
    "Energy.Active.Import.Register": lambda m: (round(m.energy_wh, 3), "Wh"),
    "Power.Active.Import": lambda m: (round(m.power_w, 3), "W"),
    "Current.Import": lambda m: (None if (current := m.current_a) is None else round(current, 3), "A"),
    "Voltage": lambda m: (m.voltage_reading_v, "V"),
    "SoC": lambda m: (None if m.soc_percent is None else round(m.soc_percent, 1), "Percent"),
}
_UNITS = {name: v201.UnitOfMeasure(unit=name) for name in ("Wh", "W", "A", "V", "Percent")}
