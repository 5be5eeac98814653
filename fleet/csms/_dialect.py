"""What differs between the OCPP versions a CSMS session speaks: one value per version.

``CsmsSession`` reads its version from here (the message table, who answers which action, which
actions the CSMS may send, the CALLERROR vocabulary), so the 1.6 session is the same class with
another dialect rather than a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from fleet.csms._answer_rules import Handler
from fleet.csms._answers import ANSWERS, CSMS_INITIATED, Answers
from fleet.csms._config import CsmsConfig
from fleet.csms._ledger import Ledger
from fleet.ocpp import ErrorCode, v201


@dataclass(frozen=True, slots=True)
class CsmsDialect:
    """One OCPP version as the CSMS side sees it."""

    version: str  # "2.0.1", "1.6": used in messages a user reads
    package: str  # the struct package's name in fleet.ocpp ("v201", "v16"), for error messages
    actions: Mapping[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]]
    answers: Mapping[str, Handler]  # station-initiated action -> its answer
    csms_initiated: frozenset[str]
    # builds the per-station decision maker the handlers receive
    make_answers: Callable[[str, CsmsConfig, Ledger, float], Any]
    error_codes: Mapping[ErrorCode, ErrorCode] | None = None  # None: the 2.0.1 codes as they are

    def code(self, code: ErrorCode) -> ErrorCode:
        """``code`` as this version spells it."""
        return code if self.error_codes is None else self.error_codes.get(code, code)


OCPP201 = CsmsDialect(
    version="2.0.1",
    package="v201",
    actions=v201.ACTIONS,
    answers=ANSWERS,
    csms_initiated=CSMS_INITIATED,
    make_answers=Answers,
)
