"""`fleet profiles list` and `fleet profiles check FILE`: what profiles there are, and is mine valid."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from fleet.behaviour import (
    Profile,
    ProfileError,
    arrivals_per_evse_day,
    bundled_profiles_dir,
    list_profiles,
    load_profile,
    mean,
    resolve_profile,
)
from fleet.cli._exit_codes import ExitCode


def add_profiles_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = subparsers.add_parser(
        "profiles",
        help="list the behaviour profiles, or check a profile file",
        description="Behaviour profiles (profiles/*.toml): drivers, EVs, station mix. "
        "Bundled profiles are found in the repository's profiles/ directory or in $FLEET_PROFILES_DIR.",
    )
    actions = profiles.add_subparsers(dest="profiles_command", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="list the profiles in a directory", description="List profiles with a summary each."
    )
    listing.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory of *.toml profiles (default: the bundled profiles)",
    )
    check = actions.add_parser(
        "check",
        help="check profile files",
        description="Load each profile; print 'FILE: ok' and a summary, or what is wrong and where.",
    )
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a profile file, or the name of a bundled profile (workplace)",
    )


def run_profiles(ns: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if ns.profiles_command == "list":
        return _list(ns.dir, out, err)
    return _check(ns.files, out, err)


def summarise(profile: Profile) -> str:
    """One line: the station mix, catalogue size, arrivals per EVSE and dwell."""
    source = "arrivals" if profile.arrivals is not None else "scheduled returns"
    return (
        f"{profile.name} ({profile.site}): {_station_mix(profile)}; {len(profile.ev_models)} EV models; "
        f"{arrivals_per_evse_day(profile):.2f} {source}/EVSE/weekday; " + _dwell(profile)
    )


def _dwell(profile: Profile) -> str:
    """A DC site's drivers leave a margin after their EV's target, ``dwell_h`` is only the most
    they wait: say so rather than call it the stay."""
    if profile.dc_departure_margin_min is not None:
        margin, longest = mean(profile.dc_departure_margin_min), mean(profile.dwell_h)
        return f"leave {margin:.0f} min after the target SoC (at most {longest:.1f} h)"
    return f"mean dwell {mean(profile.dwell_h):.1f} h"


def _check(files: Sequence[str], out: TextIO, err: TextIO) -> int:
    status = 0
    for name in files:
        try:
            path = resolve_profile(name)
            profile = load_profile(path)
        except ProfileError as exc:
            print(exc, file=err)
            status = 1
            continue
        print(f"{path}: ok — {summarise(profile)}", file=out)
    return status


def _list(directory: Path | None, out: TextIO, err: TextIO) -> int:
    try:
        entries = list_profiles(directory)
    except ProfileError as exc:
        print(exc, file=err)
        return ExitCode.FAILED
    if not entries:
        print(f"no *.toml profiles in {directory or bundled_profiles_dir()}", file=err)
        return ExitCode.FAILED
    header = ("NAME", "SITE", "STATION TYPES", "EVSES/STATION", "ARRIVALS/EVSE/WEEKDAY", "FILE")
    rows: list[tuple[str, ...]] = []
    for path, loaded in entries:
        if isinstance(loaded, ProfileError):
            rows.append((path.stem, "INVALID", str(loaded), "", "", ""))
            continue
        evses = sorted({station_type.evses for station_type in loaded.station_types})
        rows.append(
            (
                loaded.name,
                loaded.site,
                _station_mix(loaded),
                str(evses[0]) if len(evses) == 1 else f"{evses[0]}-{evses[-1]}",
                f"{arrivals_per_evse_day(loaded):.2f}",
                str(path),
            )
        )
    valid = [row for row in rows if row[1] != "INVALID"]
    widths = [max(len(row[i]) for row in [header, *valid]) for i in range(len(header))]
    for row in [header, *rows]:
        if row[1] == "INVALID":
            # an error line is as long as it needs to be; padding it would stretch the table
            print(f"{row[0]:<{widths[0]}}  {row[1]}: {row[2]}", file=out)
        else:
            print(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
                file=out,
            )
    return ExitCode.FAILED if len(valid) < len(rows) else ExitCode.OK


def _station_mix(profile: Profile) -> str:
    return ", ".join(
        f"{t.current} {t.max_power_kw:g} kW x{t.evses} {t.share:.0%}" for t in profile.station_types
    )
