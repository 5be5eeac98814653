"""What behaviour asks of the shell: things only the shell can do (talk to the CSMS for a driver)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RemoteStartWanted:
    """A driver started a session from the app: the shell should have the CSMS send
    RequestStartTransaction(evse_id, id_token) to the station when it can. If it cannot, the
    driver gives up after a while, as a real driver would."""

    evse_id: int
    id_token: str
