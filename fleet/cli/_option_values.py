"""Option values that come from elsewhere than the command line (a `--config` file, an environment
variable), converted by the option's own argparse type so a bad one reads as it would on the
command line, prefixed with where it came from."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time


class OptionValueError(ValueError):
    """A value an option cannot take; the message names where it came from and why."""


def long_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Each long option of ``parser`` without its dashes (``stations``, ``ramp-over``) -> its action;
    not --help."""
    options: dict[str, argparse.Action] = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        for option in action.option_strings:
            if option.startswith("--"):
                options[option[2:]] = action
    return options


def is_repeatable(action: argparse.Action) -> bool:
    return isinstance(action, argparse._AppendAction)


def is_flag(action: argparse.Action) -> bool:
    return isinstance(
        action, argparse._StoreConstAction | argparse._StoreTrueAction | argparse._StoreFalseAction
    )


def convert_text(action: argparse.Action, text: str, where: str) -> object:
    """``text`` through the option's type and choices, as argparse would; OptionValueError says
    ``where: what is wrong``."""
    converted: object = text
    if callable(action.type):
        try:
            converted = action.type(text)
        except argparse.ArgumentTypeError as exc:
            raise OptionValueError(f"{where}: {exc}") from None
        except (TypeError, ValueError):
            raise OptionValueError(f"{where}: invalid value {text!r}") from None
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(str(choice) for choice in action.choices)
        raise OptionValueError(f"{where}: invalid choice {text!r} (choose from {choices})")
    return converted


def scalar_text(value: object, where: str) -> str:
    """A TOML scalar as the command line would spell it (a number, a string, a date-time)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | date | datetime | time):
        raise OptionValueError(f"{where}: expected one value (a string or a number), got {value!r}")
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)
