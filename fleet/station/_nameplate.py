"""What the device model says about the station's hardware, from its configuration.

The variable table (``_device_model``) has one default for every station; a DC charger or a
single-phase wallbox must not report itself as a three-phase AC box. OCPP 2.0.1 (Part 2,
Referenced Components and Variables): ``SupplyPhases`` is the number of AC phases the
station/EVSE/connector can supply, 0 for DC; ``EVSE.Power`` MaxSet is the EVSE's maximum power.
Only values that differ from the table's defaults are stored: the default fleet pays nothing.
"""

from __future__ import annotations

from fleet.ocpp import v201
from fleet.station._config import StationConfig
from fleet.station._device_model import DeviceModel
from fleet.station._evse import CONNECTOR_ID


def apply_nameplate(model: DeviceModel, config: StationConfig) -> None:
    phases = "0" if config.current == "DC" else str(config.phases)
    _set(model, "ChargingStation", "VendorName", config.vendor_name)
    _set(model, "ChargingStation", "Model", config.model)
    _set(model, "ChargingStation", "SupplyPhases", phases)
    max_power = f"{config.max_power_w:g}"
    for evse_id in range(1, config.evse_count + 1):
        _set(model, "EVSE", "SupplyPhases", phases, evse_id=evse_id)
        _set(model, "EVSE", "Power", max_power, evse_id=evse_id, attribute="MaxSet")
        _set(model, "Connector", "SupplyPhases", phases, evse_id=evse_id, connector_id=CONNECTOR_ID)
        if config.current == "DC":
            _set(model, "Connector", "ConnectorType", "cCCS2", evse_id=evse_id, connector_id=CONNECTOR_ID)


def _set(
    model: DeviceModel,
    component: str,
    variable: str,
    value: str,
    *,
    evse_id: int | None = None,
    connector_id: int | None = None,
    attribute: v201.AttributeEnum = "Actual",
) -> None:
    current = model.get(component, variable, evse_id=evse_id, connector_id=connector_id, attribute=attribute)
    if current != value:
        model.set_actual(
            component, variable, value, evse_id=evse_id, connector_id=connector_id, attribute=attribute
        )
