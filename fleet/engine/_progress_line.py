"""The progress line on a terminal: rewritten in place, never wider than the terminal.

A line wider than the terminal wraps, and ``\\r`` then rewrites only its last row: the screen
fills with half lines. So the line is fitted to the width of the terminal stderr is on: the least
important fields of ``fleet.metrics.format_progress``'s line go first, whole (never cut
mid-word), and it is padded only as far as needed to clear the longer line before it.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

DEFAULT_COLUMNS = 80  # when stderr is no terminal and $COLUMNS says nothing
ELLIPSIS = "..."  # ASCII: stderr may not speak UTF-8

# the fields of format_progress's line, least important first; each is dropped whole
_DROPPED_FIRST = (
    re.compile(r", \d+ tx active"),
    re.compile(r" \(peak \d+\)"),
    re.compile(r", \d+ msg/s"),
    re.compile(r", \d+ errors"),
)


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to: $COLUMNS when set (as
    ``shutil.get_terminal_size`` honours it), else the terminal's own, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or DEFAULT_COLUMNS
    except (OSError, ValueError):  # no descriptor (io.UnsupportedOperation is an OSError) or no tty
        return DEFAULT_COLUMNS


def fit_progress_line(line: str, columns: int) -> str:
    """``line`` in at most ``columns - 1`` characters (the last column would make some terminals
    wrap): whole fields dropped, least important first; what still does not fit is cut at a word
    boundary and ends in '...'."""
    limit = max(columns - 1, 1)
    for field in _DROPPED_FIRST:
        if len(line) <= limit:
            return line
        line = field.sub("", line, count=1)
    if len(line) <= limit:
        return line
    if limit <= len(ELLIPSIS):
        return line[:limit]
    head = line[: limit - len(ELLIPSIS) + 1]
    space = head.rfind(" ")
    head = head[:space] if space > 0 else head[:-1]
    return head.rstrip(" ,") + ELLIPSIS


class TerminalProgress:
    """Rewrites one progress line in place; remembers how long the last one was."""

    def __init__(self) -> None:
        self._last_length = 0

    def write(self, line: str, stream: TextIO, columns: int) -> None:
        fitted = fit_progress_line(line, columns)
        # clear what is left of a longer line before, within the width
        width = min(max(len(fitted), self._last_length), max(columns - 1, 1))
        stream.write("\r" + fitted.ljust(width))
        stream.flush()
        self._last_length = len(fitted)
