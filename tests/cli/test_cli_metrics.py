"""--metrics-port / --metrics-host on `fleet run` and `fleet csms`."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from fleet.cli import build_parser, main
from fleet.cli._run import job_from_arguments


@pytest.fixture
def taken_port(unused_port: int) -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", unused_port))
        sock.listen()
        yield unused_port


def test_run_passes_the_metrics_endpoint_to_the_job() -> None:
    job = job_from_arguments(build_parser().parse_args(["run", "--metrics-port", "9464"]))
    assert (job.metrics_port, job.metrics_host) == (9464, "127.0.0.1")
    job = job_from_arguments(
        build_parser().parse_args(["run", "--metrics-port", "9999", "--metrics-host", "0.0.0.0"])
    )
    assert (job.metrics_port, job.metrics_host) == (9999, "0.0.0.0")


def test_without_the_option_there_is_no_exporter() -> None:
    assert job_from_arguments(build_parser().parse_args(["run"])).metrics_port is None


@pytest.mark.parametrize("command", ["run", "csms"])
def test_a_taken_metrics_port_exits_2_before_anything_starts(
    command: str, taken_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--metrics-port", str(taken_port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve Prometheus metrics on 127.0.0.1:{taken_port}" in err
    assert "already in use" in err and "--metrics-port" in err


def test_a_bad_metrics_port_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--metrics-port", "70000"])
    assert exit_info.value.code == 2
    assert "--metrics-port" in capsys.readouterr().err
