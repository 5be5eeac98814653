"""Issue 17, finding 1: no results lost at the end of a run.

Before: `fleet run --out /nonexistent/dir/r.json` ran the whole load, printed the summary, then
died with a FileNotFoundError traceback and exit 1 (the "CSMS unreachable" code); --report the
same; --capture /nonexistent/c.jsonl failed at start with an ExceptionGroup traceback. Now every
output path is checked before the first station starts (one line, exit 2), and a write that
still fails at the end goes to a fallback file that stderr names.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._exit_codes import ExitCode
from fleet.cli._output_paths import Output, output_path_problem, write_or_fall_back

FLEET = [sys.executable, "-m", "fleet"]
QUICK_RUN = ["run", "--stations", "2", "--duration", "1", "--ramp", "50", "--drain-timeout", "1"]


async def _fleet(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, cwd=cwd
        )


@pytest.mark.parametrize(
    ("option", "name", "problem"),
    [
        ("--out", "missing/r.json", "directory {tmp}/missing does not exist"),
        ("--report", "missing/r.html", "directory {tmp}/missing does not exist"),
        ("--capture", "missing/c.jsonl", "directory {tmp}/missing does not exist"),
        ("--out", ".", "is a directory, expected a file name"),
        ("--report", "file/r.html", "{tmp}/file is not a directory"),
    ],
)
async def test_a_bad_output_path_is_refused_before_any_station_starts(
    tmp_path: Path, option: str, name: str, problem: str
) -> None:
    (tmp_path / "file").write_text("")
    path = str(tmp_path / name)
    done = await _fleet(*QUICK_RUN, option, path)
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.BAD_INPUT, stderr
    assert stderr == f"fleet run: error: {option} {path}: {problem.format(tmp=tmp_path)}\n"
    assert done.stdout == b""  # no summary: nothing ran


@pytest.mark.parametrize("option", ["--out", "--plot"])
async def test_simulate_refuses_a_bad_output_path_before_simulating(tmp_path: Path, option: str) -> None:
    path = str(tmp_path / "missing" / "f")
    done = await _fleet("simulate", "--stations", "2", "--hours", "1", option, path)
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.BAD_INPUT, stderr
    assert stderr == f"fleet simulate: error: {option} {path}: directory {tmp_path}/missing does not exist\n"


async def test_results_whose_directory_vanished_during_the_run_are_saved_under_a_fallback_name(
    tmp_path: Path,
) -> None:
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    process = await trio.lowlevel.open_process(
        [*FLEET, *QUICK_RUN, "--out", str(out_dir / "r.json"), "--report", str(out_dir / "r.html")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=work,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None and process.stdout is not None
    try:
        with trio.fail_after(60):
            stderr = b""
            while b"stations ->" not in stderr:  # said after the paths were checked, before the run
                chunk = await process.stderr.receive_some()
                assert chunk, f"fleet exited early: {stderr.decode()}"
                stderr += chunk
            out_dir.rmdir()  # the directory goes away during the run
            stdout = b""
            while chunk := await process.stdout.receive_some():
                stdout += chunk
            while chunk := await process.stderr.receive_some():
                stderr += chunk
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = stderr.decode()
    assert "Traceback" not in text
    assert process.returncode == ExitCode.BAD_INPUT, text
    assert b"BootNotification" in stdout  # the summary came first
    saved = sorted(work.iterdir())
    assert [path.suffix for path in saved] == [".html", ".json"]
    assert all(path.name.startswith(("fleet-results-", "fleet-report-")) for path in saved)
    for option, path in (("--out", saved[1]), ("--report", saved[0])):
        lines = [line for line in text.splitlines() if line.startswith(f"fleet run: error: {option} ")]
        assert lines == [
            f"fleet run: error: {option} {out_dir / ('r' + path.suffix)}: cannot write "
            f"(No such file or directory); {'results' if option == '--out' else 'report'} "
            f"saved to {path} instead"
        ]
    assert json.loads(saved[1].read_text())["actions"]["BootNotification"]["ok"] == 2


def _disk_full(path: str) -> None:
    """A writer whose disk is full everywhere but in the working directory."""
    if not path.startswith(os.curdir + os.sep):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
    Path(path).write_text("{}")


def test_a_full_disk_saves_the_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    output = Output("--out", "/full/r.json", "results", ".json")
    assert not write_or_fall_back("fleet run", output, _disk_full)
    (saved,) = tmp_path.iterdir()
    assert saved.name.startswith("fleet-results-") and saved.name.endswith(".json")
    assert capsys.readouterr().err == (
        f"fleet run: error: --out /full/r.json: cannot write (No space left on device); "
        f"results saved to {saved} instead\n"
    )


def test_when_the_working_directory_fails_too_the_temp_directory_takes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written: list[str] = []

    def only_temp(path: str) -> None:
        if not path.startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        written.append(path)

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    output = Output("--report", "r.html", "report", ".html")
    assert not write_or_fall_back("fleet run", output, only_temp)
    assert len(written) == 1 and Path(written[0]).parent == tmp_path
    assert f"report saved to {written[0]} instead" in capsys.readouterr().err


def test_a_write_that_succeeds_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    output = Output("--out", str(path), "results", ".json")
    assert write_or_fall_back("fleet run", output, lambda target: Path(target).write_text("{}"))
    assert path.read_text() == "{}" and capsys.readouterr().err == ""


def test_output_path_problem_names_what_is_wrong(tmp_path: Path) -> None:
    assert output_path_problem(str(tmp_path / "new.json")) is None
    assert output_path_problem(str(tmp_path)) == "is a directory, expected a file name"
    assert output_path_problem(str(tmp_path / "a" / "b.json")) == f"directory {tmp_path / 'a'} does not exist"
