"""Issue 18, finding 3: a result says how it was made (wall start/end, version, command line, the
simulated start, tags) and is enough to rerun the same test.

Before: the results JSON had none of it (no wall-clock time, no version, no command line, no
--start, no tags); now ``summary["run"]`` has all of it, secrets masked, plus a ``rerun`` command
line rebuilt from the effective options (so values from a config file are in it too).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._main import build_parser
from fleet.cli._ramp_options import resolve_ramp
from fleet.cli._run import _run_defaults
from fleet.cli._run_metadata import (
    MASK,
    effective_options,
    ended_run_metadata,
    mask_argv,
    mask_url,
    run_info_labels,
    started_run_metadata,
    tag,
)

FLEET = [sys.executable, "-m", "fleet"]


def _parse(*args: str) -> argparse.Namespace:
    ns = build_parser().parse_args(["run", *args])
    resolve_ramp(ns)  # as `fleet` does: --ramp-over becomes stations per second
    return ns


def test_a_tag_is_key_equals_value() -> None:
    assert tag("build=1234") == ("build", "1234")
    assert tag("branch=feature/x=y") == ("branch", "feature/x=y")  # only the first = splits
    assert tag("empty=") == ("empty", "")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("build", "expected KEY=VALUE"),
        ("1st=a", "tag key '1st'"),
        ("a-b=c", "tag key 'a-b'"),
        ("=x", "tag key ''"),
    ],
)
def test_a_bad_tag_is_refused_naming_it(text: str, problem: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=problem):
        tag(text)


def test_secret_values_are_masked_in_the_command_line() -> None:
    argv = [
        "run",
        "--password",
        "hunter2",
        "--stations",
        "5",
        "--password-pattern=pw-{station_id}",
        "--tag",
        "a=b",
    ]
    assert mask_argv(argv) == [
        "run",
        "--password",
        MASK,
        "--stations",
        "5",
        f"--password-pattern={MASK}",
        "--tag",
        "a=b",
    ]


def test_a_password_in_the_csms_url_is_masked_everywhere() -> None:
    url = "wss://SIM-1:hunter2@csms.example:9000/ocpp"
    ns = _parse("--csms", url)
    run = started_run_metadata(ns, argv=["run", "--csms", url], defaults=_run_defaults())
    masked = f"wss://SIM-1:{MASK}@csms.example:9000/ocpp"
    assert run["command"] == ["fleet", "run", "--csms", masked]
    assert run["config"]["csms_url"] == run["options"]["csms"] == masked
    assert "hunter2" not in repr(run) and mask_url("ws://127.0.0.1:9000") == "ws://127.0.0.1:9000"


def test_the_rerun_command_parses_back_to_the_same_options() -> None:
    ns = _parse(
        "--stations", "7", "--duration", "12", "--seed", "9", "--ocpp", "mix:0.25",
        "--slo", "p99(Heartbeat) < 300ms", "--slo", "error_rate < 1%", "--tag", "build=42", "--speed", "60",
        "--profile", "workplace", "--start", "2026-12-01T06:00:00Z", "--password", "hunter2",
        "--baseline-tolerance", "p99=20%", "--fault", "latency=50ms",
        "--source-addresses", "127.0.0.1-127.0.0.3",
        "--abort-on-fail", "--ramp-over", "10s", "--tag", "branch=main",
    )  # fmt: skip
    run = started_run_metadata(ns, argv=["run", "--stations", "7"], defaults=_run_defaults(), now=lambda: 1e9)
    rerun = run["rerun"]
    assert rerun[:2] == ["fleet", "run"]
    assert "hunter2" not in rerun and MASK in rerun
    again = _parse(*rerun[2:])
    first, second = effective_options(ns), effective_options(again)
    assert second == first  # every option, secrets masked on both sides
    assert run["tags"] == {"build": "42", "branch": "main"}
    assert run["config"]["ramp_per_s"] == 0.7  # --ramp-over 10s for 7 stations
    assert run["config"]["ocpp"] == "mix:0.25" and run["config"]["stations"] == 7
    assert run["sim_start"] == "2026-12-01T06:00:00.000Z"
    assert run["started_at"] == "2001-09-09T01:46:40.000Z"
    assert run["options"]["password"] == MASK
    assert run["profile"]["name"] == "workplace" and len(run["profile"]["sha256"]) == 64


def test_an_option_read_at_parse_time_is_rerun_as_typed(tmp_path: Path) -> None:
    script = tmp_path / "evening.toml"
    script.write_text(
        '[[step]]\nat = "+5s"\naction = "TriggerMessage"\npayload = { requestedMessage = "Heartbeat" }\n'
    )
    argv = ["run", "--csms-script", str(script), "--stations", "3"]
    run = started_run_metadata(_parse(*argv[1:]), argv=argv, defaults=_run_defaults())
    assert run["rerun"] == ["fleet", "run", "--csms-script", str(script), "--stations", "3"]


def test_without_start_the_simulated_start_is_the_wall_start() -> None:
    run = started_run_metadata(_parse(), argv=[], defaults=_run_defaults(), now=lambda: 1_800_000_000.25)
    assert run["sim_start_epoch"] == run["started_at_epoch"] == 1_800_000_000.25
    assert run["rerun"] == ["fleet", "run"]  # nothing differs from the defaults
    ended = ended_run_metadata(run, now=lambda: 1_800_000_090.75)
    assert ended["ended_at"] == "2027-01-15T08:01:30.750Z" and ended["wall_seconds"] == 90.5


def test_run_info_labels_are_prometheus_label_names() -> None:
    ns = _parse("--tag", "build=42", "--tag", "branch=main")
    labels = dict(run_info_labels(started_run_metadata(ns, argv=["run"], defaults=_run_defaults())))
    assert labels["tag_build"] == "42" and labels["tag_branch"] == "main"
    assert labels["profile"] == "simple" and labels["stations"] == "50" and labels["ocpp"] == "2.0.1"
    assert all(name.replace("_", "a").isalnum() for name in labels)


async def test_the_results_file_says_how_the_run_was_made(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["run", "--stations", "2", "--duration", "1", "--ramp", "50", "--drain-timeout", "1"]
    args += ["--tag", "build=1234", "--tag", "branch=main", "--password", "hunter2", "--out", str(out)]
    with trio.fail_after(60):
        done: subprocess.CompletedProcess[bytes] = await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False
        )
    assert done.returncode == 0, done.stderr.decode()
    run = json.loads(out.read_text())["run"]
    assert run["tool"] == "ocpp-fleet" and run["version"] not in ("", "unknown")
    assert run["tags"] == {"build": "1234", "branch": "main"}
    assert run["command"] == ["fleet", *args[:-4], "--password", MASK, "--out", str(out)]
    assert run["started_at"] < run["ended_at"] and run["wall_seconds"] >= 1.0
    assert run["config"]["stations"] == 2 and run["config"]["duration_s"] == 1.0
    assert "hunter2" not in out.read_text()
