"""One OCPP 1.6 station's connection to the CSMS, sans-IO: the 2.0.1 session with the 1.6 dialect.

Same shell API as ``CsmsSession`` (``receive``, ``data_to_send``, ``events``, ``call``,
``abandon_call``, ``pending_calls``); it answers the 1.6 station-initiated actions (see
``_answers16``), refuses garbage with 1.6's CALLERROR codes (FormationViolation,
OccurenceConstraintViolation) and records 1.6 transactions in the shared ledger.
"""

from __future__ import annotations

from typing import ClassVar

from fleet.csms._answers16 import OCPP16
from fleet.csms._dialect import CsmsDialect
from fleet.csms._session import CsmsSession


class CsmsSession16(CsmsSession):
    """The CSMS side of one OCPP 1.6 connection."""

    __slots__ = ()
    dialect: ClassVar[CsmsDialect] = OCPP16
