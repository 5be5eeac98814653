"""The exit codes of every `fleet` command, in one place (README: "Exit codes" under `fleet run`)."""

from __future__ import annotations

from enum import IntEnum

from fleet.engine import EXIT_NOT_BOOTED, EXIT_OK, EXIT_SETUP, EXIT_UNREACHABLE, EXIT_WORKER_DIED


class ExitCode(IntEnum):
    OK = EXIT_OK  # 0
    # 1: the command ran and the answer is no: the CSMS was unreachable (run), a regression (compare),
    # a simulation worker died (simulate), a profile has problems (profiles check), the server failed (csms)
    FAILED = EXIT_UNREACHABLE
    BAD_INPUT = EXIT_SETUP  # 2: bad arguments or files, or the run could not be set up (a port taken)
    SLO_VIOLATED = 3  # run: a --slo threshold was not met
    WORKER_DIED = EXIT_WORKER_DIED  # 4: run: the load ran, but a worker died (its stations' data is partial)
    NOT_BOOTED = EXIT_NOT_BOOTED  # 5: run: the load ran, but stations never booted (no boot accepted)
    REGRESSION = 6  # run --baseline: the run regressed against the stored result (after 3, 1, 4, 5)
    CAPACITY_BELOW_EXPECTED = 7  # capacity --expect N: the CSMS holds fewer than N stations
