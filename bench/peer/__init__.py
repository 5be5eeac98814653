"""The peer baseline: a fleet written the way a typical user writes one with the ``ocpp`` PyPI
library (``ocpp.v201.ChargePoint`` on asyncio with a ``websockets`` client), run through the same
harness against the same CSMS so every figure can be stated as a ratio to it. Bench-only: the
``ocpp`` library is a test extra, never a runtime dependency of the fleet."""

from bench.peer._fleet import PeerConfig, run_peer_fleet

__all__ = ["PeerConfig", "run_peer_fleet"]
