"""CPU time and RSS of the generator: this process plus every process it started (the shard
workers of a ``--workers N`` run), read from Linux /proc so that both add up in one figure.

A child's CPU time counts while it is alive (the harness measures the run's window, before the
workers exit). Elsewhere than Linux only this process is measured (``resource``/``time``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((_PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...)."""
    out: list[int] = []
    todo = _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo.extend(_children(child))
    return out


def _cpu_s(pid: int) -> float:
    # /proc/PID/stat: the command may hold spaces, so split after its closing parenthesis;
    # utime and stime are fields 14 and 15 of the whole line
    text = (_PROC / str(pid) / "stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _rss(pid: int) -> int:
    return int((_PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE


def tree_usage(pid: int | None = None) -> tuple[float, int, int]:
    """(CPU seconds, RSS bytes, processes) of ``pid`` (default: this one) and its descendants.
    A process that exits while being read is left out of that sample."""
    root = os.getpid() if pid is None else pid
    if not _PROC.is_dir():
        return time.process_time(), 0, 1
    cpu, rss, count = 0.0, 0, 0
    for member in (root, *descendants(root)):
        try:
            cpu += _cpu_s(member)
            rss += _rss(member)
        except (OSError, ValueError, IndexError):
            continue
        count += 1
    return cpu, rss, count
