"""Headroom: a `fleet simulate --out` forecast's peak hour against what the CSMS holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec


@dataclass(frozen=True, slots=True)
class ForecastPeak:
    stations: int
    profile: str | None
    peak_hour_messages_per_s: float  # the busiest 60 simulated minutes' mean rate

    @classmethod
    def read(cls, path: str) -> ForecastPeak:
        """ValueError names the file and what is wrong with it."""
        try:
            with open(path, "rb") as handle:
                data = msgspec.json.decode(handle.read())
            return cls.of(data)
        except OSError as exc:
            raise ValueError(f"--forecast {path}: cannot read it: {exc.strerror or exc}") from exc
        except (msgspec.DecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"--forecast {path}: not a `fleet simulate --out` file ({exc})") from exc

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> ForecastPeak:
        per_minute = [float(n) for n in data["series"]["messages_total"]]
        if not per_minute:
            raise ValueError("its series has no minutes")
        hour = min(60, len(per_minute))
        busiest = max(sum(per_minute[i : i + hour]) for i in range(len(per_minute) - hour + 1))
        config = data["config"]
        return cls(int(config["stations"]), config.get("profile"), busiest / (hour * 60.0))


def headroom(peak: ForecastPeak, stations: int, messages_per_s: float, profile: str | None) -> dict[str, Any]:
    """The forecast's peak hour as a share of the capacity found: in msg/s, and in stations when
    the forecast's profile is the one measured."""
    share = 100.0 * peak.peak_hour_messages_per_s / messages_per_s if messages_per_s > 0 else None
    same_profile = peak.profile is not None and peak.profile == profile
    station_share = 100.0 * peak.stations / stations if same_profile and stations > 0 else None
    shown = f"{share:.0f} %" if share is not None else "an unknown share"
    sentence = (
        f"the forecast peak hour of {peak.stations:,} stations ({peak.peak_hour_messages_per_s:,.1f} msg/s) "
        f"is {shown} of what the CSMS holds"
    )
    if station_share is not None:
        sentence += f" ({station_share:.0f} % of its stations)"
    return {
        "sentence": sentence,
        "forecast_stations": peak.stations,
        "forecast_profile": peak.profile,
        "forecast_peak_hour_messages_per_s": round(peak.peak_hour_messages_per_s, 3),
        "percent_of_capacity_messages": round(share, 1) if share is not None else None,
        "percent_of_capacity_stations": round(station_share, 1) if station_share is not None else None,
    }
