"""Scenario files: bench/scenarios/NAME.toml, checked field by field when loaded.

A scenario names the stations, how long, what drives them (the simple driver or a behaviour
profile at a --speed), the target (the embedded CSMS or the minimal responder), and optional
phases: a CSMS restart (boot storm) or saturation steps. See bench/README.md for every field.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Literal

import msgspec

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


class ScenarioError(Exception):
    """A scenario that cannot be found or read; the message says which file and field."""


class CsmsSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    heartbeat_interval: int = 300  # what BootNotification answers: s between heartbeats
    response_delay_s: float = 0.0  # embedded CSMS only


class DriverSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The simple driver at each EVSE (and the peer's equivalent): a huge idle mean = no drivers."""

    idle_mean_s: float = 3_600.0
    charge_mean_s: float = 1_800.0
    step_s: float = 1.0


class ProfileSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str  # a bundled profile (fleet profiles list) or a TOML file
    speed: float = 1.0
    start: str | None = None  # ISO 8601 simulated start, e.g. "2026-12-01T07:00:00Z"


class RestartSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    at_s: float  # s after the generator started: the CSMS process is stopped ...
    down_s: float = 1.0  # ... and started again on the same port this much later


class SaturationSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    steps: list[int]  # station counts, one run each, rising; every station heartbeats each interval
    step_duration_s: float = 20.0
    latency_p99_limit_ms: float = 200.0  # a step whose Heartbeat p99 exceeds this is past the knee
    lag_p99_limit_ms: float = 20.0  # ... or whose generator timer lateness p99 exceeds this
    min_delivered_ratio: float = 0.9  # ... or that delivers less than this share of the offered rate


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    description: str
    stations: int
    duration_s: float
    name: str = ""  # the file's stem; not written in the file
    ramp_per_s: float = 100.0
    evses: int = 1
    seed: int = 1
    target: Literal["csms", "responder"] = "csms"
    implementation: Literal["fleet", "peer"] = "fleet"
    peer: bool = False  # also run the peer baseline in the same session and state fleet/peer ratios
    # generator processes: 1 = the fleet engine in the bench worker's process; N > 1 = sharded as
    # `fleet run --workers N` (CPU and RSS summed over the processes). The peer is one process.
    workers: int = 1
    csms_workers: int = 1  # target "csms": processes of the embedded CSMS (`fleet csms --workers N`)
    source_addresses: int = 0  # stations connect from 127.0.0.1..N; 0: automatic (1 per 20,000)
    measures: list[str] = []  # the headline figures this scenario exists for (shown first)
    csms: CsmsSettings = CsmsSettings()
    driver: DriverSettings = DriverSettings()
    profile: ProfileSettings | None = None
    restart: RestartSettings | None = None
    saturation: SaturationSettings | None = None

    def scaled(self, scale: float) -> Scenario:
        """The same scenario with ``scale`` times the stations (and saturation steps)."""
        if scale == 1.0:
            return self
        saturation = self.saturation
        if saturation is not None:
            steps = [_scale(n, scale) for n in saturation.steps]
            saturation = msgspec.structs.replace(saturation, steps=steps)
        return msgspec.structs.replace(self, stations=_scale(self.stations, scale), saturation=saturation)


def _scale(count: int, scale: float) -> int:
    return max(1, round(count * scale))


def load_scenario(path: Path) -> Scenario:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    if "name" in data:
        raise ScenarioError(f"{path}: remove the field 'name': a scenario is named by its file name")
    try:
        scenario = msgspec.convert(data, Scenario)
    except msgspec.ValidationError as exc:
        raise ScenarioError(
            f"{path}: {exc} (the fields are listed in bench/README.md, 'Scenario files')"
        ) from None
    _check(path, scenario)
    return msgspec.structs.replace(scenario, name=path.stem)


def _check(path: Path, s: Scenario) -> None:
    problems: list[str] = []
    if s.stations < 1:
        problems.append(f"stations: expected at least 1, got {s.stations}")
    if s.evses < 1:
        problems.append(f"evses: expected at least 1, got {s.evses}")
    for field, value in (("duration_s", s.duration_s), ("ramp_per_s", s.ramp_per_s)):
        if not (math.isfinite(value) and value > 0):
            problems.append(f"{field}: expected a finite number > 0, got {value}")
    if s.csms.heartbeat_interval < 1:
        problems.append(
            f"csms.heartbeat_interval: expected whole seconds >= 1, got {s.csms.heartbeat_interval}"
        )
    for field, count, least in (
        ("workers", s.workers, 1),
        ("csms_workers", s.csms_workers, 1),
        ("source_addresses", s.source_addresses, 0),
    ):
        if count < least:
            problems.append(f"{field}: expected a count >= {least}, got {count}")
    if s.csms_workers > 1 and s.target != "csms":
        problems.append('csms_workers: only the embedded CSMS (target = "csms") runs in several processes')
    if s.profile is not None and s.implementation == "peer":
        problems.append("profile: the peer baseline has only the simple driver; drop [profile] or use fleet")
    if s.restart is not None and not 0 < s.restart.at_s < s.duration_s:
        problems.append(
            f"restart.at_s: must fall inside the run (0 < at_s < {s.duration_s}), got {s.restart.at_s}"
        )
    if s.saturation is not None and (not s.saturation.steps or min(s.saturation.steps) < 1):
        problems.append("saturation.steps: expected a list of station counts >= 1, e.g. [250, 500, 1000]")
    if problems:
        raise ScenarioError(f"{path}: " + "; ".join(problems))


def find_scenarios(names: list[str]) -> list[Scenario]:
    """Scenarios by name (bench/scenarios/NAME.toml) or path; no names: every bundled one."""
    if not names:
        return [load_scenario(path) for path in sorted(SCENARIOS.glob("*.toml"))]
    found: list[Scenario] = []
    for name in names:
        path = Path(name)
        if not path.suffix:
            path = SCENARIOS / f"{name}.toml"
        if not path.is_file():
            known = ", ".join(p.stem for p in sorted(SCENARIOS.glob("*.toml")))
            raise ScenarioError(f"no scenario {name!r} ({path} does not exist); the bundled ones: {known}")
        found.append(load_scenario(path))
    return found
