"""The fleet's own Locust options (`--fleet-*`): declared once, checked once, read by every user.

They are added through Locust's ``init_command_line_parser`` event, so they appear in the web
UI's start form (except those only meaningful at start-up) and reach the workers with each spawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from fleet.behaviour import Profile, ProfileError, load_profile, resolve_profile
from fleet.connection import parse_websocket_url
from fleet.identity import (
    LOCUST_OPTIONS,
    PROFILES,
    ClientSecurity,
    IdentityError,
    SecuritySetupError,
    StationIdentities,
    StationIdentity,
)
from fleet.ocpp import v16, v201
from fleet.station import OcppVersion as StationVersion

SHAPES = ("none", "ramp", "steps", "rush-hour")


class ArgumentAdder(Protocol):
    """What the --fleet-* options are added to: Locust's parser (its ``include_in_web_ui`` and
    ``is_secret`` keywords included) or the help of `fleet locust --help` (``options_help``)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class OcppVersion:
    subprotocol: str  # offered in the WebSocket upgrade
    request_type: str  # the "Type" column of Locust's statistics


# every version --fleet-ocpp accepts
OCPP_VERSIONS: dict[str, OcppVersion] = {
    "2.0.1": OcppVersion(subprotocol=v201.SUBPROTOCOL, request_type="OCPP2.0.1"),
    "1.6": OcppVersion(subprotocol=v16.SUBPROTOCOL, request_type="OCPP1.6"),
}


class FleetOptionError(ValueError):
    """A --fleet-* option has a value the fleet cannot run with; the message says which and why."""


@dataclass(frozen=True, slots=True)
class FleetOptions:
    profile: str | None = None  # a bundled profile name or a TOML path; None: the simple driver
    ocpp: str = "2.0.1"
    id_prefix: str = "SIM-"
    speed: float = 1.0
    seed: int = 1
    evses: int = 2  # EVSEs per station with the simple driver (a profile has its own mix)
    shape: str = "none"
    steps: int = 5
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    # OCPP security profile and credentials: as `fleet run`'s options without the --fleet- prefix
    security_profile: int = 0
    password: str | None = None
    password_pattern: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    client_cert_pattern: str | None = None
    client_key_pattern: str | None = None
    deflate: float = 0.0  # the share of stations offering permessage-deflate (as fleet run --deflate)

    @classmethod
    def from_parsed(cls, parsed: Any) -> FleetOptions:
        """The options from Locust's parsed options (argparse namespace), checked; values the web
        UI form sent arrive as strings, hence the conversions."""
        try:
            options = cls(
                profile=str(parsed.fleet_profile or "").strip() or None,
                ocpp=str(parsed.fleet_ocpp),
                id_prefix=str(parsed.fleet_id_prefix),
                speed=float(parsed.fleet_speed),
                seed=int(parsed.fleet_seed),
                evses=int(parsed.fleet_evses),
                shape=str(parsed.fleet_shape),
                steps=int(parsed.fleet_steps),
                metrics_port=int(parsed.fleet_metrics_port),
                metrics_host=str(parsed.fleet_metrics_host),
                security_profile=int(parsed.fleet_security_profile),
                password=_text(parsed.fleet_password),
                password_pattern=_text(parsed.fleet_password_pattern),
                ca_file=_text(parsed.fleet_ca_file),
                insecure=parsed.fleet_insecure in (True, "true", "True", "on"),
                client_cert_pattern=_text(parsed.fleet_client_cert_pattern),
                client_key_pattern=_text(parsed.fleet_client_key_pattern),
                deflate=float(parsed.fleet_deflate),
            )
        except (TypeError, ValueError) as exc:
            raise FleetOptionError(f"a --fleet-* option is not a number where one is needed: {exc}") from None
        options.check()
        return options

    def check(self) -> None:
        if self.ocpp not in OCPP_VERSIONS:
            raise FleetOptionError(
                f"--fleet-ocpp {self.ocpp}: unknown OCPP version; use one of {', '.join(OCPP_VERSIONS)}"
            )
        if not self.speed > 0:
            raise FleetOptionError(f"--fleet-speed {self.speed}: must be > 0 (simulated seconds per second)")
        if not 1 <= self.evses <= 64:
            raise FleetOptionError(f"--fleet-evses {self.evses}: must be between 1 and 64")
        if self.shape not in SHAPES:
            raise FleetOptionError(f"--fleet-shape {self.shape}: use one of {', '.join(SHAPES)}")
        if not 0 <= self.deflate <= 1:
            raise FleetOptionError(
                f"--fleet-deflate {self.deflate}: must be between 0 and 1 (a share of the stations)"
            )
        if self.steps < 1:
            raise FleetOptionError(f"--fleet-steps {self.steps}: must be >= 1")
        if not 0 <= self.metrics_port <= 65535:
            raise FleetOptionError(f"--fleet-metrics-port {self.metrics_port}: not a TCP port (0 = off)")
        if not self.id_prefix or any(ch in self.id_prefix for ch in "/?#% "):
            raise FleetOptionError(
                f"--fleet-id-prefix {self.id_prefix!r}: must be non-empty and free of '/', '?', '#', "
                "'%' and spaces (the station id is the last segment of its URL)"
            )
        if self.profile is not None:
            load_checked_profile(self.profile)
        self.security()
        self.identities()

    def check_target(self, host: str | None) -> None:
        """Raise FleetOptionError when the CSMS URL or the first station's credentials do not fit
        the security profile (the messages of `fleet run`, with the --fleet- option names)."""
        if not host:
            return
        try:
            parse_websocket_url(host)
        except ValueError:
            raise FleetOptionError(
                f"--host {host}: the CSMS URL must be ws://host[:port]/path or wss://host[:port]/path"
            ) from None
        if not self.security_profile:
            return
        identity = self.identities().with_credentials(StationIdentity(f"{self.id_prefix}00000"), 0)
        try:
            self.security().check(host, identity)
        except SecuritySetupError as exc:
            raise FleetOptionError(str(exc)) from None

    def security(self) -> ClientSecurity:
        try:
            return ClientSecurity(
                self.security_profile, ca_file=self.ca_file, insecure=self.insecure, names=LOCUST_OPTIONS
            )
        except SecuritySetupError as exc:
            raise FleetOptionError(str(exc)) from None

    def identities(self) -> StationIdentities:
        """The password and certificate patterns (station ids come from --fleet-id-prefix)."""
        try:
            return _identities(
                self.seed,
                self.password,
                self.password_pattern,
                self.client_cert_pattern,
                self.client_key_pattern,
            )
        except IdentityError as exc:
            raise FleetOptionError(str(exc)) from None

    @property
    def version(self) -> OcppVersion:
        return OCPP_VERSIONS[self.ocpp]

    @property
    def station_version(self) -> StationVersion:
        """The station core's name for the version (checked by ``check``)."""
        return "1.6" if self.ocpp == "1.6" else "2.0.1"

    def load_profile(self) -> Profile | None:
        return None if self.profile is None else load_checked_profile(self.profile)


@cache
def load_checked_profile(name_or_path: str) -> Profile:
    """The profile, loaded once per process; a bad one raises FleetOptionError saying why."""
    try:
        return load_profile(resolve_profile(name_or_path))
    except ProfileError as exc:
        raise FleetOptionError(f"--fleet-profile {name_or_path}: {exc}") from None


def _text(value: object) -> str | None:
    """An optional text option: unset on the command line is None, an empty web UI field ''."""
    text = "" if value is None else str(value).strip()
    return text or None


@cache
def _identities(
    seed: int,
    password: str | None,
    password_pattern: str | None,
    client_cert_pattern: str | None,
    client_key_pattern: str | None,
) -> StationIdentities:
    # once per process and options: every user of a swarm asks for the same
    return StationIdentities(
        seed=seed,
        password=password,
        password_pattern=password_pattern,
        client_cert_pattern=client_cert_pattern,
        client_key_pattern=client_key_pattern,
        names=LOCUST_OPTIONS,
    )


def add_fleet_arguments(parser: ArgumentAdder) -> None:
    """The --fleet-* options on Locust's parser (handler of init_command_line_parser). Not in an
    argument group: only the parser itself knows include_in_web_ui."""
    defaults = FleetOptions()
    _add_station_arguments(parser, defaults)
    _add_shape_arguments(parser, defaults)
    _add_metrics_arguments(parser, defaults)
    _add_security_arguments(parser)


def _add_station_arguments(parser: ArgumentAdder, defaults: FleetOptions) -> None:
    """What each user simulates: its behaviour, OCPP version, id, clock, seed and EVSEs."""
    parser.add_argument(
        "--fleet-profile",
        default="",
        metavar="NAME|FILE",
        help="behaviour profile: a bundled name (workplace, residential, ...) or a TOML file; "
        "empty: the built-in simple driver",
    )
    parser.add_argument(
        "--fleet-ocpp",
        default=defaults.ocpp,
        choices=list(OCPP_VERSIONS),
        help="OCPP version the stations speak (default 2.0.1)",
    )
    parser.add_argument(
        "--fleet-id-prefix",
        default=defaults.id_prefix,
        metavar="TEXT",
        help="station id prefix: SIM-00000, ...; on a worker SIM-w1-00000 (worker index 1)",
    )
    parser.add_argument(
        "--fleet-speed",
        type=float,
        default=defaults.speed,
        metavar="X",
        help="simulated seconds per real second: arrivals, dwell times, heartbeats, meter intervals",
    )
    parser.add_argument("--fleet-seed", type=int, default=defaults.seed, metavar="N", help="random seed")
    parser.add_argument(
        "--fleet-deflate",
        type=float,
        default=defaults.deflate,
        metavar="SHARE",
        help="share of the stations (0..1, evenly by number; default 0) offering permessage-deflate",
    )
    parser.add_argument(
        "--fleet-evses",
        type=int,
        default=defaults.evses,
        metavar="N",
        help="EVSEs per station with the simple driver (a profile has its own station mix)",
    )


def _add_shape_arguments(parser: ArgumentAdder, defaults: FleetOptions) -> None:
    """The load shape (start-up only: not in the web UI)."""
    parser.add_argument(
        "--fleet-shape",
        default=defaults.shape,
        choices=SHAPES,
        include_in_web_ui=False,
        help="load shape: none (Locust's users and spawn rate), ramp (linear to --users over --run-time), "
        "steps (--fleet-steps equal steps to --users), rush-hour (the profile's arrival curve, "
        "a simulated day at --fleet-speed, peak = --users)",
    )
    parser.add_argument(
        "--fleet-steps",
        type=int,
        default=defaults.steps,
        metavar="N",
        include_in_web_ui=False,
        help="steps of --fleet-shape steps (default 5)",
    )


def _add_metrics_arguments(parser: ArgumentAdder, defaults: FleetOptions) -> None:
    """The Prometheus endpoint (start-up only: not in the web UI)."""
    parser.add_argument(
        "--fleet-metrics-port",
        type=int,
        default=defaults.metrics_port,
        metavar="PORT",
        include_in_web_ui=False,
        help="serve Prometheus metrics from Locust's statistics on this port (master or "
        "stand-alone; aggregated over the workers); 0: off",
    )
    parser.add_argument(
        "--fleet-metrics-host",
        default=defaults.metrics_host,
        metavar="ADDRESS",
        include_in_web_ui=False,
        help="address the metrics server listens on (default 127.0.0.1; 0.0.0.0 for all)",
    )


def _add_security_arguments(parser: ArgumentAdder) -> None:
    """`fleet run`'s security options with the --fleet- prefix (README: security profiles).
    Text options default to '' rather than None so the web UI form keeps them as text."""
    parser.add_argument(
        "--fleet-security-profile",
        type=int,
        default=0,
        choices=PROFILES,
        help="OCPP security profile: 0 none, 1 ws:// + Basic auth, 2 wss:// + Basic auth, "
        "3 wss:// + client certificate",
    )
    parser.add_argument(
        "--fleet-password",
        default="",
        metavar="TEXT",
        is_secret=True,
        env_var="FLEET_PASSWORD",
        help="profiles 1, 2: Basic auth password of every station (user = station id; env FLEET_PASSWORD)",
    )
    parser.add_argument(
        "--fleet-password-pattern",
        default="",
        metavar="PATTERN",
        help="profiles 1, 2: per-station password, e.g. 'pw-{station_id}' (fields {n}, {site}, {seed}, "
        "{station_id})",
    )
    parser.add_argument(
        "--fleet-ca-file",
        default="",
        metavar="FILE",
        help="profiles 2, 3: CA bundle the CSMS certificate is checked against (default: system store)",
    )
    parser.add_argument(
        "--fleet-insecure",
        action="store_true",
        default=False,
        help="do not verify the CSMS certificate (test CSMSs only)",
    )
    parser.add_argument(
        "--fleet-client-cert-pattern",
        default="",
        metavar="PATTERN",
        help="profile 3: PEM per station, e.g. 'certs/{station_id}.pem'",
    )
    parser.add_argument(
        "--fleet-client-key-pattern",
        default="",
        metavar="PATTERN",
        help="profile 3: key file when not in the certificate file",
    )
