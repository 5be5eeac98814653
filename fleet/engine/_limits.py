"""Open-file limits: each station holds a socket, and one process may open only so many files."""

from __future__ import annotations

import contextlib
import resource

# stdio, trio's wakeup and epoll fds, a capture file, imported modules: kept out of the station budget
_RESERVED_FILES = 64


class TooManyStations(Exception):
    """More stations in one process than its open-file limit allows."""


def raise_open_file_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; return the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < target:
        # the kernel's own cap (nr_open) may be lower than the hard limit: then keep what we have
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def stations_per_process(sockets_per_station: int = 1) -> int:
    """How many stations one process can hold under its (raised) open-file limit."""
    return max(0, (raise_open_file_limit() - _RESERVED_FILES) // sockets_per_station)


def check_open_files(stations: int, *, sockets_per_station: int, what: str, fix: str) -> None:
    """Raise TooManyStations, saying what to change, if ``stations`` do not fit in one process."""
    limit = stations_per_process(sockets_per_station)
    if stations > limit:
        files = stations * sockets_per_station + _RESERVED_FILES
        raise TooManyStations(
            f"{what}: {stations} stations need about {files} open files, but a process may open "
            f"{raise_open_file_limit()} here (ulimit -n, hard limit included), so at most {limit} "
            f"stations per process; {fix}"
        )
