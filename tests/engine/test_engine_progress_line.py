"""The progress line fits the terminal (issue 18, finding 9): it was padded to 100 columns and
wrapped on an 80-column terminal, so every rewrite left a half line behind."""

from __future__ import annotations

import io

import pytest

from fleet.engine import print_progress_line
from fleet.engine._progress_line import TerminalProgress, fit_progress_line, terminal_columns
from fleet.metrics import Snapshot, format_progress

FIGURES = {"connected": 1800, "connected_peak": 2000, "booted": 2000, "messages_sent": 99_999}
SNAPSHOT = Snapshot(**FIGURES, errors=3, transactions_active=400, reconnects=20)
# format_progress's own line, so a change of its wording shows here
LINE = format_progress(SNAPSHOT, 1234.4, 12.0, 600.0, stations_configured=2000)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_is_whole_on_a_wide_terminal() -> None:
    assert fit_progress_line(LINE, 200) == LINE


def test_on_80_columns_the_least_important_fields_go_first_and_whole() -> None:
    assert len(LINE) > 79  # the old line wrapped here
    fitted = fit_progress_line(LINE, 80)
    assert fitted == "[  12.0s/600s] stations 1800/2000 connected (peak 2000), 1234 msg/s, 3 errors"
    assert len(fitted) <= 79


def test_on_60_columns_the_peak_and_the_rate_go_next_and_errors_stay() -> None:
    assert fit_progress_line(LINE, 60) == "[  12.0s/600s] stations 1800/2000 connected, 3 errors"


def test_on_40_columns_the_clock_and_stations_stay_and_no_word_is_cut() -> None:
    fitted = fit_progress_line(LINE, 40)
    assert len(fitted) <= 39
    assert fitted == "[  12.0s/600s] stations 1800/2000..."


@pytest.mark.parametrize("columns", [1, 2, 5, 10, 20, 40, 60, 80, 100, 200])
def test_never_wider_than_the_terminal(columns: int) -> None:
    assert len(fit_progress_line(LINE + ", workers 1, 2 died", columns)) <= max(columns - 1, 1)


def test_padding_only_clears_the_previous_line_and_never_passes_the_width() -> None:
    terminal = FakeTerminal()
    progress = TerminalProgress()
    progress.write("a longer line", terminal, 80)
    progress.write("short", terminal, 80)
    progress.write("x" * 200, terminal, 40)
    writes = terminal.getvalue().split("\r")[1:]
    assert writes == ["a longer line", "short".ljust(len("a longer line")), "x" * 36 + "..."]


def test_the_width_is_the_terminal_of_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)

    print_progress_line(LINE, 12.0)

    written = terminal.getvalue()
    assert written.startswith("\r") and len(written) <= 40
    assert written.strip() == "[  12.0s/600s] stations 1800/2000..."


def test_without_a_terminal_the_width_is_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_columns(io.StringIO()) == 80
    monkeypatch.setenv("COLUMNS", "200")
    assert terminal_columns(io.StringIO()) == 200


def test_a_log_still_gets_the_whole_line_every_5_s(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    monkeypatch.setenv("COLUMNS", "40")
    print_progress_line(LINE, 4.0)
    print_progress_line(LINE, 5.0)
    assert log.getvalue() == LINE + "\n"
