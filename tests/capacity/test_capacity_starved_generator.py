"""A really starved generator, not an injected one: `fleet capacity` runs as a child process that
gets a quarter of a core in slices (stopped 170 ms, running 60 ms, by SIGSTOP/SIGCONT), the way a
generator on an overloaded machine or in a tiny container does. Its stations' timers run up to
170 ms late, so its own health says it is saturated: the search must answer "inconclusive:
generator saturated" with the workers it needs, never a breakpoint of the CSMS."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}
# about a quarter of a core, in slices longer than the 100 ms lateness limit; the 230 ms cycle
# does not divide the 1 s heartbeat, so the stations' timers cannot all lock onto the running slice
STOPPED_S, RUNNING_S = 0.170, 0.060

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIGSTOP/SIGCONT slicing is POSIX")


async def _starve(process: trio.Process) -> None:
    """Hold ``process`` stopped most of the time until it exits (the duty cycle is the starvation,
    not a wait for a result)."""
    while process.returncode is None:
        _signal_group(process, signal.SIGSTOP)
        await trio.sleep(STOPPED_S)
        _signal_group(process, signal.SIGCONT)
        await trio.sleep(RUNNING_S)


def _signal_group(process: trio.Process, signum: int) -> None:
    """The whole process group: the search's steps may run in worker processes of their own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


async def test_a_starved_generator_is_inconclusive_never_a_breakpoint(tmp_path: Path) -> None:
    out = tmp_path / "capacity.json"
    args = [
        "capacity",
        "--slo", "p99(Heartbeat) < 100ms",
        "--start-stations", "20",
        "--max-stations", "40",
        "--hold", "4s",
        "--warmup", "1s",
        "--ramp", "1000",
        "--csms-heartbeat-interval", "1",
        "--idle-mean", "1h",
        "--drain-timeout", "0",
        "--out", str(out),
    ]  # fmt: skip
    with trio.fail_after(150):
        async with trio.open_nursery() as nursery:
            process = await trio.lowlevel.open_process(
                [*FLEET, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=CLEAN_ENV,
                start_new_session=True,
            )
            nursery.start_soon(_starve, process)
            stdout, stderr = await _read_all(process)
            await process.wait()
    said = stderr.decode()
    assert process.returncode == int(ExitCode.FAILED), said
    answer = stdout.decode().strip()
    assert answer.startswith("inconclusive: generator saturated at 20 stations ("), answer
    assert "worker processes (--workers" in answer and "breaks at" not in answer
    assert "step 1: 20 stations, " in said and "INCONCLUSIVE" in said
    result = json.loads(out.read_text())
    assert (result["finding"], result["breaks_at"], result["inconclusive_at"]) == ("inconclusive", None, 20)
    (step,) = result["steps"]
    assert step["generator"]["saturated"] and step["workers_needed"] >= 2
    assert any("late" in reason or "lag" in reason for reason in step["generator"]["reasons"])


async def _read_all(process: trio.Process) -> tuple[bytes, bytes]:
    assert process.stdout is not None and process.stderr is not None
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    async def drain(stream: trio.abc.ReceiveStream, into: list[bytes]) -> None:
        while chunk := await stream.receive_some():
            into.append(bytes(chunk))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(drain, process.stdout, chunks["out"])
        nursery.start_soon(drain, process.stderr, chunks["err"])
    return b"".join(chunks["out"]), b"".join(chunks["err"])
