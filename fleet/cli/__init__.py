"""The `fleet` command line."""

from fleet.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
