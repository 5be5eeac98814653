"""The live view's objects as plain dicts: what the templates render and the streams send."""

from __future__ import annotations

from typing import Any

from fleet.csms import LiveView, StationView, TransactionView

FRAME_CHARS_SHOWN = 600  # a frame longer than this is cut in the frames list


def transaction_dict(transaction: TransactionView, *, samples: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "transaction_id": transaction.transaction_id,
        "station_id": transaction.station_id,
        "evse_id": transaction.evse_id,
        "id_token": transaction.id_token or "—",
        "started_at": transaction.started_at,
        "ended_at": transaction.ended_at,
        "state": "Ended" if transaction.ended else "Charging",
        "stopped_reason": transaction.stopped_reason,
        "energy_kwh": None if transaction.energy_wh is None else round(transaction.energy_wh / 1000.0, 3),
        "delivered_kwh": round(transaction.delivered_wh / 1000.0, 3),
        "power_kw": None if transaction.power_w is None else round(transaction.power_w / 1000.0, 2),
        "soc": transaction.soc,
        "duration_s": round(transaction.duration_s, 1),
    }
    if samples:
        record["samples"] = [
            [at, None if energy is None else energy / 1000.0, None if power is None else power / 1000.0]
            for at, energy, power in transaction.samples
        ]
    return record


def station_dict(station: StationView) -> dict[str, Any]:
    """Everything the station page shows, but its variables (sent once, with the page)."""
    return {
        "station_id": station.station_id,
        "ocpp_version": station.ocpp_version,
        "state": station.state,
        "connected": station.connected,
        "vendor": station.vendor,
        "model": station.model,
        "firmware": station.firmware,
        "messages": station.messages,
        "errors": station.errors,
        "connectors": [
            {
                "evse_id": connector.evse_id,
                "connector_id": connector.connector_id,
                "status": connector.status,
                "error_code": connector.error_code,
                "since": connector.since,
            }
            for _, connector in sorted(station.connectors.items())
        ],
        "transactions": [
            transaction_dict(transaction, samples=True) for transaction in station.transactions.values()
        ],
        "frames": [
            {"at": at, "direction": direction, "text": _text(data)}
            for at, direction, data in reversed(station.frames)
        ],
    }


def overview_dict(live: LiveView) -> dict[str, Any]:
    return {
        "stations": len(live.stations),
        "counts": dict(live.counts),
        "messages": live.messages,
        "errors": live.errors,
        "transactions": len(live.transactions),
    }


def _text(data: str | bytes) -> str:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return text if len(text) <= FRAME_CHARS_SHOWN else text[:FRAME_CHARS_SHOWN] + "…"
