"""`fleet run --deflate SHARE` as a user types it: a bad share is a one-line usage error, a good one
puts the negotiation in the text summary and the JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]


def test_a_share_over_one_is_refused_naming_the_option() -> None:
    done = subprocess.run([*FLEET, "run", "--deflate", "1.5"], capture_output=True, text=True, timeout=60)
    assert done.returncode == ExitCode.BAD_INPUT
    assert (
        done.stderr.splitlines()[-1]
        == "fleet run: error: argument --deflate: must be between 0 and 1, got 1.5"
    )


def test_a_run_with_every_station_on_deflate_says_so(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    done = subprocess.run(
        [
            *FLEET,
            "run",
            "--stations",
            "2",
            "--duration",
            "2",
            "--deflate",
            "1",
            "--drain-timeout",
            "0",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "permessage-deflate: 2 stations offered, 2 accepted" in done.stdout
    assert json.loads(out.read_text())["deflate"] == {"offered": 2, "accepted": 2}


def test_workers_add_up_what_their_stations_negotiated(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    command = ["run", "--workers", "2", "--stations", "4", "--duration", "2", "--deflate", "0.5"]
    done = subprocess.run(
        [*FLEET, *command, "--drain-timeout", "0", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["deflate"] == {"offered": 2, "accepted": 2}
