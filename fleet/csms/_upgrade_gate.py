"""Whether a WebSocket upgrade request may become a station connection, and why not.

Checked in this order, each refusal logged (rate-limited, ``LogLimiter``): the station id (what
OCPP allows, ``_station_ids``: 404 when there is none, 400 otherwise), the failed-authentication
throttle of the source address (429 with Retry-After), the security profile (401 for Basic
auth, 403 for a client certificate that names another station; a failure counts against the
address), and the OCPP subprotocol (400).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trio_websocket import WebSocketRequest

from fleet.csms._auth_throttle import AuthThrottle
from fleet.csms._log_limiter import LogLimiter
from fleet.csms._negotiation import pick_subprotocol, refusal_text
from fleet.csms._security import CsmsSecurity, TlsListener
from fleet.csms._station_ids import station_id_from_path


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    body: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Admitted:
    station_id: str
    subprotocol: str


@dataclass(eq=False)
class UpgradeGate:
    security: CsmsSecurity | None  # None: anyone may connect
    throttle: AuthThrottle
    log: LogLimiter
    tls: TlsListener | None = None  # set once the server listens on wss://

    def check(self, request: WebSocketRequest, address: str, now: float) -> Admitted | Refusal:
        station_id, problem = station_id_from_path(request.path)
        if problem is not None:
            self.log.warn("refused upgrades", f"refused the upgrade from {address}: {problem}", now)
            return Refusal(404 if not station_id else 400, problem + "\n")
        if self.security is not None:
            refusal = self._authentication(request, station_id, address, now)
            if refusal is not None:
                return refusal
        subprotocol = pick_subprotocol(request.proposed_subprotocols)
        if subprotocol is None:
            text = refusal_text(request.proposed_subprotocols)
            self.log.warn(
                "refused upgrades", f"refused the upgrade of {station_id!r} from {address}: {text}", now
            )
            return Refusal(400, text)
        return Admitted(station_id, subprotocol)

    def _authentication(
        self, request: WebSocketRequest, station_id: str, address: str, now: float
    ) -> Refusal | None:
        assert self.security is not None
        wait = self.throttle.retry_after(address, now)
        if wait is not None:
            self.log.warn(
                "throttled authentications",
                f"throttled {address}: {self.throttle.limit} failed authentications within "
                f"{self.throttle.window_s:g} s; answering 429 for {wait} s",
                now,
            )
            body = f"too many failed authentications from {address}: retry in {wait} s\n"
            return Refusal(429, body, [(b"Retry-After", str(wait).encode())])
        remote = request.remote
        common_name = (
            self.tls.peer_common_name(str(remote.address), remote.port)
            if self.tls is not None and not isinstance(remote, str)
            else None
        )
        refusal = self.security.refusal(station_id, request.headers, common_name)
        if refusal is None:
            return None
        self.throttle.failed(address, now)
        self.log.warn(
            "failed authentications",
            f"failed authentication from {address} as station {station_id!r}: {refusal[1].strip()}",
            now,
        )
        return Refusal(refusal[0], refusal[1])
