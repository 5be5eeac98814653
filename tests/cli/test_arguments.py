"""Bad arguments exit with status 2 and a message naming the option and what it expects."""

from __future__ import annotations

import pytest

from fleet.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--stations", "0"], "--stations: must be at least 1"),
        (["run", "--stations", "many"], "--stations: expected a whole number"),
        (["run", "--duration", "-5"], "--duration: must not be negative, got '-5'"),
        (["run", "--duration", "inf"], "--duration: expected a duration such as 90s, 5m or 1h30m, got 'inf'"),
        (["run", "--duration", "5x"], "--duration: expected a duration such as 90s, 5m or 1h30m, got '5x'"),
        (["run", "--duration", "0s"], "--duration: must be a duration greater than 0"),
        (["run", "--csms-response-delay", "-1"], "must not be negative"),
        (["run", "--csms-heartbeat-interval", "1.5s"], "must be a whole number of seconds"),
        (["run", "--ramp", "10", "--ramp-over", "1m"], "not allowed with argument --ramp"),
        (["simulate", "--ramp", "60"], "write --ramp-over 60s"),
        (["simulate", "--hours", "2", "--duration", "2h"], "not allowed with argument --hours"),
        (["run", "--ramp", "0"], "--ramp: must be a finite number greater than 0"),
        (["run", "--csms", "http://127.0.0.1:9000"], "must start with ws:// or wss://"),
        (["run", "--csms", "ws://:9000/ocpp"], "the CSMS URL has no host"),
        (["run", "--csms", "ws://127.0.0.1:99999/ocpp"], "--csms"),
        (["run", "--csms-auth-reject-ratio", "1.5"], "must be between 0 and 1"),
        (["csms", "--port", "70000"], "must be 0..65535"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_argument_exits_2_naming_the_problem(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err
