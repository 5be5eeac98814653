"""The embedded CSMS for `fleet locust` without --host, as `fleet run` has one.

The CSMS runs on trio and Locust on gevent, which cannot share a process: it runs as a child,
`fleet csms --port 0` on a free loopback port, in a session of its own (Ctrl-C in the terminal
stops Locust, which then stops the CSMS) and, on Linux, told to end if Locust dies. Its first
line names its URL; when it is stopped it prints its ledger, summed up here in one line.
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_LISTENING = re.compile(r"listening on (ws://\S+?)/<station-id>")


class EmbeddedCsmsError(RuntimeError):
    """The embedded CSMS did not start; the message says why."""


@dataclass
class EmbeddedCsms:
    process: subprocess.Popen[bytes]
    url: str  # ws://127.0.0.1:PORT, the base URL the stations connect under

    @classmethod
    def start(cls, timeout_s: float = START_TIMEOUT_S) -> EmbeddedCsms:
        """`fleet csms` on a free loopback port, once it listens; EmbeddedCsmsError if it does not."""
        command = [sys.executable, "-m", "fleet", "csms", "--host", "127.0.0.1", "--port", "0"]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_end_with_parent if sys.platform == "linux" else None,
        )
        try:
            return cls(process, _listening_url(process, timeout_s))
        except EmbeddedCsmsError:
            process.kill()
            process.wait()
            raise

    def stop(self) -> str:
        """Stop the CSMS (as Ctrl-C would) and sum up what it received in one line."""
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            out, _ = process.communicate(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return f"the embedded CSMS at {self.url} did not stop within {STOP_TIMEOUT_S:g} s and was killed"
        return ledger_line(self.url, out)


def _listening_url(process: subprocess.Popen[bytes], timeout_s: float) -> str:
    """The URL of the CSMS's first line ("CSMS (OCPP 2.0.1) listening on ws://.../<station-id>")."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([process.stdout], [], [], left)
        if not ready:
            break
        line = process.stdout.readline().decode("utf-8", "replace")
        if not line:
            code = process.wait()
            raise EmbeddedCsmsError(
                f"the embedded CSMS (fleet csms --port 0) ended at start with exit code {code}"
            )
        if match := _LISTENING.search(line):
            return match.group(1)
    raise EmbeddedCsmsError(f"the embedded CSMS (fleet csms --port 0) did not listen within {timeout_s:g} s")


def ledger_line(url: str, out: bytes) -> str:
    """One line from the ledger summary `fleet csms` prints as JSON when it stops."""
    text = out.decode("utf-8", "replace")
    try:
        ledger = json.loads(text[text.index("{") :])
    except ValueError:
        return f"the embedded CSMS at {url} stopped (no ledger summary)"
    errors = sum(ledger.get("protocol_errors", {}).values())
    return (
        f"the embedded CSMS at {url} stopped: {ledger.get('stations_booted', 0)} stations booted, "
        f"{ledger.get('messages_total', 0)} messages, {ledger.get('transactions_started', 0)} transactions "
        f"started, {errors} protocol errors"
    )


def _end_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent (Locust) dies, even by SIGKILL."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
