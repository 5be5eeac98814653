"""The files a command writes: checked before any work starts, and never lost at the end.

A run that loads a CSMS for an hour and then cannot write ``--out`` must neither die with a
traceback nor throw the results away. So every output option is checked before the first
station starts (`check_output_options`: one line naming the option, the path and what is
wrong), and a write that still fails at the end (the disk filled up, the directory was removed
during the run) goes to a fallback file in the working directory, or the temporary directory if
that fails too, named ``fleet-<what>-<UTC time>.<ext>`` (`write_or_fall_back`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


def output_path_problem(path: str) -> str | None:
    """Why ``path`` cannot be written as a new or replaced file, or None if it can."""
    target = Path(path)
    if target.is_dir():
        return "is a directory, expected a file name"
    if target.exists() and not os.access(target, os.W_OK):
        return "exists and is not writable"
    directory = target.absolute().parent
    if not directory.exists():
        return f"directory {directory} does not exist"
    if not directory.is_dir():
        return f"{directory} is not a directory"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"directory {directory} is not writable"
    return None


def check_output_options(command: str, options: Sequence[tuple[str, str | None]]) -> bool:
    """Print one line for the first of ``options`` ((``--out``, its path or None), ...) whose path
    cannot be written; False if there was one."""
    for option, path in options:
        problem = None if path is None else output_path_problem(path)
        if problem is not None:
            print(f"{command}: error: {option} {path}: {problem}", file=sys.stderr)
            return False
    return True


@dataclass(frozen=True, slots=True)
class Output:
    """One file a command writes at the end: the option that asked for it, its path, what it
    holds (``results``, ``report``: the fallback's name) and its suffix."""

    option: str
    path: str
    what: str
    suffix: str


def write_or_fall_back(command: str, output: Output, write: Callable[[str], object]) -> bool:
    """``write(output.path)``; if that fails with an OSError, write to a fallback file instead and
    say where in one line on stderr. True if the file is where it was asked for."""
    try:
        write(output.path)
    except OSError as exc:
        saved = _write_fallback(output, write)
        where = f"{output.what} saved to {saved} instead" if saved else "no fallback file written either"
        print(
            f"{command}: error: {output.option} {output.path}: cannot write ({_reason(exc)}); {where}",
            file=sys.stderr,
        )
        return False
    return True


def _write_fallback(output: Output, write: Callable[[str], object]) -> str | None:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = f"fleet-{output.what}-{stamp}-{os.getpid()}{output.suffix}"
    for directory in (os.curdir, tempfile.gettempdir()):
        path = os.path.join(directory, name)
        try:
            write(path)
            return os.path.abspath(path)
        except OSError:
            continue
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
