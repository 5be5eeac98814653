"""`--config FILE` (`fleet run`, `fleet csms`, `fleet simulate`): a whole run in one TOML file.

Keys are the command's long option names, with dashes or underscores (``stations = 2000``,
``duration = "10m"``, ``slo = ["p99(TransactionEvent) < 300ms"]``, ``tag = { build = "1234" }``);
a repeatable option also takes its plural (``tags``). Each value goes through the option's own
type, so errors read as on the command line, prefixed with the file and the key. The values become
the parser's defaults, so an option given on the command line wins; a repeatable option given on
the command line replaces the file's list rather than adding to it (``FileDefaults.settle``),
except ``--tag``: the command line's tags are added, and win for a key the file has too.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fleet.cli._option_values import (
    OptionValueError,
    convert_text,
    is_flag,
    is_repeatable,
    long_options,
    scalar_text,
)

CONFIG_OPTION = "--config"
# repeatable KEY=VALUE options the command line adds to (as k6's --tag adds to its options' tags)
MERGED_BY_KEY = frozenset({"tag"})


class ConfigFileError(ValueError):
    """A config file that cannot be read or holds a key or value the command cannot take."""


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        CONFIG_OPTION,
        metavar="FILE",
        help="read options from a TOML file: keys are the long option names (stations = 2000, "
        'duration = "10m"); options on the command line win (README "Options")',
    )


def config_path(args: Sequence[str]) -> str | None:
    """The FILE of ``--config FILE`` or ``--config=FILE`` in a sub-command's arguments, if any."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument(CONFIG_OPTION)
    known, _ = pre.parse_known_args(list(args))
    path: str | None = known.config
    return path


@dataclass
class FileDefaults:
    """The converted values of a config file, by destination."""

    path: str
    values: dict[str, object] = field(default_factory=dict)

    def settle(self, ns: argparse.Namespace) -> None:
        """After parsing: a repeatable option the command line gave keeps only those values
        (argparse appends them to the default list, a copy of the file's)."""
        for dest, value in self.values.items():
            parsed = getattr(ns, dest)
            if dest in MERGED_BY_KEY:  # KEY=VALUE pairs: the command line's win per key
                setattr(ns, dest, list(dict(parsed).items()))
            elif isinstance(value, list) and parsed is not value:
                setattr(ns, dest, parsed[len(value) :])


def read_config_file(parser: argparse.ArgumentParser, path: str) -> FileDefaults:
    """The options in the TOML file at ``path`` for ``parser``'s command; ConfigFileError names
    the file, the key, and for an unknown key the closest valid one."""
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file)
    except OSError as exc:
        raise ConfigFileError(f"{CONFIG_OPTION} {path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: not valid TOML: {exc}") from None
    return _file_defaults(parser, path, table)


def _file_defaults(parser: argparse.ArgumentParser, path: str, table: Mapping[str, object]) -> FileDefaults:
    options = _keys(parser)
    defaults = FileDefaults(path)
    seen: dict[str, str] = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        action = options.get(name)
        if action is None:
            raise ConfigFileError(f"{path}: unknown key {key!r}{_closest(name, options)}")
        if action.dest in seen:
            raise ConfigFileError(f"{path}: {seen[action.dest]!r} and {key!r} set the same option; keep one")
        seen[action.dest] = key
        try:
            defaults.values[action.dest] = _value(action, value, f"{path}: {key}")
        except OptionValueError as exc:
            raise ConfigFileError(str(exc)) from None
    return defaults


def _keys(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Valid keys: the long options but --config, and each repeatable one's plural too."""
    options = {name: action for name, action in long_options(parser).items() if name != CONFIG_OPTION[2:]}
    plurals = {f"{name}s": action for name, action in options.items() if is_repeatable(action)}
    return {**plurals, **options}


def _closest(name: str, options: Mapping[str, argparse.Action]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else "; the keys are the long option names (see --help)"


def _value(action: argparse.Action, value: object, where: str) -> object:
    if is_flag(action):
        if not isinstance(value, bool):
            raise OptionValueError(f"{where}: expected true or false, got {value!r}")
        return action.const if value else action.default
    if is_repeatable(action):
        return [convert_text(action, text, where) for text in _items(value, where)]
    return convert_text(action, scalar_text(value, where), where)


def _items(value: object, where: str) -> list[str]:
    """A repeatable option's values: a list, one value, or a table of KEY = VALUE (``--tag``)."""
    if isinstance(value, dict):
        return [f"{key}={scalar_text(item, where)}" for key, item in value.items()]
    if isinstance(value, list):
        return [scalar_text(item, where) for item in value]
    return [scalar_text(value, where)]
