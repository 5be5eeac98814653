"""fleet.processes: a child gets its spec, its messages reach the parent whole, a death is named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from fleet.processes import ChildDied, WorkerProcess, describe_exit, results_of_children

_ECHO = "_processes_children:echo"
_DIE = "_processes_children:die"


@pytest.fixture(autouse=True)
def _children_find_their_module(monkeypatch: pytest.MonkeyPatch) -> None:
    here = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))


def test_exit_descriptions() -> None:
    assert describe_exit(-9) == "killed by SIGKILL (exit code -9)"
    assert describe_exit(3) == "exit code 3"


async def test_a_child_sends_back_messages_larger_than_one_read() -> None:
    big = bytes(range(256)) * 1024  # 256 KiB: several reads of the pipe, one message
    spec = ["first", big, {"nested": [1, 2.5, None]}, "last"]
    with trio.fail_after(30):
        worker = await WorkerProcess.start(_ECHO, spec, "echo child")
        got = [message async for message in worker.messages()]
        assert await worker.wait() == 0
    assert got == spec


def test_each_child_gives_its_last_message_in_order() -> None:
    jobs = [(f"echo child {n}", [f"report of {n}", f"result of {n}"]) for n in range(3)]
    assert results_of_children(_ECHO, jobs) == ["result of 0", "result of 1", "result of 2"]


def test_a_child_that_dies_without_a_result_is_named_with_its_exit() -> None:
    with pytest.raises(ChildDied) as caught:
        results_of_children(_DIE, [("child 0 (stations 0..4)", [])])
    assert (
        str(caught.value)
        == "child 0 (stations 0..4) died without a result (killed by SIGKILL (exit code -9))"
    )
    assert caught.value.exit_code == -9


def test_a_child_that_exits_without_sending_is_a_death_too() -> None:
    # it sends nothing: an empty spec
    jobs = [("echo child 0", ["result"]), ("echo child 1", [])]
    with pytest.raises(ChildDied, match=r"^echo child 1 died without a result \(exit code 0\)$"):
        results_of_children(_ECHO, jobs)
