"""The embedded CSMS: the default target of ``fleet run`` and the fake the tests use.

Imports only ``fleet.ocpp`` (and ``fleet.processes`` for ``--workers``). ``CsmsSession`` is the
sans-IO per-connection core, ``Ledger`` what the CSMS received, ``serve_csms`` / ``run_csms`` the
trio server around them.
"""

from fleet.csms._answer_rules import token_is_rejected
from fleet.csms._answers import CSMS_INITIATED, STATION_INITIATED
from fleet.csms._answers16 import CSMS_INITIATED16, STATION_INITIATED16, transaction_id_for
from fleet.csms._config import BootVerdict, CsmsConfig
from fleet.csms._errors import StationCallFailed, StationCallRefused, StationCallTimeout, StationNotConnected
from fleet.csms._events import CsmsCallError, CsmsCallResult, CsmsEvent, InternalFault, ProtocolViolation
from fleet.csms._faults import CsmsFaults, FaultEvent, rejectable
from fleet.csms._ledger import Ledger, TransactionRecord
from fleet.csms._ledger_journal import LedgerEntry, read_ledger
from fleet.csms._ledger_merge import merge_ledgers
from fleet.csms._live_transactions import LiveTransaction
from fleet.csms._live_view import STATION_STATES, ConnectorView, LiveView, StationView, TransactionView
from fleet.csms._metrics import CsmsMetrics
from fleet.csms._negotiation import SESSIONS, pick_subprotocol
from fleet.csms._run import run_csms
from fleet.csms._script import ScriptError, ScriptStep, load_script, parse_script
from fleet.csms._script_runner import ScriptClock, StepOutcome, run_script
from fleet.csms._security import CsmsSecurity, PasswordBook
from fleet.csms._server import CsmsServer, serve_csms
from fleet.csms._session import CsmsSession
from fleet.csms._session16 import CsmsSession16
from fleet.csms._transaction_faults import (
    TOKEN_STATUSES,
    TX_EVENT_TYPES,
    TokenStatus,
    TxCallErrors,
    TxTokenRefusal,
)
from fleet.csms._workers import CsmsWorkerPool, csms_workers, run_csms_workers

__all__ = [
    "CSMS_INITIATED",
    "CSMS_INITIATED16",
    "SESSIONS",
    "STATION_INITIATED",
    "STATION_INITIATED16",
    "STATION_STATES",
    "TOKEN_STATUSES",
    "TX_EVENT_TYPES",
    "BootVerdict",
    "ConnectorView",
    "CsmsCallError",
    "CsmsCallResult",
    "CsmsConfig",
    "CsmsEvent",
    "CsmsFaults",
    "CsmsMetrics",
    "CsmsSecurity",
    "CsmsServer",
    "CsmsSession",
    "CsmsSession16",
    "CsmsWorkerPool",
    "FaultEvent",
    "InternalFault",
    "Ledger",
    "LedgerEntry",
    "LiveTransaction",
    "LiveView",
    "PasswordBook",
    "ProtocolViolation",
    "ScriptClock",
    "ScriptError",
    "ScriptStep",
    "StationCallFailed",
    "StationCallRefused",
    "StationCallTimeout",
    "StationNotConnected",
    "StationView",
    "StepOutcome",
    "TokenStatus",
    "TransactionRecord",
    "TransactionView",
    "TxCallErrors",
    "TxTokenRefusal",
    "csms_workers",
    "load_script",
    "merge_ledgers",
    "parse_script",
    "pick_subprotocol",
    "read_ledger",
    "rejectable",
    "run_csms",
    "run_csms_workers",
    "run_script",
    "serve_csms",
    "token_is_rejected",
    "transaction_id_for",
]
