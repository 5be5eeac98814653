"""A comparison of two runs as people and CI read it: a text table for the terminal, JSON for a
machine, GitHub-flavoured Markdown for a pull-request comment; each led by one headline such as
``2 regressions: TransactionEvent p99 +35 % (41 -> 55 ms), throughput -12 % (250 -> 220 msg/s)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fleet.metrics._comparability import Difference
from fleet.metrics._compare import Figure, Verdict, show_value


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two runs compared: ``figures`` is empty when their ``differences`` refused the comparison."""

    base_name: str
    new_name: str
    figures: Sequence[Figure]
    differences: Sequence[Difference] = ()
    allow_different: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.differences) and not self.allow_different

    @property
    def regressions(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.verdict is Verdict.REGRESSION]

    @property
    def verdict(self) -> str:
        """The overall verdict: "incomparable", "regression" or "pass"."""
        if self.refused:
            return "incomparable"
        return "regression" if self.regressions else "pass"

    def headline(self) -> str:
        if self.refused:
            return f"not comparable: {differences_line(self.differences)}"
        regressions = self.regressions
        if not regressions:
            return "no regressions"
        plural = "s" if len(regressions) > 1 else ""
        return f"{len(regressions)} regression{plural}: " + ", ".join(map(_brief, regressions))


def differences_line(differences: Sequence[Difference]) -> str:
    return "; ".join(difference.line() for difference in differences)


def _brief(figure: Figure) -> str:
    """``TransactionEvent p99 +35 % (41 -> 55 ms)``."""
    change = "" if figure.change is None else f" {figure.change * 100:+.0f} %"
    unit = f" {figure.unit}" if figure.unit else ""
    return f"{figure.name}{change} ({show_value(figure.base)} -> {show_value(figure.new)}{unit})"


def format_comparison(comparison: Comparison) -> str:
    """The terminal's table, its last line the headline."""
    header = f"{'figure':<34} {'base':>12} {'new':>12} {'unit':<5} {'change':>8} {'tol':>6}  verdict"
    lines = [f"base: {comparison.base_name}", f"new:  {comparison.new_name}"]
    if comparison.differences and not comparison.refused:
        lines.append(f"the runs differ: {differences_line(comparison.differences)}")
    if comparison.figures:
        lines.extend([header, "-" * len(header)])
        lines.extend(figure.line() for figure in comparison.figures)
    lines.append(comparison.headline())
    return "\n".join(lines)


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """Every figure with base, new, change (relative: 0.35 = +35 %), tolerance (0.10 = 10 %) and
    verdict; the comparability verdict; the overall verdict."""
    return {
        "base": comparison.base_name,
        "new": comparison.new_name,
        "verdict": comparison.verdict,
        "headline": comparison.headline(),
        "comparable": not comparison.differences,
        "allow_different": comparison.allow_different,
        "differences": [difference.to_dict() for difference in comparison.differences],
        "regressions": len(comparison.regressions),
        "figures": [_figure_json(figure) for figure in comparison.figures],
    }


def _figure_json(figure: Figure) -> dict[str, Any]:
    return {
        "name": figure.name,
        "action": figure.action,
        "kind": figure.kind,
        "unit": figure.unit,
        "base": figure.base,
        "new": figure.new,
        "change": None if figure.change is None else round(figure.change, 6),
        "tolerance": figure.tolerance,
        "verdict": figure.verdict.name.lower(),
    }


def comparison_markdown(comparison: Comparison) -> str:
    """A pull-request comment: the headline, the runs, any differences, then the table with the
    regressions first."""
    lines = [
        f"**fleet compare: {_cell(comparison.headline())}**",
        "",
        f"base: `{comparison.base_name}`, new: `{comparison.new_name}`",
    ]
    if comparison.differences:
        lines.extend(["", "The runs differ:", ""])
        lines.extend(f"- {_cell(difference.line())}" for difference in comparison.differences)
    if comparison.figures:
        lines.extend(
            ["", "| figure | base | new | change | tolerance | verdict |", "|---|--:|--:|--:|--:|---|"]
        )
        lines.extend(_row(figure) for figure in _regressions_first(comparison.figures))
    return "\n".join(lines) + "\n"


def _regressions_first(figures: Sequence[Figure]) -> list[Figure]:
    return sorted(figures, key=lambda figure: figure.verdict is not Verdict.REGRESSION)


def _row(figure: Figure) -> str:
    unit = f" {figure.unit}" if figure.unit else ""
    change = "" if figure.change is None else f"{figure.change * 100:+.1f} %"
    verdict = "**regression**" if figure.verdict is Verdict.REGRESSION else figure.verdict.value
    cells = (
        _cell(figure.name),
        f"{show_value(figure.base)}{unit}",
        f"{show_value(figure.new)}{unit}",
        change,
        f"{figure.tolerance * 100:g} %",
        verdict,
    )
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
