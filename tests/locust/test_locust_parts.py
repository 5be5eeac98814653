"""The gevent-free parts of fleet.locust, in-process: options, station ids, load curves, the
request events a station's connection reports become (and their wording), and the Prometheus
collector over Locust's stats."""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fleet.behaviour import load_profile, resolve_profile
from fleet.connection import (
    ConnectTimeout,
    Ended,
    HandshakeFailed,
    Recorder,
    SubprotocolRefused,
    UpgradeRejected,
    classify_error,
    report_events,
)
from fleet.identity import LOCUST_OPTIONS, StationIdentity, basic_auth_header
from fleet.locust import FleetOptionError, FleetOptions, station_id_for
from fleet.locust import _load_curves as curves
from fleet.locust._prometheus import LocustStatsCollector
from fleet.locust._reporting import (
    ConnectionFailed,
    CsmsProtocolError,
    EventReporter,
    MessageGivenUp,
    OcppCallError,
    locust_message,
)
from fleet.station import CallFailed, CallSucceeded, MessageDropped, RebootRequested


def test_importing_the_package_does_not_pull_in_gevent() -> None:
    code = "import sys, fleet.locust, fleet.locust._prometheus; assert 'gevent' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _parsed(**overrides: Any) -> SimpleNamespace:
    values = {
        "fleet_profile": "",
        "fleet_ocpp": "2.0.1",
        "fleet_id_prefix": "SIM-",
        "fleet_speed": 1.0,
        "fleet_seed": 1,
        "fleet_evses": 2,
        "fleet_shape": "none",
        "fleet_steps": 5,
        "fleet_metrics_port": 0,
        "fleet_metrics_host": "127.0.0.1",
        "fleet_security_profile": 0,
        "fleet_password": "",
        "fleet_password_pattern": "",
        "fleet_ca_file": "",
        "fleet_insecure": False,
        "fleet_client_cert_pattern": "",
        "fleet_client_key_pattern": "",
        "fleet_deflate": 0.0,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def test_options_from_the_web_form_strings() -> None:
    options = FleetOptions.from_parsed(_parsed(fleet_speed="60", fleet_seed="3", fleet_profile="workplace"))
    assert (options.speed, options.seed, options.profile) == (60.0, 3, "workplace")
    assert options.version.request_type == "OCPP2.0.1"
    assert FleetOptions.from_parsed(_parsed(fleet_ocpp="1.6")).version.request_type == "OCPP1.6"
    assert FleetOptions.from_parsed(_parsed(fleet_deflate="0.5")).deflate == 0.5


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ({"fleet_ocpp": "2.1"}, "unknown OCPP version"),
        ({"fleet_speed": "0"}, "--fleet-speed 0.0: must be > 0"),
        ({"fleet_id_prefix": "a/b"}, "--fleet-id-prefix 'a/b'"),
        ({"fleet_profile": "no_such_site"}, "--fleet-profile no_such_site"),
        ({"fleet_seed": "x"}, "not a number"),
        ({"fleet_deflate": "1.5"}, "--fleet-deflate 1.5: must be between 0 and 1"),
    ],
)
def test_bad_options_say_which_and_why(override: dict[str, str], says: str) -> None:
    with pytest.raises(FleetOptionError) as raised:
        FleetOptions.from_parsed(_parsed(**override))
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("override", "host", "says"),
    [
        (
            {"fleet_security_profile": "2", "fleet_password": "pw"},
            "ws://csms/ocpp",
            "--fleet-security-profile 2 connects with wss://, but the CSMS URL is 'ws://csms/ocpp'",
        ),
        (
            {"fleet_security_profile": "1"},
            "ws://csms/ocpp",
            "--fleet-security-profile 1 needs a password per station: give --fleet-password or "
            "--fleet-password-pattern",
        ),
        (
            {"fleet_security_profile": "3"},
            "wss://csms/ocpp",
            "--fleet-security-profile 3 needs a client certificate per station: give "
            "--fleet-client-cert-pattern (and --fleet-client-key-pattern if the key is a separate file)",
        ),
        (
            {"fleet_password_pattern": "pw-{nope}"},
            None,
            "--fleet-password-pattern 'pw-{nope}': unknown field",
        ),
        ({"fleet_security_profile": "7"}, None, "--fleet-security-profile: expected 0, 1, 2 or 3, got 7"),
    ],
)
def test_security_options_that_do_not_fit_say_so_as_fleet_run_does(
    override: dict[str, str], host: str | None, says: str
) -> None:
    with pytest.raises(FleetOptionError) as raised:
        FleetOptions.from_parsed(_parsed(**override)).check_target(host)
    assert says in str(raised.value)


def test_security_options_give_each_station_its_credentials() -> None:
    options = FleetOptions.from_parsed(
        _parsed(
            fleet_security_profile="1",
            fleet_password_pattern="pw-{station_id}-{n}",
            fleet_insecure="true",  # the web UI form sends booleans as text
        )
    )
    options.check_target("ws://csms/ocpp")
    identity = options.identities().with_credentials(StationIdentity("SIM-w1-00007"), 7)
    assert identity.password == "pw-SIM-w1-00007-7"
    assert options.insecure
    assert options.security().headers(identity.station_id, identity.password) == [
        basic_auth_header("SIM-w1-00007", "pw-SIM-w1-00007-7")
    ]


def test_station_ids_of_different_workers_never_collide() -> None:
    assert station_id_for("SIM-", 42, None) == "SIM-00042"
    first = {station_id_for("SIM-", n, 0) for n in range(1000)}
    second = {station_id_for("SIM-", n, 1) for n in range(1000)}
    assert len(first) == len(second) == 1000 and not first & second


def test_ramp_and_steps_reach_the_peak_and_end_with_the_run() -> None:
    assert [curves.ramp(t, 10, 10.0, 20.0) for t in (0, 1, 5, 10, 15)] == [0, 1, 5, 10, 10]
    assert curves.ramp(20.0, 10, 10.0, 20.0) is None
    assert [curves.steps(t, 9, 3, 30.0) for t in (0, 9.9, 10, 25)] == [3, 3, 6, 9]
    assert curves.steps(30.0, 9, 3, 30.0) is None


def test_rush_hour_follows_the_profile_arrival_curve() -> None:
    profile = load_profile(resolve_profile("workplace"))
    curve = curves.arrival_curve(profile)
    busiest = curve.index(max(curve))
    speed = 3600.0  # one simulated hour per real second
    users = [curves.rush_hour(h + 0.5, 50, curve, speed, None) for h in range(24)]
    assert users[busiest] == 50
    assert users == [round(50 * rate / max(curve)) for rate in curve]
    assert curves.rush_hour(24.0, 50, curve, speed, None) is None  # one simulated day
    with pytest.raises(FleetOptionError, match="give --fleet-profile"):
        curves.arrival_curve(None)


@dataclass
class _Fired:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def test_station_events_become_locust_requests_timed_from_the_intended_send() -> None:
    fired = _Fired()
    reporter = EventReporter(fired, "OCPP2.0.1", "SIM-00001")
    reporter.response_length = 88  # the shell: the size of the data that caused them
    # what the connection core does with a station's events (latency divided by the speed)
    ending, _ = report_events(
        [
            CallSucceeded("BootNotification", "1", intended_at=100.0, completed_at=100.5),
            CallFailed("Authorize", "2", 200.0, 201.0, "InternalError", "boom"),
            RebootRequested("ImmediateReset"),
            MessageDropped("TransactionEvent", "retries exhausted"),
        ],
        reporter,
        speed=10.0,
        drain=None,
        booted_once=True,
    )
    assert ending is Ended.REBOOT
    ok, failed, dropped = fired.calls
    # 0.5 simulated seconds at 10x = 50 real ms
    assert (ok["name"], ok["response_time"], ok["response_length"], ok["exception"]) == (
        "BootNotification",
        pytest.approx(50.0),
        88,
        None,
    )
    assert (failed["name"], failed["response_time"]) == ("Authorize", pytest.approx(100.0))
    assert isinstance(failed["exception"], OcppCallError)
    # the Recorder protocol carries the error code, not the description: one row per code
    assert str(failed["exception"]) == failed["exception"].error_code == "InternalError"
    assert failed["context"] == {"station_id": "SIM-00001"}
    assert {call["request_type"] for call in fired.calls} == {"OCPP2.0.1"}
    assert dropped["name"] == "TransactionEvent (dropped)"
    assert isinstance(dropped["exception"], MessageGivenUp)
    assert str(dropped["exception"]) == "retries exhausted"


def test_connection_rows_time_the_handshake_and_never_name_the_station() -> None:
    fired = _Fired()
    now = [10.0]
    reporter: Recorder = EventReporter(fired, "OCPP1.6", "SIM-00007", clock=lambda: now[0])
    assert isinstance(reporter, EventReporter)
    reporter.connecting(10.0)
    now[0] = 10.25
    reporter.station_connected()
    host = "ws://csms:9000/ocpp"
    reporter.error("connection_lost", f"SIM-00007: connection lost ({host}: the CSMS closed the connection)")
    reporter.error("protocol_error", "SIM-00007: CSMS sent FormatViolation: bad frame for SIM-00007")
    reporter.connecting(11.0)
    now[0] = 11.5
    reporter.error("refused", f"{host}: connection refused (is the CSMS running and listening on that port?)")
    connected, lost, protocol, refused = fired.calls
    assert (connected["request_type"], connected["name"], connected["exception"]) == (
        "WebSocket",
        "connect",
        None,
    )
    assert connected["response_time"] == pytest.approx(250.0)
    assert (lost["request_type"], lost["name"]) == ("WebSocket", "connection lost")
    assert isinstance(lost["exception"], ConnectionFailed)
    assert str(lost["exception"]) == f"connection lost ({host}: the CSMS closed the connection)"
    assert (protocol["request_type"], protocol["name"]) == ("OCPP1.6", "protocol error")
    assert isinstance(protocol["exception"], CsmsProtocolError)
    assert str(protocol["exception"]) == "CSMS sent FormatViolation: bad frame for <station id>"
    assert (refused["name"], refused["response_time"]) == ("connect", pytest.approx(500.0))
    assert isinstance(refused["exception"], ConnectionFailed)
    assert str(refused["exception"]) == (
        f"refused: {host}: connection refused (is the CSMS running and listening on that port?)"
    )
    assert all("SIM-00007" not in str(call["exception"]) for call in fired.calls)


def test_a_stopping_user_reports_nothing() -> None:
    fired = _Fired()
    reporter = EventReporter(fired, "OCPP2.0.1", "SIM-00001")
    reporter.mute()
    reporter.call_failed("Heartbeat", "ConnectionLost", 0.1)
    reporter.error("connection_lost", "SIM-00001: connection lost (x)")
    assert fired.calls == []


_URL = "ws://127.0.0.1:9/ocpp"  # what the user's --host names the target by


def _untrusted() -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code, exc.verify_message = 18, "self-signed certificate"  # as OpenSSL sets them
    return exc


def _refused_client_certificate() -> ssl.SSLError:
    exc = ssl.SSLError(1, "tlsv13 alert certificate required")
    exc.reason = "TLSV13_ALERT_CERTIFICATE_REQUIRED"
    return exc


# the core's one vocabulary (classify_error) as the Locust shell words it: the kind first, then
# what to do, naming the Locust options
@pytest.mark.parametrize(
    ("exc", "kind", "says"),
    [
        (
            UpgradeRejected(401, b""),
            "auth_rejected",
            "HTTP 401; the CSMS refused the station's password: check --fleet-password or "
            "--fleet-password-pattern",
        ),
        (
            UpgradeRejected(404, b""),
            "not_found",
            "HTTP 404; no OCPP endpoint at this path: check the --host URL",
        ),
        (ConnectionRefusedError(111, "Connection refused"), "refused", "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "dns", "Name or service not known"),
        (
            _untrusted(),
            "server_certificate",
            "not trusted (self-signed certificate); give its CA with --fleet-ca-file (--fleet-insecure "
            "only for a test CSMS)",
        ),
        (
            _refused_client_certificate(),
            "client_certificate",
            "no client certificate was sent); check --fleet-client-cert-pattern",
        ),
        (ssl.SSLError(1, "wrong version number"), "tls", "TLS handshake failed"),
        (UpgradeRejected(503, b"busy"), "http_status", "HTTP 503: busy"),
        (SubprotocolRefused("did not accept 'ocpp1.6'"), "subprotocol", "ocpp1.6"),
        (ConnectTimeout(), "timeout", "no WebSocket handshake within the connect timeout"),
        (TimeoutError(), "timeout", "connect timeout"),
        (HandshakeFailed("no Upgrade header"), "connect_error", "WebSocket handshake failed"),
        (OSError(113, "No route to host"), "connect_error", "No route to host"),
    ],
)
def test_a_failed_connect_is_worded_with_the_locust_option_names(
    exc: BaseException, kind: str, says: str
) -> None:
    core_kind, core_message = classify_error(exc, _URL, LOCUST_OPTIONS)
    assert core_kind == kind
    message = locust_message(core_kind, core_message, "SIM-00001")
    assert message.startswith(f"{kind}: {_URL}: ")
    assert says in message
    # no option spelled as `fleet run` spells it, nothing the Locust shell does not have
    assert not re.search(r"(?<![\w-])--(?!fleet-|host\b)\w", message), message
    assert "stations file" not in message


def test_a_body_naming_the_station_does_not_split_the_failures() -> None:
    """The embedded CSMS names the station in its 401; Locust groups failures by message."""
    messages = {
        locust_message(
            *classify_error(
                UpgradeRejected(401, f"wrong password for {sid!r}".encode()), _URL, LOCUST_OPTIONS
            ),
            sid,
        )
        for sid in ("BAD-00000", "BAD-00001")
    }
    assert messages == {
        f"auth_rejected: {_URL}: HTTP 401: wrong password for '<station id>'; the CSMS refused the "
        "station's password: check --fleet-password or --fleet-password-pattern"
    }


def test_fleet_run_and_locust_name_their_own_options() -> None:
    """One vocabulary, spelled per shell: the same refusal names `fleet run`'s options there and
    Locust's here (and the stations file only where the shell has one)."""
    _, run = classify_error(UpgradeRejected(401, b""), _URL)
    _, locust = classify_error(UpgradeRejected(401, b""), _URL, LOCUST_OPTIONS)
    assert run.endswith("check --password, --password-pattern or the stations file for this station id")
    assert locust.endswith("check --fleet-password or --fleet-password-pattern")
    _, run_404 = classify_error(UpgradeRejected(404, b""), _URL)
    _, locust_404 = classify_error(UpgradeRejected(404, b""), _URL, LOCUST_OPTIONS)
    assert "check the --csms URL" in run_404 and "check the --host URL" in locust_404


@dataclass
class _Entry:
    name: str
    method: str | None
    num_requests: int
    num_failures: int
    total_response_time: float
    response_times: dict[int, int]


def test_prometheus_collector_exports_locust_stats_per_action() -> None:
    entries = [_Entry("BootNotification", "OCPP2.0.1", 5, 1, 2 * 2 + 3 * 150, {2: 2, 150: 3})]
    registry = CollectorRegistry()
    registry.register(LocustStatsCollector(lambda: entries, lambda: 7))
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    action = (("action", "BootNotification"), ("ocpp_version", "2.0.1"))

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted((*action, *labels.items()))))]

    assert value("ocpp_fleet_locust_requests_total", outcome="ok") == 4
    assert value("ocpp_fleet_locust_requests_total", outcome="error") == 1
    assert value("ocpp_fleet_locust_request_duration_seconds_bucket", le="0.002") == 2
    assert value("ocpp_fleet_locust_request_duration_seconds_bucket", le="0.1") == 2
    assert value("ocpp_fleet_locust_request_duration_seconds_bucket", le="0.2") == 5
    assert value("ocpp_fleet_locust_request_duration_seconds_bucket", le="+Inf") == 5
    assert value("ocpp_fleet_locust_request_duration_seconds_sum") == pytest.approx(0.454)
    assert samples[("ocpp_fleet_locust_users", ())] == 7


def test_prometheus_collector_labels_rows_as_fleet_run_does() -> None:
    """Issue 18: `fleet run`'s vocabulary (ocpp_version, action), never Locust's name/request_type."""
    entries = [
        _Entry("StatusNotification", "OCPP1.6", 1, 0, 1.0, {1: 1}),
        _Entry("connect", "WebSocket", 2, 1, 4.0, {2: 2}),
    ]
    registry = CollectorRegistry()
    registry.register(LocustStatsCollector(lambda: entries, lambda: 1))
    labels = {
        tuple(sorted(sample.labels.items()))
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
        if sample.name == "ocpp_fleet_locust_requests_total"
    }
    assert labels == {
        (("action", "StatusNotification"), ("ocpp_version", "1.6"), ("outcome", outcome))
        for outcome in ("ok", "error")
    } | {(("action", "connect"), ("ocpp_version", ""), ("outcome", outcome)) for outcome in ("ok", "error")}


def test_fleet_locust_refuses_another_locustfile(capsys: pytest.CaptureFixture[str]) -> None:
    from fleet.cli import main

    assert main(["locust", "-f", "mine.py", "--headless"]) == 2
    assert "subclass fleet.locust.StationUser" in capsys.readouterr().err
