"""Which stations a process runs (FleetConfig.my_indices) and where their reports go
(RecorderTopology): the totals, and in a mixed fleet also their OCPP version's own results."""

from prometheus_client import CollectorRegistry, generate_latest

from fleet.engine import FleetConfig, OcppMix
from fleet.engine._metrics_export import dead_worker_export
from fleet.engine._recorder_topology import RecorderTopology
from fleet.metrics import RunRecorder


def test_my_indices_are_the_shard_or_the_whole_fleet() -> None:
    assert FleetConfig(csms_url="", stations=5).my_indices == range(5)
    assert FleetConfig(csms_url="", stations=5, indices=range(2, 4)).my_indices == range(2, 4)
    assert FleetConfig(csms_url="", stations=5, indices=range(0)).my_indices == range(0)


def _topology(ocpp: str, stations: range, registry: CollectorRegistry | None = None) -> RecorderTopology:
    return RecorderTopology.open(
        RunRecorder(),
        OcppMix.parse(ocpp),
        stations,
        metrics_host="127.0.0.1",
        metrics_port=None,
        registry=registry,
    )


def _connected(recorder: RunRecorder) -> int:
    stations: dict[str, int] = recorder.summary(ocpp_version="any", duration_s=1.0, stations_configured=1)[
        "stations"
    ]
    return stations["connected_at_end"]


async def test_a_mixed_fleet_reports_to_the_totals_and_to_its_version() -> None:
    recorders = _topology("mix:0.5", range(4))
    assert sorted(recorders.by_version) == ["1.6", "2.0.1"]
    recorders.for_version("1.6").station_connected()
    recorders.for_version("2.0.1").station_connected()
    recorders.for_version("").station_connected()  # a station of unknown version: the totals only
    assert _connected(recorders.run) == 3
    assert _connected(recorders.by_version["1.6"]) == 1
    assert _connected(recorders.by_version["2.0.1"]) == 1


async def test_a_single_version_fleet_reports_to_the_totals_only() -> None:
    recorders = _topology("1.6", range(3))
    assert recorders.by_version == {}
    assert recorders.for_version("1.6") is recorders.reports
    assert recorders.registry is None and recorders.export is None


async def test_prometheus_counts_the_shards_stations_per_version() -> None:
    registry = CollectorRegistry()
    mix = OcppMix.parse("mix:0.5")
    shard = range(1, 4)
    recorders = _topology("mix:0.5", shard, registry)
    assert recorders.registry is registry
    configured = {
        line.split('ocpp_version="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in generate_latest(registry).decode().splitlines()
        if line.startswith("ocpp_fleet_stations_configured{")
    }
    assert configured == {version: float(n) for version, n in mix.counts_of(shard).items()}


async def test_run_info_is_published_with_the_fleet_series() -> None:
    """Issue 18: ``ocpp_fleet_run_info{...} 1`` with RunJob.run_info's labels (the CLI fills them)."""
    registry = CollectorRegistry()
    labels = (("version", "0.9.0"), ("command", "fleet run --stations 5"), ("tag_nightly", "yes"))
    RecorderTopology.open(
        RunRecorder(),
        OcppMix.parse("2.0.1"),
        range(5),
        metrics_host="127.0.0.1",
        metrics_port=None,
        registry=registry,
        run_info=labels,
    )
    assert registry.get_sample_value("ocpp_fleet_run_info", dict(labels)) == 1.0
    assert registry.get_sample_value("ocpp_fleet_run_info") is None  # exactly those labels


async def test_no_run_info_series_without_run_info() -> None:
    registry = CollectorRegistry()
    _topology("2.0.1", range(2), registry)
    assert "ocpp_fleet_run_info" not in generate_latest(registry).decode()


def test_the_port_of_a_dead_worker_keeps_the_run_info() -> None:
    """--workers: the parent serves a dead worker's port with the labels every worker published."""
    labels = (("version", "0.9.0"), ("tag_nightly", "yes"))
    export = dead_worker_export(
        "127.0.0.1",
        0,
        stations_by_version={"2.0.1": 2},
        ocpp_version="2.0.1",
        booted=1,
        death="killed by SIGKILL",
        run_info=labels,
    )
    try:
        assert export.registry.get_sample_value("ocpp_fleet_run_info", dict(labels)) == 1.0
    finally:
        assert export.exporter is not None
        export.exporter.close()
