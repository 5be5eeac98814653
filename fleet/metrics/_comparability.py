"""Whether two runs measured the same thing: the same fleet, for as long, at the same speed,
speaking the same OCPP, against the same CSMS, and both ran to the end.

A run is read from ``summary["run"]["config"]`` when the result has it and from the older
top-level keys otherwise (``stations.configured``, ``duration_s``, ``profile``, ``speed``,
``stations_by_ocpp_version``/``ocpp_version``, ``csms_url``). Two configured durations must be
equal; a measured one (an older file) may differ by the second a run takes to stop
(`DURATION_SLACK_S`, or 5 %), so 30.004 s and 30.012 s are the same run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EMBEDDED_CSMS = "the embedded CSMS"
_NO_PROFILE = "none (the simple driver)"
DURATION_SLACK_S = 1.0
DURATION_SLACK_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class RunShape:
    """What a run was set up to do (and whether it did it to the end); None: not recorded."""

    stations: int | None
    configured_duration_s: float | None
    measured_duration_s: float | None
    profile: str | None
    speed: float | None
    ocpp: str | None  # "2.0.1", "1.6" or "mix:0.3" (the share of stations on 1.6)
    csms: str  # a URL, or EMBEDDED_CSMS
    ramp_per_s: float | None = None
    evses: int | None = None
    interrupted: bool = False
    aborted: bool = False


@dataclass(frozen=True, slots=True)
class Difference:
    what: str
    base: str
    new: str

    def line(self) -> str:
        return f"{self.what}: {self.base} vs {self.new}"

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "base": self.base, "new": self.new}


def run_shape(summary: Mapping[str, Any]) -> RunShape:
    """The shape of a ``fleet run --out`` result, new or old."""
    config: Mapping[str, Any] = (summary.get("run") or {}).get("config") or {}
    stations = (summary.get("stations") or {}).get("configured", config.get("stations"))
    return RunShape(
        stations=stations,
        configured_duration_s=_number(config.get("duration_s")),
        measured_duration_s=_number(summary.get("duration_s")),
        profile=summary.get("profile", config.get("profile")),
        speed=_number(summary.get("speed", config.get("speed"))),
        ocpp=ocpp_label(summary.get("stations_by_ocpp_version"))
        or config.get("ocpp")
        or summary.get("ocpp_version"),
        csms=_csms(summary, config),
        ramp_per_s=_number(config.get("ramp_per_s")),
        evses=config.get("evses"),
        interrupted=bool(summary.get("interrupted")),
        aborted=bool(summary.get("aborted")),
    )


def ocpp_label(stations_by_version: Mapping[str, int] | None) -> str | None:
    """The label "2.0.1", "1.6", or "mix:SHARE" from the stations per OCPP version (None if unknown)."""
    if not stations_by_version:
        return None
    total = sum(stations_by_version.values())
    on_16 = stations_by_version.get("1.6", 0)
    if total == 0:
        return None
    if on_16 in (0, total):
        return "1.6" if on_16 else "2.0.1"
    return f"mix:{on_16 / total:.2g}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _csms(summary: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    if "csms" in summary or ("csms_url" in config and config["csms_url"] is None):
        return EMBEDDED_CSMS
    return str(config.get("csms_url") or summary.get("csms_url") or EMBEDDED_CSMS)


def differences(base: RunShape, new: RunShape) -> list[Difference]:
    """Every way the two runs differ that makes their figures incomparable, in a fixed order."""
    found = [
        Difference(what, _show(base_value), _show(new_value))
        for what, base_value, new_value in (
            ("stations", base.stations, new.stations),
            ("profile", base.profile or _NO_PROFILE, new.profile or _NO_PROFILE),
            ("speed", base.speed, new.speed),
            ("ocpp", base.ocpp, new.ocpp),
            ("csms", base.csms, new.csms),
            ("ramp", base.ramp_per_s, new.ramp_per_s),
            ("evses", base.evses, new.evses),
        )
        if _differ(base_value, new_value)
    ]
    duration = _duration_difference(base, new)
    if duration is not None:
        found.insert(1, duration)
    for what, base_flag, new_flag in (
        ("interrupted", base.interrupted, new.interrupted),
        ("aborted", base.aborted, new.aborted),
    ):
        if base_flag or new_flag:
            found.append(Difference(what, _yes(base_flag), _yes(new_flag)))
    return found


def _differ(base: object, new: object) -> bool:
    """Values known on both sides that are not equal (a float within rounding is equal)."""
    if base is None or new is None:
        return False
    if isinstance(base, float) and isinstance(new, float):
        return not math.isclose(base, new, rel_tol=1e-9)
    return base != new


def _duration_difference(base: RunShape, new: RunShape) -> Difference | None:
    """Configured durations when both runs have one, else whatever each has, with slack."""
    slack_share, slack_s = 0.0, 0.0
    base_s, new_s = base.configured_duration_s, new.configured_duration_s
    if base_s is None or new_s is None:
        slack_share, slack_s = DURATION_SLACK_SHARE, DURATION_SLACK_S
        base_s = base_s if base_s is not None else base.measured_duration_s
        new_s = new_s if new_s is not None else new.measured_duration_s
    if base_s is None or new_s is None:
        return None
    longer = max(base_s, new_s)
    if abs(base_s - new_s) <= max(slack_s, slack_share * longer) + 1e-9 * longer:
        return None
    return Difference("duration", f"{base_s:g} s", f"{new_s:g} s")


def _show(value: object) -> str:
    if value is None:
        return "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
