"""What one `fleet run` process reports at the end: the run's summary (fleet.metrics) plus what the
job adds to it: how it ran, the time series, the stations per OCPP version, the embedded CSMS's
ledger, a mixed fleet's results per version and the CSMS script's outcomes."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import trio

from fleet.behaviour import Profile
from fleet.csms import CsmsServer, StepOutcome
from fleet.engine._config import FleetConfig
from fleet.engine._fleet import FleetOutcome
from fleet.engine._ocpp_mix import OcppMix
from fleet.engine._recorder_topology import RecorderTopology
from fleet.metrics import RunRecorder, TimeSeries, loss_accounting


def job_summary(
    fleet: FleetConfig,
    ocpp: OcppMix,
    profile: Profile | None,
    outcome: FleetOutcome,
    recorders: RecorderTopology,
    *,
    csms: CsmsServer | None,  # the embedded CSMS, when the job started one
    script: Sequence[StepOutcome] | None,  # None: the job has no CSMS script
) -> dict[str, Any]:
    """``fleet`` is the one the stations ran against (its ``csms_url`` the embedded CSMS's)."""
    extra: dict[str, Any] = {
        **how_it_ran(fleet, profile),
        "interrupted": outcome.interrupted,
        "drain": outcome.drain.to_dict() if outcome.drain is not None else None,
        "timeseries": recorders.timeseries.to_dict(),
        "outages": outage_windows(recorders.timeseries, recorders.timeseries.start),
    }
    if fleet.deflate:
        extra["deflate"] = deflate_summary(fleet, outcome.deflate_accepted)
    if csms is not None:
        extra["csms"] = csms.ledger.summary()
    if script is not None:
        extra["csms_script"] = [step.to_dict() for step in script]
    return fleet_summary(recorders.run, recorders.by_version, fleet, ocpp, outcome.duration_s, extra)


def how_it_ran(fleet: FleetConfig, profile: Profile | None) -> dict[str, Any]:
    """The summary's record of what was run."""
    return {
        "csms_url": fleet.csms_url,
        "seed": fleet.seed,
        "speed": fleet.speed,
        "profile": profile.name if profile is not None else None,
    }


def deflate_summary(fleet: FleetConfig, accepted: int) -> dict[str, int]:
    """The summary's ``deflate``: stations of the fleet that offered permessage-deflate, and how
    many of them the CSMS accepted it from (``accepted``: counted by the processes that ran them)."""
    return {"offered": fleet.deflate_offered(), "accepted": accepted}


def outage_windows(series: TimeSeries, started: float) -> dict[str, Any]:
    """``series``' outage windows, dated in UTC; ``started``: the trio time its t = 0 stands for."""
    return series.outages.summary(time.time() - (trio.current_time() - started))


def fleet_summary(
    recorder: RunRecorder,
    by_version: Mapping[str, RunRecorder],  # a mixed fleet's results per OCPP version (else empty)
    fleet: FleetConfig,
    ocpp: OcppMix,
    duration_s: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The summary of the whole fleet (one process's or every worker's merged): ``recorder``'s,
    with ``extra``, the stations per OCPP version and, for a mixed fleet, each version's own."""
    duration_s = round(duration_s, 3)
    counts = ocpp.counts(fleet.stations)  # the whole fleet's, in one shard's summary too
    extra["stations_by_ocpp_version"] = counts
    if by_version:
        extra["by_ocpp_version"] = {
            version: by_version[version].summary(
                ocpp_version=version, duration_s=duration_s, stations_configured=counts[version]
            )
            for version in sorted(by_version)
        }
    summary = recorder.summary(
        ocpp_version=ocpp.label, duration_s=duration_s, stations_configured=fleet.stations, extra=extra
    )
    loss = loss_accounting(summary)  # against the embedded CSMS's ledger, when the run had one
    if loss is not None:
        summary["loss"] = loss
    return summary
