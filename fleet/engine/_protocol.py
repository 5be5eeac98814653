"""What the engine needs from a simulated station: the sans-IO shell API of DESIGN.md, defined
next to the station cores (``fleet.station.ShellStation``) so that the virtual-time shell states
the same contract; re-exported here for the engine's modules."""

from __future__ import annotations

from fleet.station import ShellStation

__all__ = ["ShellStation"]
