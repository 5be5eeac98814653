"""The processes of a bench run: the target (embedded CSMS or minimal responder) and the
generator worker, each its own process so the generator's CPU and memory are measured alone."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench._machine import REPO

_URL = re.compile(r"ws://[\w.\[\]:-]+:(\d+)")
# the embedded CSMS as `fleet csms` runs it, without importing the whole CLI (seconds of start-up)
_CSMS_MAIN = (
    "import sys, contextlib, trio; from fleet.csms import CsmsConfig, run_csms\n"
    "from fleet.processes import tune_gc_for_long_runs\n"
    "tune_gc_for_long_runs()\n"
    "config = CsmsConfig(heartbeat_interval=int(sys.argv[2]), response_delay_s=float(sys.argv[3]))\n"
    "with contextlib.suppress(KeyboardInterrupt): trio.run(run_csms, config, '127.0.0.1', int(sys.argv[1]))"
)
# `fleet csms --workers N`: N processes on one port (SO_REUSEPORT); prints the merged ledger on SIGINT
_CSMS_WORKERS_MAIN = (
    "import sys, trio; from fleet.csms import CsmsConfig, run_csms_workers\n"
    "config = CsmsConfig(heartbeat_interval=int(sys.argv[2]), response_delay_s=float(sys.argv[3]))\n"
    "trio.run(run_csms_workers, config, '127.0.0.1', int(sys.argv[1]), int(sys.argv[4]))"
)


class BenchProcessError(Exception):
    """A target or worker process that did not start or finish; carries its stderr tail."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # the bench package lives in the repository, not in site-packages
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


class Target:
    """The server the generator talks to; ``restart`` stops it and starts it on the same port."""

    def __init__(
        self, kind: str, heartbeat_interval: int, response_delay_s: float = 0.0, workers: int = 1
    ) -> None:
        self.kind = kind
        self._workers = workers
        self._heartbeat_interval = heartbeat_interval
        self._response_delay_s = response_delay_s
        self.port = 0
        self.url = ""
        self.ledgers: list[dict[str, Any]] = []  # the embedded CSMS's ledger, one per life
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _command(self) -> list[str]:
        hb = str(self._heartbeat_interval)
        if self.kind == "responder":
            return [
                sys.executable,
                "-m",
                "bench._responder",
                "--port",
                str(self.port),
                "--heartbeat-interval",
                hb,
            ]
        delay = str(self._response_delay_s)
        if self._workers > 1:
            return [sys.executable, "-c", _CSMS_WORKERS_MAIN, str(self.port), hb, delay, str(self._workers)]
        return [sys.executable, "-c", _CSMS_MAIN, str(self.port), hb, delay]

    def start(self, timeout_s: float = 30.0) -> None:
        # held open for the process's life, read back only to explain a failure
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self._command(), stdout=subprocess.PIPE, stderr=self._log, cwd=REPO, env=_environment()
        )
        assert self._process.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = b""
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            match = _URL.search(line.decode(errors="replace"))
            if match:
                self.port = int(match.group(1))
                self.url = match.group(0)
                return
            if not line and self._process.poll() is not None:
                break
        self.stop()
        raise BenchProcessError(f"the {self.kind} did not start listening: {_tail(self._log)}")

    def stop(self) -> None:
        """SIGINT, so the embedded CSMS prints its ledger on the way out; keep the ledger."""
        process = self._process
        if process is None:
            return
        self._process = None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
        text = rest.decode(errors="replace").strip()
        if text.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                self.ledgers.append(json.loads(text))

    def restart(self, down_s: float) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


class Worker:
    """The generator worker process: ``python -m bench._worker JOB RAW``."""

    def __init__(self, job_path: Path, raw_path: Path, timeout_s: float) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the worker runs
        self._deadline = time.monotonic() + timeout_s
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench._worker", str(job_path), str(raw_path)],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            cwd=REPO,
            env=_environment(),
        )

    def wait(self) -> None:
        try:
            code = self._process.wait(timeout=max(1.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise BenchProcessError(
                f"the generator worker did not finish in time: {_tail(self._log)}"
            ) from None
        if code != 0:
            raise BenchProcessError(f"the generator worker failed (exit {code}): {_tail(self._log)}")
