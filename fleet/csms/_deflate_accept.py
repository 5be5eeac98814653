"""The embedded CSMS accepts permessage-deflate (RFC 7692) when a station offers it.

trio-websocket's ``WebSocketRequest.accept`` takes no extensions, though wsproto, under it, does
the negotiation and the compression: ``accept_upgrade`` sends wsproto's ``AcceptConnection`` with
a ``PerMessageDeflate`` itself, through the connection trio-websocket made for the request
(what ``accept`` does, plus the extension), and a connection whose upgrade offered no
permessage-deflate is accepted the ordinary way. The messages the CSMS reads and sends are the
same either way: wsproto inflates and compresses them.
"""

from __future__ import annotations

from trio_websocket import WebSocketConnection, WebSocketRequest
from wsproto.events import AcceptConnection
from wsproto.extensions import PerMessageDeflate


def offers_deflate(request: WebSocketRequest) -> bool:
    """The upgrade request offers permessage-deflate."""
    offers = request._event.extensions  # the Sec-WebSocket-Extensions offers, as strings
    return any(str(offer).split(";", 1)[0].strip() == PerMessageDeflate.name for offer in offers)


async def accept_upgrade(request: WebSocketRequest, subprotocol: str | None) -> WebSocketConnection:
    """Accept the upgrade, with permessage-deflate when the station offered it."""
    if not offers_deflate(request):
        return await request.accept(subprotocol=subprotocol)
    connection = request._connection
    connection._subprotocol = subprotocol
    connection._path = request.path
    await connection._send(AcceptConnection(subprotocol=subprotocol, extensions=[PerMessageDeflate()]))
    connection._open_handshake.set()
    return connection
