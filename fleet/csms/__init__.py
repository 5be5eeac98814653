"""The embedded CSMS: the default target of ``fleet run`` and the fake the tests use.

Imports only ``fleet.ocpp``. ``CsmsSession`` is the sans-IO per-connection core, ``Ledger``
what the CSMS received, ``serve_csms`` / ``run_csms`` the trio server around them.
"""

from fleet.csms._answers import CSMS_INITIATED, STATION_INITIATED, token_is_rejected
from fleet.csms._config import BootVerdict, CsmsConfig
from fleet.csms._errors import StationCallFailed, StationCallRefused, StationCallTimeout, StationNotConnected
from fleet.csms._events import CsmsCallError, CsmsCallResult, CsmsEvent, InternalFault, ProtocolViolation
from fleet.csms._ledger import Ledger, TransactionRecord
from fleet.csms._run import run_csms
from fleet.csms._server import CsmsServer, serve_csms
from fleet.csms._session import CsmsSession

__all__ = [
    "CSMS_INITIATED",
    "STATION_INITIATED",
    "BootVerdict",
    "CsmsCallError",
    "CsmsCallResult",
    "CsmsConfig",
    "CsmsEvent",
    "CsmsServer",
    "CsmsSession",
    "InternalFault",
    "Ledger",
    "ProtocolViolation",
    "StationCallFailed",
    "StationCallRefused",
    "StationCallTimeout",
    "StationNotConnected",
    "TransactionRecord",
    "run_csms",
    "serve_csms",
    "token_is_rejected",
]
