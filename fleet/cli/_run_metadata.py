"""How a `fleet run` result was made: wall-clock start and end, tool version, the command line as
typed and one that reruns the same test, the simulated start, the user's ``--tag``s and the
effective configuration. It goes into the results JSON (``summary["run"]``), the report, and the
``ocpp_fleet_run_info`` metric (as labels).

Secrets never appear: the value of every secret option is replaced by ``***`` in both command
lines and in the options.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import re
import shlex
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fleet.behaviour import ProfileError, resolve_profile
from fleet.cli._environment import secret_option_names
from fleet.engine import OcppMix
from fleet.metrics import Slo, ToleranceRule

MASK = "***"
_NOT_AN_OPTION_VALUE = "<parsed file: see command>"  # e.g. --csms-script: the file is read at parse time
_TAG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def tag(text: str) -> tuple[str, str]:
    """``--tag KEY=VALUE``: KEY is a Prometheus-style label name (it becomes ``tag_KEY``)."""
    key, equals, value = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, e.g. build=1234, got {text!r}")
    if not _TAG_KEY.match(key):
        raise argparse.ArgumentTypeError(
            f"tag key {key!r}: use letters, digits and _ (not starting with a digit), e.g. build=1234"
        )
    return key, value


def add_tag_option(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--tag",
        type=tag,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="label the run, e.g. --tag build=1234 --tag branch=main (repeatable): written to the "
        "results JSON, the report, JUnit properties and the ocpp_fleet_run_info metric",
    )


def is_secret(option: str) -> bool:
    """Whether a long option (``--password``, or its destination ``password_pattern``) carries a
    secret (fleet.cli._environment keeps the list)."""
    return "--" + option.lstrip("-").replace("_", "-") in secret_option_names()


def mask_url(text: str) -> str:
    """A URL's password (``ws://user:pass@host``) replaced by ``***``; any other text as it is."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return text
    if not password:
        return text
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{password}@", f":{MASK}@", 1)))


def mask_argv(argv: Sequence[str], secret: Callable[[str], bool] = is_secret) -> list[str]:
    """``argv`` with the value of every secret option replaced by ``***`` (``--opt V`` and
    ``--opt=V``), and every password in a URL."""
    masked: list[str] = []
    hide_next = False
    for word in argv:
        if hide_next:
            masked.append(MASK)
            hide_next = False
        elif word.startswith("--") and "=" in word and secret(word.partition("=")[0]):
            masked.append(f"{word.partition('=')[0]}={MASK}")
        else:
            masked.append(mask_url(word))
            hide_next = word.startswith("--") and secret(word)
    return masked


def effective_options(ns: argparse.Namespace, skip: Iterable[str] = ("command", "argv")) -> dict[str, Any]:
    """Every option of the parsed command as plain JSON data, keyed by its long name
    (``--csms-url`` -> ``csms-url``), secrets masked."""
    skipped = set(skip)
    return {
        dest.replace("_", "-"): _option_value(dest, value)
        for dest, value in sorted(vars(ns).items())
        if dest not in skipped
    }


def _option_value(dest: str, value: Any) -> Any:
    if value is None:
        return None
    if is_secret(dest):
        return MASK
    if dest == "start":  # parsed to UTC seconds; the option takes ISO 8601
        return _iso(value)
    if dest == "tag":  # parsed to (key, value) pairs; the option takes KEY=VALUE
        return [f"{key}={text}" for key, text in value]
    if dest == "source_addresses":  # parsed to the addresses; the option takes a list too
        return ",".join(value)
    return _plain(value)


def rerun_command(
    options: Mapping[str, Any], defaults: Mapping[str, Any], argv: Sequence[str] = ()
) -> list[str]:
    """``fleet run`` with every option that differs from its default (secrets masked): the
    command that reruns the same test, even when the values came from a config file. An option
    read into something else at parse time (``--csms-script FILE``) is taken as typed in ``argv``."""
    words = ["fleet", "run"]
    for name, value in options.items():
        if name == "config" or value == defaults.get(name):
            continue
        if not _round_trips(value):
            words.extend(_typed_words(name, argv))
            continue
        for one in value if isinstance(value, list) else [value]:
            words.extend(_option_words(name, one))
    return words


def _typed_words(name: str, argv: Sequence[str]) -> list[str]:
    """``--name VALUE`` as typed in ``argv`` (the last one), or nothing."""
    flag = f"--{name}"
    found: list[str] = []
    for position, word in enumerate(argv):
        if word == flag and position + 1 < len(argv):
            found = [flag, argv[position + 1]]
        elif word.startswith(flag + "="):
            found = [flag, word.partition("=")[2]]
    return found


def _option_words(name: str, value: Any) -> list[str]:
    if value is True:
        return [f"--{name}"]
    if value is False or value is None:
        return []
    return [f"--{name}", value if isinstance(value, str) else f"{value}"]


def ocpp_text(mix: OcppMix) -> str:
    """``--ocpp`` as the user would write it: 2.0.1, 1.6 or mix:SHARE."""
    if mix.share_16 == 0.0:
        return "2.0.1"
    return "1.6" if mix.share_16 == 1.0 else f"mix:{mix.share_16:g}"


def _plain(value: Any) -> Any:
    """An option value as JSON data, in the spelling the option takes where it has one."""
    if isinstance(value, str):
        return mask_url(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Slo | ToleranceRule):  # as the user wrote it
        return value.text
    if isinstance(value, OcppMix):
        return ocpp_text(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return _NOT_AN_OPTION_VALUE


def _round_trips(value: Any) -> bool:
    if isinstance(value, list):
        return all(_round_trips(item) for item in value)
    return bool(value != _NOT_AN_OPTION_VALUE)


def profile_fingerprint(profile: str | None) -> dict[str, str] | None:
    """The profile as given and the sha256 of its file, so a rerun can tell if it changed."""
    if not profile:
        return None
    try:
        path = resolve_profile(profile)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (ProfileError, OSError):
        return {"name": profile, "path": "", "sha256": ""}
    return {"name": profile, "path": str(path), "sha256": digest}


def tool_version() -> str:
    try:
        return metadata.version("ocpp-fleet")
    except metadata.PackageNotFoundError:
        return "unknown"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def started_run_metadata(
    ns: argparse.Namespace,
    *,
    argv: Sequence[str],
    defaults: Mapping[str, Any],
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The metadata of a run that starts now (``ended_at`` is filled by ``ended_run_metadata``)."""
    started = now()
    sim_start = ns.start if ns.start is not None else started
    options = effective_options(ns)
    return {
        "tool": "ocpp-fleet",
        "version": tool_version(),
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "command": ["fleet", *mask_argv(argv)],
        "rerun": rerun_command(options, effective_options(argparse.Namespace(**defaults)), mask_argv(argv)),
        "started_at": _iso(started),
        "ended_at": None,
        "started_at_epoch": round(started, 3),
        "sim_start": _iso(sim_start),
        "sim_start_epoch": round(sim_start, 3),
        "speed": ns.speed,
        "tags": dict(ns.tag),
        "config": {
            "csms_url": mask_url(ns.csms) if ns.csms else None,
            "stations": ns.stations,
            "duration_s": ns.duration,
            "ramp_per_s": ns.ramp,
            "seed": ns.seed,
            "profile": ns.profile,
            "ocpp": ocpp_text(ns.ocpp),
            "workers": ns.workers,
            "evses": ns.evses,
        },
        "profile": profile_fingerprint(ns.profile),
        "options": options,
    }


def ended_run_metadata(started: Mapping[str, Any], now: Callable[[], float] = time.time) -> dict[str, Any]:
    ended = now()
    return {**started, "ended_at": _iso(ended), "wall_seconds": round(ended - started["started_at_epoch"], 3)}


def run_info_labels(run: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The ``ocpp_fleet_run_info`` labels: what a dashboard annotation needs to name the run."""
    config = run["config"]
    labels = [
        ("version", run["version"]),
        ("started_at", run["started_at"]),
        ("sim_start", run["sim_start"]),
        ("speed", f"{run['speed']:g}"),
        ("profile", config["profile"] or "simple"),
        ("stations", str(config["stations"])),
        ("ocpp", config["ocpp"]),
        ("command", shlex.join(run["command"])[:500]),
    ]
    labels.extend((f"tag_{key}", value) for key, value in sorted(run["tags"].items()))
    return tuple(labels)


def command_argv() -> list[str]:
    """The arguments of this process after the program name (what `fleet` was given)."""
    return list(sys.argv[1:])
