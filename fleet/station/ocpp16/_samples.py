"""Meter readings as OCPP 1.6 structs: MeterValue (MeterValues) and TransactionData
(StopTransaction), which differ only in their class names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fleet.ocpp import v16
from fleet.station._meter import Meter


def _sampled(meter: Meter, measurands: list[str], context: v16.ContextEnum, value_type: Any) -> list[Any]:
    return [
        value_type(
            value=f"{value:.3f}".rstrip("0").rstrip("."),
            context=context,
            measurand=measurand,
            unit=unit,
            location="EV" if measurand == "SoC" else "Outlet",
        )
        for measurand, value, unit in meter.readings(measurands)
    ]


def meter_value(
    meter: Meter, measurands: list[str], context: v16.ContextEnum, at: datetime
) -> v16.MeterValue | None:
    values = _sampled(meter, measurands, context, v16.MeterValueSampledValue)
    return v16.MeterValue(timestamp=at, sampled_value=values) if values else None


def transaction_data(
    meter: Meter, measurands: list[str], context: v16.ContextEnum, at: datetime
) -> v16.TransactionData | None:
    values = _sampled(meter, measurands, context, v16.TransactionDataSampledValue)
    return v16.TransactionData(timestamp=at, sampled_value=values) if values else None
