"""How much worse a figure may get before `fleet compare` calls it a regression.

A tolerance is always written with a percent sign and is relative to the base run's value:
``10%`` lets a 40 ms p99 grow to 44 ms. A bare number is refused (``10`` could mean 10 % or
1000 %, ``0.1`` 0.1 % or 10 %). ``FIGURE=N%`` sets one figure's or one kind's tolerance:
``p99=20%`` (every action's p99), ``'TransactionEvent p99=25%'``, ``error_rate=50%``; the most
specific one applies (a whole figure name, then a kind, then the default, 10 %).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_TOLERANCE = 0.10
FIGURE_KINDS = ("p50", "p99", "error rate", "throughput", "transactions started")


class ToleranceError(ValueError):
    """A tolerance that cannot be read, or names no figure; the message says what to write."""


@dataclass(frozen=True, slots=True)
class ToleranceRule:
    """``selector``: a figure name or kind (normalised by `figure_key`), None for every figure;
    ``fraction``: 0.10 for 10 %. ``text``: as the user wrote it, for error messages."""

    selector: str | None
    fraction: float
    text: str


def figure_key(name: str) -> str:
    """The spelling selectors are matched in: case, underscores and repeated spaces do not count."""
    return " ".join(name.replace("_", " ").split()).lower()


def parse_tolerance(text: str) -> ToleranceRule:
    """``'10%'`` or ``'p99=20%'`` or ``'TransactionEvent p99=25%'``."""
    selector, _, amount = text.rpartition("=")
    if "=" in text and not selector.strip():
        raise ToleranceError(f"{text!r}: name a figure before '=', e.g. p99=20%")
    return ToleranceRule(figure_key(selector) if selector.strip() else None, _fraction(amount), text)


def _fraction(amount: str) -> float:
    number = amount.strip()
    if not number.endswith("%"):
        raise ToleranceError(
            f"{amount!r}: write the tolerance as a percentage, e.g. {_example(number)} "
            "(a bare number could be read as a fraction or as percent)"
        )
    try:
        value = float(number[:-1])
    except ValueError:
        raise ToleranceError(f"{amount!r}: expected a number followed by %, e.g. 10%") from None
    if not 0 <= value < math.inf:
        raise ToleranceError(f"{amount!r}: the tolerance must be a finite percentage, 0% or more")
    return value / 100


def _example(number: str) -> str:
    try:
        return f"{float(number):g}%"
    except ValueError:
        return "10%"


@dataclass(frozen=True, slots=True)
class Tolerances:
    """The tolerance of each figure: the last rule for its name, else for its kind, else the
    last rule without a selector, else 10 %."""

    rules: tuple[ToleranceRule, ...] = ()

    def for_figure(self, name: str, kind: str) -> float:
        by_selector = {rule.selector: rule.fraction for rule in self.rules}
        for selector in (figure_key(name), figure_key(kind), None):
            if selector in by_selector:
                return by_selector[selector]
        return DEFAULT_TOLERANCE

    def check_names(self, figure_names: Iterable[str], option: str) -> None:
        """Raise ToleranceError for the first rule that names no figure of ``figure_names`` and no
        kind, naming the closest figure."""
        known = sorted({*figure_names, *FIGURE_KINDS})
        keys = {figure_key(name): name for name in known}
        for rule in self.rules:
            if rule.selector is not None and rule.selector not in keys:
                raise ToleranceError(f"{option} {rule.text!r}: {_unknown(rule, keys)}")


def _unknown(rule: ToleranceRule, keys: dict[str, str]) -> str:
    written = rule.text.rpartition("=")[0].strip()
    close = difflib.get_close_matches(rule.selector or "", list(keys), n=1, cutoff=0.5)
    if close:
        return f"no figure called {written!r}; did you mean {keys[close[0]]!r}?"
    return f"no figure called {written!r}; figures are {_kinds(FIGURE_KINDS)} or 'ACTION p99' etc."


def _kinds(kinds: Sequence[str]) -> str:
    return ", ".join(kind.replace(" ", "_") for kind in kinds)
