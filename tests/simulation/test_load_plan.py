"""From forecast to test (issue 21 item 11): `fleet simulate --load-plan` writes the forecast day
visit by visit; `fleet run --load-plan --from --to --speed` replays it against a CSMS, and the
CSMS's ledger holds the plan's sessions: as many, starting when the plan says, with its energy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import trio
import trio.testing

from fleet.behaviour import LoadPlan, LoadPlanError, read_load_plan
from fleet.cli._main import _parse
from fleet.cli._run import job_from_arguments
from fleet.csms import CsmsConfig, CsmsServer, TransactionRecord, read_ledger, serve_csms
from fleet.engine import run_job
from fleet.simulation import FleetSpec, SimulationConfig, build_fleet, forecast_with_plan, run_sharded

PROFILE = "urban_public"
STATIONS = 6
SEED = 3
WINDOW = ("07:00", "16:00")
WINDOW_S = (7 * 3600.0, 16 * 3600.0)
START_TOLERANCE_S = 90.0  # the drivers' human steps are drawn anew in the replay (5-30 s each)


def _fleet(*args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day of six street-side stations, forecast and written down by the CLI."""
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    out = path.with_name("forecast.json")
    done = _fleet(
        "simulate",
        *("--profile", PROFILE, "--stations", str(STATIONS), "--seed", str(SEED)),
        *("--load-plan", str(path), "--out", str(out)),
    )
    assert done.returncode == 0, done.stderr
    assert f"load plan written to {path}" in done.stderr
    assert "frames model" in done.stderr  # --load-plan runs the frames model
    return path


def test_the_plan_holds_the_forecast_sessions_and_its_settings(plan_file: Path) -> None:
    plan = read_load_plan(str(plan_file))
    forecast = json.loads(plan_file.with_name("forecast.json").read_text())
    assert (plan.profile, plan.stations, plan.seed, plan.hours) == (PROFILE, STATIONS, SEED, 24.0)
    assert plan.start_date == "2026-01-05" and plan.ocpp == "2.0.1"
    assert len(plan.sessions) == forecast["summary"]["transactions_started"] > 0
    for _, visit in plan.sessions:
        assert visit.arrival_s <= (visit.plugged_in_s or 0.0) <= (visit.started_s or 0.0)
        if visit.stopped_s is not None:
            assert visit.started_s is not None and visit.started_s < visit.stopped_s
            assert visit.energy_wh is not None and visit.energy_wh >= 0.0
        assert 0.0 <= visit.soc_percent <= 100.0 and visit.ev_model
    ended = sum(visit.energy_wh or 0.0 for _, visit in plan.sessions if visit.stopped_s is not None)
    assert ended > 0.0


def test_recording_the_plan_does_not_change_the_forecast() -> None:
    spec = FleetSpec(count=4, seed=SEED, profile=PROFILE)
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(hours=12, seed=SEED, epoch=epoch, profile_name=name, model="frames")
    recorded, plan = forecast_with_plan(config, spec)
    assert recorded.summary == run_sharded(config, spec, 1).summary
    assert len(plan.sessions) == recorded.summary["transactions_started"]


def _planned_in_window(plan: LoadPlan) -> list[tuple[str, float, float | None]]:
    """(station, start, energy of a session that ended in the window) of each planned session
    starting in the window. Against a CSMS the run does not drive, app users tap a card instead
    (the driver then checks the start after 60 s rather than 180 s, and a car that is full sooner
    takes less): their energy is not compared."""
    start, end = WINDOW_S
    found = []
    for station_id, visit in plan.sessions:
        assert visit.started_s is not None
        if start <= visit.started_s < end:
            ended = visit.stopped_s is not None and visit.stopped_s < end - 600.0
            compared = ended and visit.start_method != "app"
            found.append((station_id, visit.started_s, visit.energy_wh if compared else None))
    return found


async def _replay(plan_file: Path, port: int, ledger_out: Path) -> CsmsServer:
    ns = _parse(
        [
            "run",
            *("--load-plan", str(plan_file), "--from", WINDOW[0], "--to", WINDOW[1]),
            *("--speed", "600", "--csms", f"ws://127.0.0.1:{port}", "--ramp", "50"),
        ]
    )
    job = job_from_arguments(ns)
    assert job.fleet.stations == STATIONS and job.fleet.duration_s == pytest.approx(54.0)
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(
            serve_csms, CsmsConfig(ledger_out=str(ledger_out)), "127.0.0.1", port
        )
        with trio.fail_after(600):
            result = await run_job(job)
        assert result.exit_code == 0, result.failure
        nursery.cancel_scope.cancel()
    return server


async def test_the_replay_puts_the_planned_sessions_on_the_wire(
    plan_file: Path, tmp_path: Path, autojump_clock: trio.testing.MockClock, unused_port: int
) -> None:
    plan = read_load_plan(str(plan_file))
    start = WINDOW_S[0]
    under_way = [v for s in plan.station_plans for e in s.evses for v in e.visits if v.arrival_s < start]
    assert all((v.unplugged_s or v.departs_s) <= start for v in under_way), "pick a window nobody straddles"
    planned = _planned_in_window(plan)
    assert len(planned) >= 4 and sum(energy is not None for _, _, energy in planned) >= 2
    ledger_out = tmp_path / "ledger.jsonl"
    server = await _replay(plan_file, unused_port, ledger_out)
    started_at = {
        entry.transaction_id: entry.timestamp
        for _, entry in read_ledger(str(ledger_out))
        if entry.event_type == "Started"
    }
    replayed = [
        (record.station_id, started_at[record.transaction_id].timestamp() - plan.epoch, record)
        for record in server.ledger.transactions.values()
        if record.started and record.transaction_id in started_at
    ]
    assert len(replayed) == len(planned), (replayed, planned)
    for station_id, planned_start, energy_wh in planned:
        match = _closest(replayed, station_id, planned_start)
        assert abs(match[1] - planned_start) <= START_TOLERANCE_S, (station_id, planned_start, match[1])
        if energy_wh is not None:
            assert match[2].ended
            assert match[2].delivered_wh == pytest.approx(energy_wh, rel=0.03, abs=150.0)


def _closest(
    replayed: list[tuple[str, float, TransactionRecord]], station_id: str, at: float
) -> tuple[str, float, TransactionRecord]:
    candidates = [entry for entry in replayed if entry[0] == station_id]
    assert candidates, f"no replayed transaction at {station_id}"
    return min(candidates, key=lambda entry: abs(entry[1] - at))


def test_fleet_run_replays_a_window_of_the_plan(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    done = _fleet(
        "run",
        *("--load-plan", str(plan_file), "--from", "07:00", "--to", "08:00", "--speed", "600"),
        *("--out", str(out)),
    )
    assert done.returncode == 0, done.stderr
    assert (
        f"fleet run: load plan {plan_file}: profile {PROFILE}, {STATIONS} stations, 07:00-08:00"
        in done.stderr
    )
    assert f"fleet: {STATIONS} stations -> the embedded CSMS, 6 s" in done.stderr
    summary = json.loads(out.read_text())
    plan = read_load_plan(str(plan_file))
    planned = [visit for _, visit in plan.sessions if 7 * 3600 <= (visit.started_s or 0.0) < 8 * 3600]
    assert summary["csms"]["transactions_started"] == len(planned) > 0


def test_a_replay_in_another_ocpp_version_is_noted(plan_file: Path) -> None:
    done = _fleet("run", "--load-plan", str(plan_file), "--ocpp", "1.6", "--to", "00:10", "--speed", "600")
    assert done.returncode == 0, done.stderr
    assert f"fleet run: note: load plan {plan_file} was forecast with --ocpp 2.0.1;" in done.stderr


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--from", "07:00"), "--from and --to pick a window of a load plan: use them with --load-plan"),
        (("--load-plan", "PLAN", "--from", "08:00", "--to", "07:00"), "--to 07:00 is not after --from 08:00"),
        (("--load-plan", "PLAN", "--from", "30:00"), "--from 30:00: the plan PLAN ends at 24:00"),
        (("--load-plan", "PLAN", "--profile", "workplace"), "--load-plan brings its profile"),
        (("--load-plan", "missing.json"), "load plan missing.json: cannot read it"),
        (("--load-plan", "PLAN", "--to", "7pm"), "argument --to: expected a time of the plan's day as HH:MM"),
    ],
)
def test_fleet_run_refuses_a_bad_load_plan_or_window(
    plan_file: Path, args: tuple[str, ...], error: str
) -> None:
    args = tuple(str(plan_file) if arg == "PLAN" else arg for arg in args)
    done = _fleet("run", *args, "--duration", "1s")
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # one line saying what is wrong (after a usage)
    assert last.startswith("fleet run: error: ") and error.replace("PLAN", str(plan_file)) in last


def test_a_file_that_is_no_load_plan_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "plan.json"
    bogus.write_text('{"format": "something else"}')
    with pytest.raises(
        LoadPlanError, match=r"load plan .*plan\.json: not a load plan written by `fleet simulate`"
    ):
        read_load_plan(str(bogus))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--model", "sessions"), "--load-plan records the frames model's drivers"),
        (("--seeds", "3"), "--load-plan writes one forecast day: use it without --seeds"),
    ],
)
def test_fleet_simulate_refuses_a_load_plan_it_cannot_record(
    tmp_path: Path, args: tuple[str, ...], error: str
) -> None:
    plan = tmp_path / "plan.json"
    done = _fleet("simulate", "--profile", PROFILE, "--stations", "2", "--load-plan", str(plan), *args)
    assert done.returncode == 2, done.stderr
    assert error in done.stderr and not plan.exists()
    simple = _fleet("simulate", "--stations", "2", "--hours", "1", "--load-plan", str(plan))
    assert simple.returncode == 2 and "--load-plan writes down a profile's visits" in simple.stderr
