"""Run the `ocpp`-library CSMS (ocpp_lib_csms.py) as a subprocess for the length of a test."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("ocpp_lib_csms.py")
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
_MAX_STARTUP_READS = 1000  # the script prints one line; bounds the loop should it chatter


class CsmsProcessError(RuntimeError):
    """The CSMS subprocess did not start, did not stop, or left no summary; the message has its log."""


@dataclass
class OcppLibCsms:
    """A running third-party CSMS: where to connect, and what it saw once stopped."""

    port: int
    path_prefix: str
    process: subprocess.Popen[bytes]
    workdir: Path
    _summary: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Base URL; a station connects to ``f"{url}/{station_id}"``."""
        return f"ws://127.0.0.1:{self.port}{self.path_prefix}"

    def station_url(self, station_id: str) -> str:
        return f"{self.url}/{station_id}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "csms.log"

    @property
    def summary_path(self) -> Path:
        return self.workdir / "summary.json"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def failure(self, what: str) -> CsmsProcessError:
        """An error saying ``what`` went wrong, with the end of the CSMS log to show why."""
        return CsmsProcessError(f"{what}; log {self.log_path}:\n{self.log()[-3000:]}")

    def summary(self, timeout: float = STOP_TIMEOUT) -> dict[str, Any]:
        """Stop the CSMS (SIGTERM) and return its summary; later calls return the same summary."""
        if self._summary is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                returncode = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
                raise self.failure(f"CSMS did not stop within {timeout} s of SIGTERM") from None
            if not self.summary_path.exists():
                raise self.failure(f"CSMS exited with {returncode} without writing {self.summary_path}")
            self._summary = json.loads(self.summary_path.read_text(encoding="utf-8"))
        return self._summary


@contextmanager
def start_ocpp_lib_csms(
    port: int,
    tmp_path: Path,
    *,
    path_prefix: str = "/ocpp",
    max_seconds: float = 300.0,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[OcppLibCsms]:
    """Start the strict `ocpp`-library CSMS on 127.0.0.1:``port`` (0: any free port).

    Yields once it listens; the process is always gone after the ``with`` block.
    """
    workdir = Path(tempfile.mkdtemp(prefix="ocpp_lib_csms-", dir=tmp_path))
    ready_file = workdir / "ready"
    command = [
        sys.executable,
        str(SCRIPT),
        *("--port", str(port), "--path-prefix", path_prefix, "--ready-file", str(ready_file)),
        *("--summary", str(workdir / "summary.json"), "--max-seconds", str(max_seconds)),
    ]
    with (workdir / "csms.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log)
        try:
            csms = OcppLibCsms(0, path_prefix, process, workdir)
            csms.port = _wait_until_ready(csms, ready_file, startup_timeout)
            yield csms
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
            if process.stdout is not None:
                process.stdout.close()


def _wait_until_ready(csms: OcppLibCsms, ready_file: Path, timeout: float) -> int:
    # wait on the "READY <port>" line rather than polling the file in a sleep loop: no wall-clock
    # sleeps, and a crash at startup (EOF on stdout) is seen at once, not after the timeout.
    # Raw os.read on the pipe: a buffered reader could hold the line while select() waits on the fd.
    stdout = csms.process.stdout
    assert stdout is not None
    fd = stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    for _ in range(_MAX_STARTUP_READS):
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([fd], [], [], max(remaining, 0.0))
        if not readable:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            code = csms.process.wait(timeout=STOP_TIMEOUT)
            raise csms.failure(f"CSMS exited during startup (code {code}, printed {seen[-500:]!r})")
        seen += chunk
        if b"READY " in seen and ready_file.exists():
            return int(ready_file.read_text(encoding="utf-8").strip())
    raise csms.failure(f"CSMS not listening within {timeout} s")
