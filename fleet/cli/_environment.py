"""Environment variables for the CSMS URL and the secrets, so passwords stay out of shell history
and CI logs (README "Options"). An option given on the command line wins over its variable, the
variable over a `--config` file, the file over the default."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from fleet.cli._option_values import OptionValueError, convert_text, long_options

# per command: option -> the variable read when the option is not given
ENVIRONMENT: dict[str, dict[str, str]] = {
    "run": {
        "--csms": "FLEET_CSMS_URL",
        "--password": "FLEET_PASSWORD",
        "--password-pattern": "FLEET_PASSWORD_PATTERN",
        "--console-password": "FLEET_CONSOLE_PASSWORD",
    },
    "csms": {"--password": "FLEET_PASSWORD", "--console-password": "FLEET_CONSOLE_PASSWORD"},
}

# options whose values are secrets, in any command (`fleet locust` spells its own --fleet-password)
_SECRET_OPTIONS = frozenset({"--password", "--password-pattern", "--fleet-password", "--console-password"})


def secret_option_names() -> set[str]:
    """The options whose values must never be printed or stored (the run's command line masks them)."""
    return set(_SECRET_OPTIONS)


def environment_defaults(
    parser: argparse.ArgumentParser, command: str, environ: Mapping[str, str]
) -> dict[str, object]:
    """The values the environment gives ``command``'s options, by destination, converted by each
    option's type; OptionValueError names the variable (never its value if it is a secret)."""
    options = long_options(parser)
    values: dict[str, object] = {}
    for option, variable in ENVIRONMENT.get(command, {}).items():
        text = environ.get(variable)
        if not text:
            continue
        action = options[option[2:]]
        try:
            values[action.dest] = convert_text(action, text, variable)
        except OptionValueError:
            if option in _SECRET_OPTIONS:
                raise OptionValueError(f"{variable}: not a valid value for {option}") from None
            raise
    return values
