"""The sans-IO station connection core shared by both shells: the WebSocket handshake and
framing, the station core and its timers, and the connection's life (connect, pump, close,
back off, reconnect, simulate offline, drain). fleet/engine's reactor and fleet/locust's users
drive it; it touches no socket and reads no clock."""

from fleet.connection._credentials import station_credentials
from fleet.connection._deflate import offers_deflate
from fleet.connection._errors import (
    AUTH,
    CLIENT_CERTIFICATE,
    CLIENT_CERTIFICATE_ALERTS,
    CLOSED,
    CONNECTION_LOST,
    DNS,
    HTTP_STATUS,
    NOT_FOUND,
    OTHER,
    PROTOCOL_ERROR,
    REFUSED,
    SERVER_CERTIFICATE,
    SUBPROTOCOL,
    TIMEOUT,
    TLS,
    ConnectTimeout,
    PeerClosed,
    classify_error,
    rejection,
)
from fleet.connection._events import Ended, report_events
from fleet.connection._framing import ClientFramer, CloseInfo
from fleet.connection._handshake import (
    Accepted,
    HandshakeFailed,
    SubprotocolRefused,
    UpgradeAnswer,
    UpgradeRejected,
    upgrade_request,
)
from fleet.connection._observer import (
    BehaviourEventHandler,
    DrainSink,
    FirstAttemptHandler,
    FrameSink,
    LatenessSink,
    Recorder,
)
from fleet.connection._station_connection import (
    SECURITY_EVENTS,
    ConnectionSettings,
    Phase,
    StationConnection,
)
from fleet.connection._target import WebSocketTarget, parse_websocket_url

__all__ = [
    "AUTH",
    "CLIENT_CERTIFICATE",
    "CLIENT_CERTIFICATE_ALERTS",
    "CLOSED",
    "CONNECTION_LOST",
    "DNS",
    "HTTP_STATUS",
    "NOT_FOUND",
    "OTHER",
    "PROTOCOL_ERROR",
    "REFUSED",
    "SECURITY_EVENTS",
    "SERVER_CERTIFICATE",
    "SUBPROTOCOL",
    "TIMEOUT",
    "TLS",
    "Accepted",
    "BehaviourEventHandler",
    "ClientFramer",
    "CloseInfo",
    "ConnectTimeout",
    "ConnectionSettings",
    "DrainSink",
    "Ended",
    "FirstAttemptHandler",
    "FrameSink",
    "HandshakeFailed",
    "LatenessSink",
    "PeerClosed",
    "Phase",
    "Recorder",
    "StationConnection",
    "SubprotocolRefused",
    "UpgradeAnswer",
    "UpgradeRejected",
    "WebSocketTarget",
    "classify_error",
    "offers_deflate",
    "parse_websocket_url",
    "rejection",
    "report_events",
    "station_credentials",
    "upgrade_request",
]
