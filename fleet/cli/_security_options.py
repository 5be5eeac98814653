"""`fleet run` and `fleet csms` options for OCPP security profiles and station identities."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from fleet.csms import CsmsSecurity, PasswordBook
from fleet.engine import FleetConfig
from fleet.identity import (
    INSECURE_WARNING,
    ClientSecurity,
    SecuritySetupError,
    StationIdentities,
    check_tls_files,
    load_stations_file,
)


def add_run_security_options(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group(
        "identities and security (see README: Connecting to a real CSMS)",
        "pattern fields: {n} station index, {site} = n // --stations-per-site, {seed}; "
        "password and certificate patterns also take {station_id}",
    )
    group.add_argument(
        "--id-pattern",
        metavar="PATTERN",
        help="station ids, e.g. 'SIM-{site:03}-{n:05}' (default: --id-prefix)",
    )
    group.add_argument(
        "--stations-per-site", type=int, default=10, metavar="N", help="for {site} (default 10)"
    )
    group.add_argument(
        "--stations-file",
        metavar="FILE",
        help="a .csv (header row) or .toml ([[station]]) listing id, password, client_cert, client_key, "
        "serial_number, vendor, model per station",
    )
    _add_security_profile_option(group)
    group.add_argument(
        "--password", metavar="TEXT", help="Basic auth password of every station (env FLEET_PASSWORD)"
    )
    group.add_argument(
        "--password-pattern",
        metavar="PATTERN",
        help="per-station password, e.g. 'pw-{station_id}' (env FLEET_PASSWORD_PATTERN)",
    )
    group.add_argument("--ca-file", metavar="FILE", help="CA bundle the CSMS certificate is checked against")
    group.add_argument(
        "--insecure", action="store_true", help="do not verify the CSMS certificate (test CSMSs only)"
    )
    group.add_argument(
        "--client-cert-pattern",
        metavar="PATTERN",
        help="profile 3: PEM per station, e.g. 'certs/{station_id}.pem'",
    )
    group.add_argument(
        "--client-key-pattern", metavar="PATTERN", help="profile 3: key file when not in the certificate file"
    )


def _add_security_profile_option(group: argparse._ArgumentGroup) -> None:
    """--security-profile, the same for the stations (`fleet run`) and the CSMS (`fleet csms`)."""
    group.add_argument(
        "--security-profile",
        type=int,
        choices=(0, 1, 2, 3),
        default=0,
        help="0 none, 1 ws:// + Basic auth, 2 wss:// + Basic auth, 3 wss:// + client certificate",
    )


def apply_run_security(ns: argparse.Namespace, fleet: FleetConfig) -> FleetConfig:
    """``fleet`` with the identities and security the arguments ask for. Raises IdentityError or
    SecuritySetupError (both ValueError) with a message naming the option or file."""
    security = ClientSecurity(ns.security_profile, ca_file=ns.ca_file, insecure=ns.insecure)
    wanted = (
        ns.id_pattern,
        ns.stations_file,
        ns.password,
        ns.password_pattern,
        ns.client_cert_pattern,
        ns.client_key_pattern,
    )
    identities = None
    if any(value is not None for value in wanted):
        identities = StationIdentities(
            id_pattern=ns.id_pattern or ns.id_prefix.replace("{", "{{").replace("}", "}}") + "{n:05}",
            stations_per_site=ns.stations_per_site,
            seed=ns.seed,
            password=ns.password,
            password_pattern=ns.password_pattern,
            client_cert_pattern=ns.client_cert_pattern,
            client_key_pattern=ns.client_key_pattern,
            rows=load_stations_file(ns.stations_file) if ns.stations_file else (),
        )
        identities.check_count(ns.stations)
    fleet = replace(fleet, security=security, identities=identities)
    if security.profile:
        if not fleet.csms_url:
            raise SecuritySetupError(
                "--security-profile applies to the CSMS given with --csms; to try the profiles locally "
                "start `fleet csms --security-profile N ...` and point --csms at it"
            )
        security.check(fleet.csms_url, fleet.identity(0))
    check_tls_files(security, identities, ns.stations)  # a missing or empty file is said now, not per connect
    return fleet


def note_insecure(fleet: FleetConfig, summary: dict[str, Any] | None) -> None:
    """--insecure is said loudly: on stderr, and in the results so a published number shows it."""
    if not fleet.security.insecure:
        return
    print(INSECURE_WARNING, file=sys.stderr, flush=True)
    if summary is not None:
        summary.setdefault("warnings", []).append(INSECURE_WARNING)


def add_csms_security_options(csms: argparse.ArgumentParser) -> None:
    group = csms.add_argument_group("security profile")
    _add_security_profile_option(group)
    group.add_argument("--cert", metavar="FILE", help="the CSMS certificate chain, PEM (profiles 2, 3)")
    group.add_argument("--key", metavar="FILE", help="its private key (if not in --cert)")
    group.add_argument("--client-ca", metavar="FILE", help="profile 3: CA that signs station certificates")
    group.add_argument(
        "--password",
        metavar="TEXT",
        help="profiles 1, 2: the password every station uses (env FLEET_PASSWORD)",
    )
    group.add_argument(
        "--passwords",
        metavar="FILE",
        help="profiles 1, 2: per-station passwords, a stations file (.csv/.toml with id, password)",
    )


def csms_security(ns: argparse.Namespace) -> CsmsSecurity | None:
    """What `fleet csms` ARGS ask for (None: no security). Raises ValueError naming the option."""
    if ns.security_profile == 0:
        return None
    passwords: dict[str, str] = {}
    if ns.passwords:
        passwords = {row.station_id: row.password for row in load_stations_file(ns.passwords) if row.password}
    if ns.security_profile in (1, 2) and not (passwords or ns.password):
        raise ValueError(
            f"--security-profile {ns.security_profile} needs --password TEXT or --passwords FILE"
        )
    security = CsmsSecurity(
        ns.security_profile,
        cert_file=ns.cert,
        key_file=ns.key,
        client_ca_file=ns.client_ca,
        passwords=PasswordBook(passwords, default=ns.password),
    )
    security.server_context()  # a certificate that does not load is an argument error, said now
    return security
