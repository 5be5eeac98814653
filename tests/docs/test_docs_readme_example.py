"""The README's scripting example runs as printed, against the public API only (in MockClock time,
so its two simulated minutes take a moment)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio
import trio.testing

import fleet

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- public-api-example -->\n```python\n(.*?)```", text, re.S)
    assert match is not None, f"{README}: no ```python block after <!-- public-api-example -->"
    return match.group(1)


def test_the_example_is_short_and_uses_only_the_public_api() -> None:
    code = _example()
    lines = [line for line in code.splitlines() if line.strip()]
    assert len(lines) <= 15, f"the README example has {len(lines)} lines of code"
    used = set(re.findall(r"\bfleet\.(\w+)", code))
    assert used <= set(fleet.__all__), f"not in fleet.__all__: {sorted(used - set(fleet.__all__))}"
    assert not re.search(r"from fleet\.|import fleet\.", code), "the example imports a package of fleet"


def test_the_example_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_run = trio.run

    def run_on_a_mock_clock(main: Callable[[], Awaitable[None]]) -> None:
        async def bounded() -> None:
            with trio.fail_after(600):  # simulated seconds: the run is 120
                await main()

        real_run(bounded, clock=trio.testing.MockClock(autojump_threshold=0))

    monkeypatch.setattr(trio, "run", run_on_a_mock_clock)
    monkeypatch.chdir(tmp_path)
    exec(compile(_example(), str(README), "exec"), {"__name__": "__main__"})

    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in printed] == [["SLO", "PASS"], ["SLO", "PASS"]], printed
    summary = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert summary["stations"]["configured"] == 20
    assert summary["actions"]["BootNotification"]["ok"] == 20
