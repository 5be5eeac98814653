"""What a finished run fell short of, read from its summary: the errors line of the printed summary
names every shortfall, and stations that never booted make a run that ran a failed one (README
"Exit codes")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def stations_never_booted(summary: Mapping[str, Any]) -> int:
    """Stations the run started that never had a BootNotification accepted. The stations started
    are the generator's cost figure (a short run may end before its ramp reached every configured
    station); a summary without it counts every configured station as started."""
    stations = summary.get("stations", {})
    cost = (summary.get("generator") or {}).get("cost") or {}
    started = cost.get("stations", stations.get("configured", 0))
    return max(0, int(started) - int(stations.get("booted", 0)))


def shortfalls(summary: Mapping[str, Any]) -> list[str]:
    """One phrase per kind of shortfall, e.g. ``20 CALLs failed (Timeout 20)``; [] for a clean run."""
    phrases: list[str] = []
    errors = summary.get("errors", [])
    if errors:
        kinds = {entry["kind"] for entry in errors}
        total = sum(entry["count"] for entry in errors)
        phrases.append(f"{total} errors of {len(kinds)} {'kind' if len(kinds) == 1 else 'kinds'}")
    codes: dict[str, int] = {}
    for stats in summary.get("actions", {}).values():
        for code, n in stats.get("errors_by_code", {}).items():
            codes[code] = codes.get(code, 0) + n
    if codes:
        by_code = ", ".join(
            f"{code} {n}" for code, n in sorted(codes.items(), key=lambda item: (-item[1], item[0]))
        )
        phrases.append(f"{sum(codes.values())} CALLs failed ({by_code})")
    unsent = (summary.get("drain") or {}).get("left_unsent", 0)
    if unsent:
        phrases.append(f"{unsent} CALLs never sent or never answered")
    never_booted = stations_never_booted(summary)
    if never_booted:
        started = never_booted + summary.get("stations", {}).get("booted", 0)
        phrases.append(f"{never_booted} of {started} stations never booted")
    return phrases
