"""Profile files: find them, read them, and say precisely what is wrong with a bad one.

Bundled profiles live in the repository's top-level ``profiles/`` directory (the package is
installed editable, so it sits two levels above this file). ``FLEET_PROFILES_DIR`` overrides that
location, e.g. for a site's own profile collection or a non-editable install.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from fleet.behaviour._profile_checks import check_profile
from fleet.behaviour._profile_decode import decode_profile
from fleet.behaviour._profile_lines import line_of
from fleet.behaviour._profile_problem import ProfileProblem
from fleet.behaviour._profile_schema import Profile

PROFILES_DIR_VARIABLE = "FLEET_PROFILES_DIR"
_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_DAY_NAMES = {"weekday": "mon", "saturday": "sat", "sunday": "sun"}


class ProfileError(Exception):
    """A profile that cannot be used; ``str()`` is one line naming file, field, expected and found."""

    def __init__(
        self,
        path: Path,
        message: str,
        *,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.field = field
        self.expected = expected
        self.found = found
        self.line = line
        self.column = column

    @classmethod
    def from_problem(cls, path: Path, problem: ProfileProblem, line: int | None = None) -> ProfileError:
        where = f" (line {line})" if line is not None else ""
        return cls(
            path,
            f"field {problem.field}: expected {problem.expected}, found {problem.found}{where}",
            field=problem.field,
            expected=problem.expected,
            found=problem.found,
            line=line,
        )


def load_profile(path: str | Path) -> Profile:
    """Read, decode and check one profile file; raise `ProfileError` saying what to fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(
            path,
            "no such profile file; give the path to a .toml file, or the name of a bundled profile "
            f"in {bundled_profiles_dir()} (see `fleet profiles list`)",
            expected="a readable TOML file",
            found="no such file",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProfileError(
            path, f"cannot read the profile: {reason}", expected="a readable UTF-8 file", found=reason
        ) from None
    return parse_profile(text, path)


def parse_profile(text: str, path: str | Path = "<profile>") -> Profile:
    """Decode and check profile TOML ``text``; ``path`` is only used in error messages."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.match(str(exc))
        message = position["message"] if position else str(exc)
        line = int(position["line"]) if position else None
        column = int(position["column"]) if position else None
        where = f"line {line}, column {column}: " if position else ""
        raise ProfileError(
            path,
            f"{where}invalid TOML: {message}",
            expected="valid TOML",
            found=message,
            line=line,
            column=column,
        ) from None
    decoded = decode_profile(data)
    if isinstance(decoded, ProfileProblem):
        raise ProfileError.from_problem(path, decoded, line_of(text, decoded.field))
    problems = check_profile(decoded)
    if problems:
        raise ProfileError.from_problem(path, problems[0], line_of(text, problems[0].field))
    return decoded


def bundled_profiles_dir() -> Path:
    """``$FLEET_PROFILES_DIR`` when set, else the repository's ``profiles/`` directory."""
    override = os.environ.get(PROFILES_DIR_VARIABLE)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "profiles"


def resolve_profile(name_or_path: str | Path) -> Path:
    """A path as given, or a bare name (``workplace``) as the bundled ``profiles/workplace.toml``."""
    path = Path(name_or_path)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    bundled = bundled_profiles_dir() / f"{path}.toml"
    if not bundled.exists():
        directory = bundled_profiles_dir()
        available = ", ".join(sorted(p.stem for p in directory.glob("*.toml"))) or "none"
        raise ProfileError(
            path,
            f"no such profile file, and no bundled profile of that name in {directory} "
            f"(available: {available}); give a path to a .toml file",
            expected="a profile name or a path to a .toml file",
            found=str(name_or_path),
        )
    return bundled


def list_profiles(directory: str | Path | None = None) -> list[tuple[Path, Profile | ProfileError]]:
    """Every ``*.toml`` in ``directory`` (default: the bundled one), sorted by file name, loaded or not."""
    directory = bundled_profiles_dir() if directory is None else Path(directory)
    if not directory.is_dir():
        raise ProfileError(
            directory,
            f"not a directory of profiles; set {PROFILES_DIR_VARIABLE} or give an existing directory",
            expected="a directory",
            found="no such directory",
        )
    results: list[tuple[Path, Profile | ProfileError]] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            results.append((path, load_profile(path)))
        except ProfileError as exc:
            results.append((path, exc))
    return results


def arrivals_per_evse_day(
    profile: Profile, day: Literal["weekday", "saturday", "sunday"] = "weekday"
) -> float:
    """Drivers arriving per EVSE on such a day: the arrival curve plus the scheduled returns.

    An upper bound on sessions: the profile driver draws the next arrival only once the EVSE is
    free again, so long dwell times give fewer sessions than this.
    """
    total = sum(r.share for r in profile.scheduled_returns if _DAY_NAMES[day] in r.days)
    if profile.arrivals is not None:
        curves = {
            "weekday": profile.arrivals.weekday,
            "saturday": profile.arrivals.saturday,
            "sunday": profile.arrivals.sunday,
        }
        total += sum(curves[day])
    return total
