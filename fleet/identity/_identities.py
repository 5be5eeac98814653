"""Who each station is: its id, credentials and nameplate, the same in every run.

A CSMS in staging has its stations pre-provisioned (id, password, certificate), so station ``i``
must come back as the same station run after run: ids come from a pattern over the station
index, or from a file listing the stations. Pure data: no I/O beyond reading that file, and no
shell: the trio engine and the Locust shell both expand their stations' credentials here.

Pattern fields: ``{n}`` the station index (0-based), ``{site}`` = n // stations_per_site,
``{seed}`` the run's seed; password and certificate patterns may also use ``{station_id}``.
Format specs work as in Python: ``SIM-{site:03}-{n:05}`` -> ``SIM-000-00000``.
"""

from __future__ import annotations

import csv
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fleet.identity._option_names import RUN_OPTIONS, OptionNames

# OCPP 2.0.1: SecurityCtrlr.Identity is at most 48 characters; ':' would end the Basic auth
# user name and '/' the URL path segment
_MAX_ID_LENGTH = 48
_FORBIDDEN_IN_ID = frozenset(":/?#% \t")
# BootNotification field limits (OCPP 2.0.1 ChargingStationType)
_FIELD_LIMITS = {"serial_number": 25, "vendor": 50, "model": 20}
FILE_FIELDS = ("id", "password", "client_cert", "client_key", "serial_number", "vendor", "model")


class IdentityError(ValueError):
    """A bad id pattern or stations file: the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class StationIdentity:
    station_id: str
    password: str | None = None  # HTTP Basic auth (security profiles 1 and 2)
    client_cert: str | None = None  # PEM files (security profile 3)
    client_key: str | None = None
    serial_number: str | None = None  # BootNotification's chargingStation fields
    vendor: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class StationIdentities:
    """Station ``index`` -> its identity. ``rows`` (from a stations file) win over patterns."""

    id_pattern: str = "SIM-{n:05}"
    stations_per_site: int = 10
    seed: int = 1
    password: str | None = None  # one password for every station
    password_pattern: str | None = None
    client_cert_pattern: str | None = None  # e.g. certs/{station_id}.pem
    client_key_pattern: str | None = None
    rows: tuple[StationIdentity, ...] = ()
    names: OptionNames = field(default=RUN_OPTIONS, compare=False, repr=False)  # for the messages

    def __post_init__(self) -> None:
        names = self.names
        if self.stations_per_site < 1:
            raise IdentityError(
                f"{names('stations-per-site')}: expected 1 or more, got {self.stations_per_site}"
            )
        _check_pattern(names("id-pattern"), self.id_pattern, _ID_FIELDS, needs="n")
        for option, pattern in (
            (names("password-pattern"), self.password_pattern),
            (names("client-cert-pattern"), self.client_cert_pattern),
            (names("client-key-pattern"), self.client_key_pattern),
        ):
            if pattern is not None:
                _check_pattern(option, pattern, (*_ID_FIELDS, "station_id"))
        if not self.rows:
            _check_id(self.station_id(0), f"{names('id-pattern')} {self.id_pattern!r} gives")

    def check_count(self, stations: int) -> None:
        """Raise IdentityError when the file lists fewer stations than the run asks for."""
        if self.rows and stations > len(self.rows):
            raise IdentityError(
                f"the stations file lists {len(self.rows)} stations but the run asks for {stations}: "
                f"pass {self.names('stations')} {len(self.rows)} or add stations to the file"
            )
        if not self.rows and stations > 1:
            _check_id(self.station_id(stations - 1), f"{self.names('id-pattern')} {self.id_pattern!r} gives")

    def station_id(self, index: int) -> str:
        if self.rows:
            return self.rows[index].station_id
        return self.id_pattern.format_map(self._fields(index))

    def identity(self, index: int) -> StationIdentity:
        row = (
            self.rows[index]
            if self.rows
            else StationIdentity(self.id_pattern.format_map(self._fields(index)))
        )
        return self.with_credentials(row, index)

    def with_credentials(self, row: StationIdentity, index: int) -> StationIdentity:
        """``row`` (station ``index``) with the password and certificate files the patterns give,
        where the row has none of its own. For a shell that names its stations itself (Locust)."""
        fields = {**self._fields(index), "station_id": row.station_id}

        def pick(own: str | None, pattern: str | None) -> str | None:
            return own if own is not None else (pattern.format_map(fields) if pattern is not None else None)

        return StationIdentity(
            station_id=row.station_id,
            password=pick(row.password, self.password_pattern) or self.password,
            client_cert=pick(row.client_cert, self.client_cert_pattern),
            client_key=pick(row.client_key, self.client_key_pattern),
            serial_number=row.serial_number,
            vendor=row.vendor,
            model=row.model,
        )

    def _fields(self, index: int) -> dict[str, object]:
        return {"n": index, "site": index // self.stations_per_site, "seed": self.seed}


_ID_FIELDS = ("n", "site", "seed")


def _check_pattern(option: str, pattern: str, allowed: Sequence[str], needs: str | None = None) -> None:
    fields = ", ".join("{" + name + "}" for name in allowed)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
        unknown = sorted(names - set(allowed))
        if unknown:
            raise IdentityError(f"{option} {pattern!r}: unknown field {{{unknown[0]}}}; use {fields}")
        pattern.format_map({name: "X" if name == "station_id" else 0 for name in allowed})
    except (KeyError, ValueError, IndexError) as exc:
        if isinstance(exc, IdentityError):
            raise
        raise IdentityError(f"{option} {pattern!r}: not a valid pattern ({exc}); use {fields}") from None
    if needs is not None and needs not in names:
        raise IdentityError(
            f"{option} {pattern!r}: must contain {{{needs}}} (the station index), or every station "
            "would get the same id"
        )


def _check_id(station_id: str, where: str) -> None:
    bad = sorted(set(station_id) & _FORBIDDEN_IN_ID)
    if not station_id or len(station_id) > _MAX_ID_LENGTH or bad:
        raise IdentityError(
            f"{where} station id {station_id!r}: expected 1 to {_MAX_ID_LENGTH} characters without "
            f"{' '.join(repr(c) for c in sorted(_FORBIDDEN_IN_ID))}"
            + (f" (found {' '.join(repr(c) for c in bad)})" if bad else f" (found {len(station_id)})")
        )


def load_stations_file(path: str | Path) -> tuple[StationIdentity, ...]:
    """Read a stations file: CSV with a header row, or TOML with ``[[station]]`` tables. Columns
    or keys: id (required), password, client_cert, client_key (relative to the file),
    serial_number, vendor, model. Raises IdentityError naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IdentityError(f"{path}: cannot read the stations file ({exc})") from None
    if path.suffix.lower() == ".toml":
        records = _toml_records(path, text)
    elif path.suffix.lower() == ".csv":
        records = _csv_records(path, text)
    else:
        raise IdentityError(f"{path}: a stations file must end in .csv or .toml")
    rows: list[StationIdentity] = []
    seen: dict[str, str] = {}
    for where, record in records:
        row = _row(path, where, record)
        if row.station_id in seen:
            raise IdentityError(
                f"{where}: station id {row.station_id!r} again (first at {seen[row.station_id]})"
            )
        seen[row.station_id] = where
        rows.append(row)
    if not rows:
        raise IdentityError(f"{path}: no stations listed")
    return tuple(rows)


def _csv_records(path: Path, text: str) -> list[tuple[str, Mapping[str, object]]]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in FILE_FIELDS]
    if unknown or "id" not in header:
        found = f"unknown column {unknown[0]!r}" if unknown else "no 'id' column"
        raise IdentityError(f"{path}:1: header: {found}; expected columns among {', '.join(FILE_FIELDS)}")
    records: list[tuple[str, Mapping[str, object]]] = []
    for record in reader:
        if None in record:
            raise IdentityError(f"{path}:{reader.line_num}: more values than the {len(header)} columns")
        records.append(
            (f"{path}:{reader.line_num}", {k: v for k, v in record.items() if v not in ("", None)})
        )
    return records


def _toml_records(path: Path, text: str) -> list[tuple[str, Mapping[str, object]]]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IdentityError(f"{path}: not valid TOML ({exc})") from None
    stations = document.get("station")
    if not isinstance(stations, list) or set(document) - {"station"}:
        raise IdentityError(
            f"{path}: expected only [[station]] tables, found {', '.join(document) or 'nothing'}"
        )
    records: list[tuple[str, Mapping[str, object]]] = []
    for number, table in enumerate(stations, 1):
        where = f"{path}: [[station]] #{number}"
        unknown = [key for key in table if key not in FILE_FIELDS]
        if unknown:
            raise IdentityError(
                f"{where}: unknown key {unknown[0]!r}; expected keys among {', '.join(FILE_FIELDS)}"
            )
        records.append((where, table))
    return records


def _row(path: Path, where: str, record: Mapping[str, object]) -> StationIdentity:
    values: dict[str, str | None] = {}
    for name in FILE_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise IdentityError(f"{where}: field {name!r}: expected text, found {value!r}")
        values[name] = value
    station_id = values["id"]
    if station_id is None:
        raise IdentityError(f"{where}: field 'id': expected a station id, found nothing")
    _check_id(station_id, f"{where}: field 'id':")
    for name, limit in _FIELD_LIMITS.items():
        value = values[name]
        if value is not None and len(value) > limit:
            raise IdentityError(
                f"{where}: field {name!r}: expected at most {limit} characters (OCPP 2.0.1), "
                f"found {len(value)}"
            )

    def relative(file: str | None) -> str | None:
        return None if file is None else str(path.parent / file)

    return StationIdentity(
        station_id=station_id,
        password=values["password"],
        client_cert=relative(values["client_cert"]),
        client_key=relative(values["client_key"]),
        serial_number=values["serial_number"],
        vendor=values["vendor"],
        model=values["model"],
    )
