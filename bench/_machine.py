"""Facts about the machine and the code a result was measured on, so results stay comparable."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def machine_facts() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        # uncommitted edits: the figures belong to the working tree, not to the commit
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "versions": {
            name: _version(name) for name in ("trio", "trio-websocket", "msgspec", "ocpp", "websockets")
        },
    }


def _memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None
    return round(pages / 2**30, 1)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, cwd=REPO, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None
