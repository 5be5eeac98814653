"""The forecast: what the CSMS will receive over the simulated period, as a JSON-ready document.

Floats are rounded when the document is built (kWh to Wh, ms to µs, rates to 1/1000), so the
JSON text depends only on the simulation, never on float formatting quirks of a later step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from fleet.metrics import write_json
from fleet.simulation._site_forecast import site_series, site_summary

if TYPE_CHECKING:
    from fleet.simulation._config import SimulationConfig
    from fleet.simulation._outcome import SimulationOutcome
    from fleet.simulation._site_outcome import SiteOutcome

_RATE_PERCENTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True, slots=True)
class Forecast:
    """``config`` echoes the run, ``series`` has one value per simulated minute, ``summary`` the totals.

    Series (index = minute since the start): ``messages_total`` and ``messages_by_action``
    (messages the CSMS received in that minute), ``offline_replays`` (TransactionEvents flagged
    offline), and sampled at the end of each minute ``concurrent_transactions``,
    ``connected_stations`` and ``energy_kwh`` (cumulative). The session model adds ``sites``
    (``_site_forecast``: kW, occupied and charging EVSEs per site type) to the series and the
    summary.
    """

    config: dict[str, Any]
    series: dict[str, Any]
    summary: dict[str, Any]
    # the session model's per-site outcome with every driver's record (for --sessions), not in the JSON
    sites: SiteOutcome | None = field(default=None, compare=False, repr=False)

    @property
    def epoch(self) -> float:
        """The UTC time of t=0."""
        return datetime.fromisoformat(str(self.config["start_utc"])).timestamp()

    @property
    def horizon_s(self) -> float:
        return float(self.config["hours"]) * 3600.0

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "series": self.series, "summary": self.summary}


def build_forecast(config: SimulationConfig, sim: SimulationOutcome, stations: int) -> Forecast:
    ledger = sim.ledger
    per_minute = ledger.per_minute_by_action  # derived from the per-second counts: once
    by_action = {action: per_minute[action] for action in sorted(per_minute)}
    totals = [sum(column) for column in zip(*by_action.values(), strict=True)] or [0] * ledger.minutes
    series = {
        "minutes": ledger.minutes,
        "messages_total": totals,
        "messages_by_action": by_action,
        "offline_replays": list(ledger.offline_per_minute),
        "concurrent_transactions": sim.open_transactions_series,
        "connected_stations": sim.connected_series,
        "energy_kwh": [round(mwh / 1000.0 / 1000.0, 3) for mwh in sim.energy_series_mwh],
    }
    if sim.sites is not None:
        series["sites"] = site_series(sim.sites)
    digest = ledger.summary()
    summary = {
        "messages_total": digest["messages_total"],
        "messages_by_action": digest["messages_by_action"],
        "messages_per_second": _rates(ledger.per_second),
        "messages_per_second_by_action": {
            action: _rates(ledger.per_second_by_action[action])
            for action in sorted(ledger.per_second_by_action)
        },
        "peak_concurrent_transactions": ledger.peak_open_transactions,
        "energy_kwh": round(ledger.delivered_wh / 1000.0, 3),
        "transactions_seen": digest["transactions_seen"],
        "transactions_started": digest["transactions_started"],
        "transactions_ended": digest["transactions_ended"],
        "seq_no_gaps": digest["seq_no_gaps"],
        "seq_no_duplicates": digest["seq_no_duplicates"],
        "offline_replays": digest["offline_messages"],
        "protocol_errors": digest["protocol_errors"],
        "stations_booted": digest["stations_booted"],
        "connected_peak": sim.connected_peak,
        "latency_ms": sim.stats.latency_summary(),
        "csms_calls": dict(sorted(sim.csms_outcomes.items())),
        "station_view": {
            "call_failures": dict(sorted(sim.stats.failures.items())),
            "messages_dropped": dict(sorted(sim.stats.dropped.items())),
            "transactions_started": sim.stats.transactions_started,
            "transactions_ended": sim.stats.transactions_ended,
            "ended_energy_kwh": round(sim.stats.ended_energy_wh / 1000.0, 3),
            "frames_refused": sim.station_protocol_errors,
        },
    }
    if sim.sites is not None:
        summary["sites"] = site_summary(sim.sites)
    return Forecast(_config_echo(config, stations), series, summary, sim.sites)


def _config_echo(config: SimulationConfig, stations: int) -> dict[str, Any]:
    """The run's settings, as the forecast's ``config``."""
    return {
        "model": config.model,
        "profile": config.profile_name,
        "stations": stations,
        "hours": config.hours,
        "seed": config.seed,
        "start_utc": datetime.fromtimestamp(config.epoch, UTC).isoformat(),
        "ramp_s": config.ramp_s,
        "latency_one_way": _latency_echo(config.latency),
        "heartbeat_interval_s": config.csms.heartbeat_interval,
    }


def _rates(per_second: list[int]) -> dict[str, Any]:
    """Peak, mean and percentiles of the per-second message counts over every simulated second."""
    if not per_second:
        return {"peak": 0, "peak_at_s": 0, "mean": 0.0, "p50": 0, "p95": 0, "p99": 0}
    peak = max(per_second)
    ordered = sorted(per_second)
    count = len(ordered)
    # nearest rank: the smallest count with at least q % of the seconds at or below it
    ranks = {f"p{q:g}": ordered[max(0, -(-int(q * count) // 100) - 1)] for q in _RATE_PERCENTILES}
    return {
        "peak": peak,
        "peak_at_s": per_second.index(peak),
        "mean": round(sum(per_second) / count, 3),
        **ranks,
    }


def _latency_echo(latency: object) -> dict[str, Any]:
    if isinstance(latency, float | int):
        return {"kind": "fixed", "value_ms": round(float(latency) * 1000.0, 3)}
    described: dict[str, Any] = msgspec.to_builtins(latency)
    return {"unit": "s", **described}


def forecast_json(forecast: Forecast) -> bytes:
    """The forecast as JSON text: keys sorted, two-space indent, one trailing newline."""
    encoded = msgspec.json.encode(forecast.to_dict(), order="sorted")
    return msgspec.json.format(encoded, indent=2) + b"\n"


def write_forecast_json(forecast: Forecast, path: str | os.PathLike[str]) -> None:
    """Write the forecast atomically (a reader never sees half a file); same forecast, same bytes."""
    # write_json encodes with msgspec too; sorting the mappings first makes key order canonical
    write_json(msgspec.json.decode(forecast_json(forecast)), path)
