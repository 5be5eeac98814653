"""The exit codes nightly CI relies on: `fleet run --slo` and `fleet compare`, end to end."""

import json
from pathlib import Path

import pytest

from fleet.cli import main

_SHORT_RUN = ["run", "--stations", "3", "--duration", "3", "--ramp", "50", "--seed", "4"]


def test_slo_verdicts_exit_codes_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    passing, failing = tmp_path / "passing.json", tmp_path / "failing.json"
    assert main([*_SHORT_RUN, "--slo", "p99 < 5s", "--slo", "error_rate == 0", "--out", str(passing)]) == 0
    out = capsys.readouterr().out
    assert "SLO PASS  p99 < 5s" in out and "SLO PASS  error_rate == 0" in out

    code = main(
        [
            *_SHORT_RUN,
            "--slo",
            "p99(BootNotification) < 0.001us",
            "--slo",
            "booted >= 3",
            "--out",
            str(failing),
        ]
    )
    out = capsys.readouterr().out
    assert code == 3
    assert "SLO FAIL  p99(BootNotification) < 0.001us" in out
    assert "SLO PASS  booted >= 3" in out
    assert "1 of 2 SLO threshold(s) violated" in out
    recorded = json.loads(failing.read_text())["slo"]
    assert [item["passed"] for item in recorded] == [False, True]

    assert main(["compare", str(passing), str(passing)]) == 0
    assert "no regressions" in capsys.readouterr().out


def test_compare_exits_1_on_a_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = {
        "actions": {"Heartbeat": {"ok": 10, "errors": 0, "latency_ms": {"p50": 5.0, "p99": 9.0}}},
        "duration_s": 10.0,
        "messages_sent": 10,
    }
    new = {
        "actions": {"Heartbeat": {"ok": 10, "errors": 0, "latency_ms": {"p50": 5.0, "p99": 40.0}}},
        "duration_s": 10.0,
        "messages_sent": 10,
    }
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "new.json").write_text(json.dumps(new))
    assert main(["compare", str(tmp_path / "base.json"), str(tmp_path / "new.json")]) == 1
    assert "Heartbeat p99" in capsys.readouterr().out


def test_compare_names_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["compare", str(tmp_path / "broken.json"), str(tmp_path / "missing.json")]) == 2
    assert "broken.json: not valid JSON" in capsys.readouterr().err


def test_a_bad_slo_is_refused_before_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*_SHORT_RUN, "--slo", "p99(TransactionEvent) < 300"])
    assert exited.value.code == 2
    assert "needs a unit" in capsys.readouterr().err
