"""A `fleet run` with its live console, for the console's tests: in-process (a logged-in httpx
client) or as a user starts it (a subprocess whose stderr names the console's URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import partial

import httpx
import trio

from fleet.engine import RunJob, run_job


@asynccontextmanager
async def logged_in_console(
    job: RunJob, port: int, password: str, wait_s: float
) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``job`` (its console on ``port``) and yield a client logged in to the console; the run
    is cancelled at the end."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(partial(run_job, job))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            with trio.fail_after(wait_s):
                while True:
                    try:
                        response = await client.post("/login", data={"password": password})
                        break
                    except httpx.ConnectError:
                        await trio.sleep(0.1)  # the run is still starting
            assert response.status_code == 303
            yield client
        nursery.cancel_scope.cancel()


@contextmanager
def console_of_fleet_run(arguments: Sequence[str], password: str, wait_s: float) -> Iterator[str]:
    """`fleet run ARGUMENTS --console-port 0` in a subprocess; yields the console's URL from its
    stderr line, stops the run with SIGINT at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fleet", "run", *arguments, "--console-port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"FLEET_CONSOLE_PASSWORD": password},
    )
    try:
        assert process.stderr is not None
        url = ""
        for _ in range(100):  # the console's line comes second or third
            line = process.stderr.readline()
            assert line, "fleet run ended before printing the console URL"
            if line.startswith("CSMS console on "):
                url = line.split()[3]
                break
        assert url
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=wait_s)
