"""`fleet run --ocpp mix:... --metrics-port`: every per-station series carries the station's own
OCPP version, and its counts are the run's ``by_ocpp_version`` results; the generator's health is
one series labelled "mixed".

The counts are checked in MockClock time against the embedded CSMS, in the exposition text the
exporter would serve for the run's registry (read after the run: the exporter's HTTP server thread
cannot run under an autojumping clock). One real-time test scrapes the exporter over loopback HTTP.
"""

from __future__ import annotations

import urllib.request
from collections import defaultdict
from functools import partial
from typing import Any

import pytest
import trio
import trio.testing
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

# per-station families: each sample says which version's stations it counts
STATION_SAMPLES = (
    "ocpp_fleet_ocpp_request_duration_seconds_count",
    "ocpp_fleet_ocpp_messages_total",
    "ocpp_fleet_stations",
    "ocpp_fleet_stations_configured",
    "ocpp_fleet_transactions_started_total",
    "ocpp_fleet_transactions_ended_total",
    "ocpp_fleet_energy_delivered_joules_total",
    "ocpp_fleet_reconnects_total",
)
GENERATOR_SAMPLES = (
    "ocpp_fleet_generator_lag_seconds_count",
    "ocpp_fleet_generator_busy_ratio",
    "ocpp_fleet_generator_loop_lag_seconds",
    "ocpp_fleet_generator_calls_waiting",
)
OUTCOMES = ("ok", "error", "timeout", "connection_lost")

Sample = tuple[str, dict[str, str], float]


def _job(ocpp: str, *, stations: int = 6, indices: range | None = None) -> RunJob:
    return RunJob(
        fleet=FleetConfig(
            csms_url="", stations=stations, duration_s=300, ramp_per_s=5, seed=3, indices=indices
        ),
        # drivers come and go within a minute, so both versions' stations start and end transactions
        driver=DriverSettings(mean_idle_s=20, mean_charge_s=40, step_s=2),
        metrics_port=None,  # no HTTP server: the test reads the run's registry itself
        ocpp=OcppMix.parse(ocpp),
    )


async def _run(job: RunJob) -> tuple[dict[str, Any], list[Sample]]:
    registry = CollectorRegistry()
    with trio.fail_after(600):
        result = await run_job(job, metrics_registry=registry)
    assert result.exit_code == 0 and result.summary is not None, result.failure
    text = generate_latest(registry).decode()  # what GET /metrics answers
    samples = [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("ocpp_fleet_") and not sample.name.startswith("ocpp_fleet_csms_")
    ]
    return result.summary, samples


def _versions(samples: list[Sample], name: str) -> set[str]:
    return {labels["ocpp_version"] for sample_name, labels, _ in samples if sample_name == name}


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum over the samples of ``name`` that have ``labels`` (0 when there are none)."""
    return sum(
        value
        for sample_name, sample_labels, value in samples
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items())
    )


async def test_a_mixed_fleet_exports_each_station_series_under_its_own_version(
    autojump_clock: trio.testing.MockClock,
) -> None:
    summary, samples = await _run(_job("mix:0.5"))

    assert summary["ocpp_version"] == "mixed"
    assert summary["stations_by_ocpp_version"] == {"1.6": 3, "2.0.1": 3}
    for name in STATION_SAMPLES:
        assert _versions(samples, name) == {"1.6", "2.0.1"}, name
    for name in ("ocpp_fleet_ocpp_call_errors_total", "ocpp_fleet_errors_total"):
        assert "mixed" not in _versions(samples, name), name
    for name in GENERATOR_SAMPLES:
        assert _versions(samples, name) == {"mixed"}, name
    assert _value(samples, "ocpp_fleet_generator_lag_seconds_count") > 0

    configured = {
        version: _value(samples, "ocpp_fleet_stations_configured", ocpp_version=version)
        for version in ("1.6", "2.0.1")
    }
    assert configured == {"1.6": 3, "2.0.1": 3}
    assert sum(configured.values()) == summary["stations"]["configured"] == 6

    for version, result in summary["by_ocpp_version"].items():
        of_version = [s for s in samples if s[1]["ocpp_version"] == version]
        actions: dict[str, dict[str, float]] = defaultdict(dict)
        for outcome in OUTCOMES:
            for name, labels, count in of_version:
                if name == "ocpp_fleet_ocpp_request_duration_seconds_count" and labels["outcome"] == outcome:
                    actions[labels["action"]][outcome] = count
        expected_actions = {
            action: (stats["ok"], stats["errors"]) for action, stats in result["actions"].items()
        }
        exported_actions = {
            action: (counts.get("ok", 0), sum(counts.get(o, 0) for o in OUTCOMES[1:]))
            for action, counts in actions.items()
        }
        assert exported_actions == expected_actions, version
        assert "BootNotification" in exported_actions
        assert ("StartTransaction" in exported_actions) == (version == "1.6")
        assert ("TransactionEvent" in exported_actions) == (version == "2.0.1")

        value = partial(_value, of_version)
        transactions = result["transactions"]
        assert transactions["started"] > 0, version
        assert value("ocpp_fleet_transactions_started_total") == transactions["started"]
        assert value("ocpp_fleet_transactions_ended_total") == transactions["ended"]
        assert value("ocpp_fleet_energy_delivered_joules_total") / 3.6e6 == pytest.approx(
            transactions["energy_kwh"], abs=0.001
        )
        assert value("ocpp_fleet_reconnects_total") == result["stations"]["reconnects"]
        # booted + offline = stations that ever booted, whatever is connected at the end
        booted_once = value("ocpp_fleet_stations", state="booted") + value(
            "ocpp_fleet_stations", state="offline"
        )
        assert booted_once == result["stations"]["booted"] == 3
        assert value("ocpp_fleet_ocpp_call_errors_total") == sum(
            stats["errors"] for stats in result["actions"].values()
        )
        assert value("ocpp_fleet_errors_total") == sum(error["count"] for error in result["errors"])


async def test_one_shard_of_a_mixed_fleet_labels_and_counts_its_own_slice(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """What a worker of `fleet run --workers 2` runs (run_job on its slice of the station
    indices): the same labels, and the stations configured in *this* process, so that PromQL's
    sum() over the workers' exporters is the fleet."""
    mix = OcppMix.parse("mix:0.5")
    slices = [range(k, 6, 2) for k in range(2)]
    per_shard = [mix.counts_of(indices) for indices in slices]
    assert {v: sum(c[v] for c in per_shard) for v in ("1.6", "2.0.1")} == mix.counts(6)

    summary, samples = await _run(_job("mix:0.5", indices=slices[1]))

    configured = {
        version: _value(samples, "ocpp_fleet_stations_configured", ocpp_version=version)
        for version in ("1.6", "2.0.1")
    }
    # with every other station 1.6, this worker's three are all 1.6 (the other's all 2.0.1); its
    # 2.0.1 gauges still read 0, so a sum over the workers adds up per version
    assert configured == per_shard[1] == {"1.6": 3, "2.0.1": 0}
    assert _versions(samples, "ocpp_fleet_stations") == {"1.6", "2.0.1"}
    assert _versions(samples, "ocpp_fleet_ocpp_request_duration_seconds_count") == {"1.6"}
    for name in GENERATOR_SAMPLES:
        assert _versions(samples, name) == {"mixed"}, name
    booted = sum(result["stations"]["booted"] for result in summary["by_ocpp_version"].values())
    assert booted == len(slices[1])


async def test_a_single_version_fleet_keeps_one_label_everywhere(
    autojump_clock: trio.testing.MockClock,
) -> None:
    _, samples = await _run(_job("1.6", stations=3))

    assert {labels["ocpp_version"] for _, labels, _ in samples} == {"1.6"}
    assert _value(samples, "ocpp_fleet_stations_configured") == 3


def _scrape(url: str) -> list[Sample]:
    with urllib.request.urlopen(url, timeout=5.0) as response:
        text = response.read().decode()
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


async def test_the_exporter_serves_both_versions_of_a_mixed_fleet(unused_port: int) -> None:
    """Real time and a real HTTP scrape: the exporter of a running mixed fleet."""
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=4, duration_s=60, ramp_per_s=20, seed=3),
        metrics_port=unused_port,
        ocpp=OcppMix.parse("mix:0.5"),
    )
    url = f"http://127.0.0.1:{unused_port}/metrics"
    boots: set[str] = set()
    samples: list[Sample] = []
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_job, job)
            while boots != {"1.6", "2.0.1"}:
                await trio.sleep(0.2)
                try:
                    samples = await trio.to_thread.run_sync(_scrape, url)
                except OSError:  # not listening yet
                    continue
                boots = {
                    labels["ocpp_version"]
                    for name, labels, value in samples
                    if name == "ocpp_fleet_ocpp_request_duration_seconds_count"
                    and labels["action"] == "BootNotification"
                    and value > 0
                }
            nursery.cancel_scope.cancel()
    assert _versions(samples, "ocpp_fleet_stations_configured") == {"1.6", "2.0.1"}
    assert _value(samples, "ocpp_fleet_stations_configured") == 4
    assert _versions(samples, "ocpp_fleet_generator_busy_ratio") == {"mixed"}
