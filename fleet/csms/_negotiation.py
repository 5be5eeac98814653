"""Which OCPP version a connecting station gets: the WebSocket subprotocol decides.

OCPP-J: the client lists the subprotocols it speaks, in its order of preference; the server
answers with one of them. The embedded CSMS speaks both 2.0.1 and 1.6 and follows the client's
order, so a station offering ``ocpp2.0.1, ocpp1.6`` gets 2.0.1.
"""

from __future__ import annotations

from collections.abc import Iterable

from fleet.csms._session import CsmsSession
from fleet.csms._session16 import CsmsSession16
from fleet.ocpp import v16, v201

SESSIONS: dict[str, type[CsmsSession]] = {v201.SUBPROTOCOL: CsmsSession, v16.SUBPROTOCOL: CsmsSession16}


def pick_subprotocol(offered: Iterable[str]) -> str | None:
    """The first offered subprotocol this CSMS speaks, or None (then the upgrade is refused)."""
    return next((name for name in offered if name in SESSIONS), None)


def refusal_text(offered: Iterable[str]) -> str:
    """The body of the HTTP 400 that refuses a client speaking none of our subprotocols."""
    listed = ", ".join(offered) or "none"
    return (
        f"this CSMS speaks the subprotocols {' and '.join(SESSIONS)}; the client offered: {listed}. "
        f"Offer one of them in Sec-WebSocket-Protocol\n"
    )
