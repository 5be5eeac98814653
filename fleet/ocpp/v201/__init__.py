"""OCPP 2.0.1: every request and response as a typed struct, and the action table."""

from fleet.ocpp.v201._messages import *  # noqa: F403  (the generated module defines __all__)
from fleet.ocpp.v201._messages import __all__ as _generated

SUBPROTOCOL = "ocpp2.0.1"

__all__ = [*_generated, "SUBPROTOCOL"]
