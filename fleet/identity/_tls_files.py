"""The TLS files a fleet needs, checked before the first station connects.

A missing ``--ca-file`` or client certificate used to surface only when a station connected,
as "cannot reach the CSMS: No such file or directory". Here each file is checked at start and
a problem is one line naming the option and the file: the CA bundle is loaded (one that holds
no certificate says so), every station's certificate and key file must exist (a pattern that
runs out of certificates before the last station is refused, with how many there are), and the
first station's pair is loaded, so a file that holds no certificate or key is named too.
"""

from __future__ import annotations

import os
import ssl

from fleet.identity._identities import StationIdentities
from fleet.identity._option_names import OptionNames
from fleet.identity._security import ClientSecurity, SecuritySetupError

# OpenSSL's reasons for a PEM file that does not hold what it should, in a user's words
_PEM_PROBLEMS = {
    "NO_CERTIFICATE_OR_CRL_FOUND": "holds no certificate (expected PEM '-----BEGIN CERTIFICATE-----' blocks)",
    "PEM_LIB": "holds no PEM certificate and private key",
    "KEY_VALUES_MISMATCH": "the private key does not belong to the certificate",
}


def check_tls_files(security: ClientSecurity, identities: StationIdentities | None, stations: int) -> None:
    """Raise SecuritySetupError naming the option and the file when the CA bundle or a client
    certificate of one of ``stations`` stations cannot be used."""
    names = security.names
    if security.ca_file is not None:
        _check_ca_file(f"{names('ca-file')} {security.ca_file}", security.ca_file)
    if security.profile == 3 and identities is not None:
        _check_client_files(identities, stations, names)


def _check_ca_file(where: str, path: str) -> None:
    _check_readable(where, path)
    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError as exc:
        raise SecuritySetupError(f"{where}: {_pem_problem(exc)}") from None
    except OSError as exc:
        raise SecuritySetupError(f"{where}: cannot read ({exc.strerror or exc})") from None


def _check_client_files(identities: StationIdentities, stations: int, names: OptionNames) -> None:
    checked: set[str] = set()
    for index in range(stations):
        identity = identities.identity(index)
        if identity.client_cert is None:
            raise SecuritySetupError(
                f"station {identity.station_id} (#{index + 1}) has no client certificate: give "
                f"{names('client-cert-pattern')} or a client_cert for it in {names('stations-file')}"
            )
        for field, path in (("client_cert", identity.client_cert), ("client_key", identity.client_key)):
            if path is not None and path not in checked:
                _check_client_file(_source(identities, index, field, names), path, index, stations, names)
                checked.add(path)
        if index == 0:
            where, _ = _source(identities, 0, "client_cert", names)
            _load_pair(f"{where} gives", identity.client_cert, identity.client_key, names)


def _check_client_file(
    source: tuple[str, bool], path: str, index: int, stations: int, names: OptionNames
) -> None:
    """A file station ``index`` needs; past the first station, a missing file of a pattern means
    the certificates ran out before the stations did."""
    where, from_pattern = source
    if index > 0 and from_pattern and not os.path.exists(path):
        raise SecuritySetupError(
            f"{where} gives {path} for station #{index + 1} of {stations}, which does not exist: "
            f"there are files for the first {index} stations only; pass {names('stations')} {index} "
            "or add the missing files"
        )
    _check_readable(f"{where} gives {path}", path)


def _source(identities: StationIdentities, index: int, field: str, names: OptionNames) -> tuple[str, bool]:
    """Where station ``index``'s ``field`` came from, and whether from a pattern (else from its
    row of the stations file)."""
    row = identities.rows[index] if identities.rows else None
    if row is not None and (row.client_cert if field == "client_cert" else row.client_key) is not None:
        return f"{names('stations-file')} (station {row.station_id}, {field})", False
    pattern = identities.client_cert_pattern if field == "client_cert" else identities.client_key_pattern
    return f"{names(field.replace('_', '-') + '-pattern')} {pattern!r}", True


def _load_pair(where: str, cert: str, key: str | None, names: OptionNames) -> None:
    context = ssl.create_default_context()
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        files = cert if key is None else f"{cert} and {key}"
        # OpenSSL names no reason for a file without a certificate or key ("[SSL] PEM lib")
        problem = _PEM_PROBLEMS["PEM_LIB"] if exc.reason is None else _pem_problem(exc)
        if key is None and exc.reason is None:
            problem += f" (a key in a separate file is given with {names('client-key-pattern')})"
        raise SecuritySetupError(f"{where} {files}: {problem}") from None


def _check_readable(where: str, path: str) -> None:
    if not os.path.exists(path):
        raise SecuritySetupError(f"{where}: no such file")
    if os.path.isdir(path):
        raise SecuritySetupError(f"{where}: is a directory, expected a PEM file")
    if not os.access(path, os.R_OK):
        raise SecuritySetupError(f"{where}: not readable")


def _pem_problem(exc: ssl.SSLError) -> str:
    return _PEM_PROBLEMS.get(str(exc.reason), f"cannot be loaded ({exc.reason or exc})")
