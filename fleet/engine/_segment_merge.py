"""Segment results and `fleet merge`: what a segment's result carries (``mergeable_part``) and
how N of them become the one-process result of the same fleet (``merge_segments``).

A segment's ``--out`` JSON has, besides its own summary, ``segment`` ({"index", "of"}) and
``mergeable``: the fleet that was split (what must be equal to merge), the run's exact recorder
(``RunRecorder.to_dict``: counts and histograms), a mixed fleet's recorders per OCPP version and
the UTC second of the run's t = 0. Its time series is the summary's own ``timeseries``. The merge
adds recorders and time series bucket by bucket (``RunRecorder.merge``, ``TimeSeries.merge``) and
builds the summary as a sharded run's parent does (``fleet_summary``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleet.engine._config import FleetConfig
from fleet.engine._drain import DrainReport
from fleet.engine._job import JobResult, RunJob
from fleet.engine._job_summary import fleet_summary
from fleet.engine._ocpp_mix import OcppMix
from fleet.metrics import RunRecorder, TimeSeries

# what must be equal in every segment of one fleet
_SAME_FLEET = (
    "stations",
    "seed",
    "profile",
    "duration_s",
    "ramp_per_s",
    "speed",
    "ocpp_share_16",
    "id_prefix",
)


class SegmentMergeError(ValueError):
    """Segment results that cannot be merged; the message is one line naming the file(s)."""


def mergeable_part(job: RunJob, result: JobResult, utc_at_zero: float) -> dict[str, Any]:
    """What a segment's result carries so that ``merge_segments`` can merge it exactly."""
    fleet = job.fleet
    recorder = result.recorder if result.recorder is not None else RunRecorder()
    return {
        "fleet": {
            "stations": fleet.stations,
            "seed": fleet.seed,
            "profile": job.profile.name if job.profile is not None else None,
            "duration_s": fleet.duration_s,
            "ramp_per_s": fleet.ramp_per_s,
            "speed": fleet.speed,
            "ocpp_share_16": job.ocpp.share_16,
            "id_prefix": fleet.id_prefix,
        },
        "recorder": recorder.to_dict(),
        "by_version": {version: r.to_dict() for version, r in sorted(result.by_version.items())},
        "utc_at_zero": utc_at_zero,
    }


@dataclass(frozen=True, slots=True)
class _Part:
    name: str  # the file it came from, for messages
    index: int
    of: int
    summary: Mapping[str, Any]
    mergeable: Mapping[str, Any]

    @classmethod
    def read(cls, name: str, summary: Any) -> _Part:
        segment = summary.get("segment") if isinstance(summary, Mapping) else None
        mergeable = summary.get("mergeable") if isinstance(summary, Mapping) else None
        if not (
            isinstance(segment, Mapping)
            and isinstance(segment.get("index"), int)
            and isinstance(segment.get("of"), int)
            and isinstance(mergeable, Mapping)
            and isinstance(mergeable.get("fleet"), Mapping)
        ):
            raise SegmentMergeError(
                f"{name}: not a segment result (write one with fleet run --segment K/N --out)"
            )
        return cls(name, segment["index"], segment["of"], summary, mergeable)


def merge_segments(results: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The one-process result of the fleet that ``results`` (file name, parsed JSON) are the
    segments of. Raises SegmentMergeError for a file that is no segment result, files of
    different fleets, or a segment missing or given twice."""
    parts = sorted((_Part.read(name, data) for name, data in results), key=lambda p: p.index)
    if not parts:
        raise SegmentMergeError("no segment results given")
    _check_one_fleet(parts)
    _check_complete(parts)
    try:
        return _merged_summary(parts)
    except (KeyError, TypeError, ValueError) as exc:
        raise SegmentMergeError(f"a segment result is damaged: {exc}") from None


def _check_one_fleet(parts: list[_Part]) -> None:
    first = parts[0]
    for part in parts[1:]:
        if part.of != first.of:
            raise SegmentMergeError(
                f"{part.name} is segment {part.index}/{part.of}, {first.name} {first.index}/{first.of}: "
                "segments of different splits"
            )
        for key in _SAME_FLEET:
            mine, theirs = first.mergeable["fleet"].get(key), part.mergeable["fleet"].get(key)
            if mine != theirs:
                raise SegmentMergeError(
                    f"{part.name} is of another fleet than {first.name}: {key} {theirs!r} vs {mine!r}"
                )


def _check_complete(parts: list[_Part]) -> None:
    of = parts[0].of
    seen: dict[int, str] = {}
    for part in parts:
        if part.index in seen:
            raise SegmentMergeError(
                f"segment {part.index}/{of} given twice: {seen[part.index]} and {part.name}"
            )
        seen[part.index] = part.name
    missing = [str(k) for k in range(1, of + 1) if k not in seen]
    if missing:
        raise SegmentMergeError(
            f"segment{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {of} missing"
        )


def _merged_summary(parts: list[_Part]) -> dict[str, Any]:
    recorder, by_version = RunRecorder(), dict[str, RunRecorder]()
    series = [TimeSeries.from_dict(p.summary["timeseries"]) for p in parts if p.summary.get("timeseries")]
    for part in parts:
        recorder.merge(RunRecorder.from_dict(part.mergeable["recorder"]))
        for version, data in part.mergeable.get("by_version", {}).items():
            by_version.setdefault(version, RunRecorder()).merge(RunRecorder.from_dict(data))
    first = parts[0]
    wanted = first.mergeable["fleet"]
    fleet = FleetConfig(csms_url=str(first.summary.get("csms_url", "")), stations=int(wanted["stations"]))
    extra: dict[str, Any] = {key: first.summary.get(key) for key in ("csms_url", "seed", "speed", "profile")}
    extra["interrupted"] = any(bool(p.summary.get("interrupted")) for p in parts)
    extra["drain"] = DrainReport.merged(p.summary["drain"] for p in parts if p.summary.get("drain"))
    if series:
        merged = series[0]
        for other in series[1:]:
            merged.merge(other)
        extra["timeseries"] = merged.to_dict()
        extra["outages"] = merged.outages.summary(float(first.mergeable.get("utc_at_zero", 0.0)))
    extra["run"] = first.summary.get("run")  # segment 1's; each segment's is under "segments"
    extra["segments"] = [_segment_record(p) for p in parts]
    duration = max(float(p.summary.get("duration_s", 0.0)) for p in parts)
    ocpp = OcppMix(float(wanted["ocpp_share_16"]))
    return fleet_summary(recorder, by_version if ocpp.label == "mixed" else {}, fleet, ocpp, duration, extra)


def _segment_record(part: _Part) -> dict[str, Any]:
    """What the merged result keeps of one segment: which file, its run, its own CSMS's ledger
    (a segment against the embedded CSMS had one of its own: ledgers are not merged)."""
    record = {"index": part.index, "of": part.of, "file": part.name, "run": part.summary.get("run")}
    if "csms" in part.summary:
        record["csms"] = part.summary["csms"]
    return record
