"""`python -m fleet.locust [LOCUST OPTIONS]`: Locust with the fleet's locustfile, the --fleet-*
options' help first when -h/--help is asked for (what `fleet locust --help` runs).

Locust prints its help before it imports a locustfile, so the options a locustfile adds never show
in `locust --help`; this prints them, then hands the process to Locust.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from fleet.locust import LOCUSTFILE, options_help

HELP = ("-h", "--help")


def main(args: Sequence[str]) -> None:
    if any(arg in HELP for arg in args):
        print(options_help())
        print("Locust's options:\n")
    sys.stdout.flush()
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
