"""`fleet simulate --sessions FILE`: one CSV row per driver, for a spreadsheet, pandas or a
Parquet converter (a fixed header, ISO 8601 UTC times, empty cells for what did not happen).

Columns (``SESSION_COLUMNS``): station_id, evse_id, site_type (the profile's station type),
outcome (charged, no_start, token_refused, connector_faulted, all_evses_taken: evse_id 0 then,
none was free), turned_away (true for the last two), arrival, plug_in, tx_start, tx_stop,
plug_out (UTC; empty when it did not happen or falls after the simulated period), energy_kwh and
charging_h (delivered within the period), ev_model, soc_in and soc_out (percent). Rows come
station by station, each station's EVSEs in order, so the file is the same bytes for any
--workers.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from fleet.simulation._forecast import Forecast
from fleet.simulation._session_records import StationRecords, VisitRecord

SESSION_COLUMNS = (
    "station_id",
    "evse_id",
    "site_type",
    "outcome",
    "turned_away",
    "arrival",
    "plug_in",
    "tx_start",
    "tx_stop",
    "plug_out",
    "energy_kwh",
    "charging_h",
    "ev_model",
    "soc_in",
    "soc_out",
)


def write_sessions_csv(forecast: Forecast, path: str | os.PathLike[str]) -> int:
    """Write every driver's record of a session-model forecast; returns the number of rows.
    Written to a temporary file first, so a reader never sees half a file. Raises ValueError for
    a forecast without records (the frames model keeps none, nor a run with ``keep_records`` off)."""
    if forecast.sites is None:
        raise ValueError("per-driver session records come from the session model only (--model sessions)")
    if forecast.sites.records is None:
        raise ValueError("this forecast kept no per-driver records (FleetSpec.keep_records was False)")
    stations, epoch, horizon = forecast.sites.records, forecast.epoch, forecast.horizon_s
    target = os.fspath(path)
    partial = f"{target}.partial"
    rows = 0
    with open(partial, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(SESSION_COLUMNS)
        for row in _rows(stations, epoch, horizon):
            writer.writerow(row)
            rows += 1
    os.replace(partial, target)
    return rows


def _rows(stations: list[StationRecords], epoch: float, horizon: float) -> Iterator[list[str]]:
    for station in stations:
        for visit in sorted(station.visits, key=lambda visit: (visit.evse_id, visit.arrival_s)):
            yield _row(station, visit, epoch, horizon)


def _row(station: StationRecords, visit: VisitRecord, epoch: float, horizon: float) -> list[str]:
    def when(at: float | None) -> str:
        if at is None or at >= horizon:
            return ""
        return datetime.fromtimestamp(epoch + at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def number(value: float | None, places: int) -> str:
        return "" if value is None else f"{value:.{places}f}"

    return [
        station.station_id,
        str(visit.evse_id),
        station.station_type,
        visit.outcome,
        "true" if visit.turned_away else "false",
        when(visit.arrival_s),
        when(visit.plug_in_s),
        when(visit.tx_start_s),
        when(visit.tx_stop_s),
        when(visit.plug_out_s),
        f"{visit.energy_wh / 1000.0:.3f}",
        f"{visit.charging_s / 3600.0:.4f}",
        visit.ev_model,
        number(visit.soc_in, 1),
        number(visit.soc_out, 1),
    ]
