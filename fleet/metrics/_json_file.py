"""Writing a run's summary to disk so that a reader never sees half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from typing import Any

import msgspec


def write_json(summary: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``summary`` as indented JSON, atomically.

    The text goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path``: an interrupted run leaves either the old file or the new one, never a part.
    """
    # encode first: a value msgspec cannot encode must fail before anything touches the disk
    try:
        data = msgspec.json.format(msgspec.json.encode(summary), indent=2) + b"\n"
    except (TypeError, msgspec.EncodeError) as exc:
        raise ValueError(
            f"cannot write {os.fspath(path)!r}: the summary is not JSON-encodable: {exc}"
        ) from exc
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed and renamed below, not a block's lifetime
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
