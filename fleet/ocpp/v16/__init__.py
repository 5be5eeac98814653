"""OCPP 1.6J: every request and response as a typed struct, and the action table.

Nested anonymous objects and enums of the 1.6 schemas are named after the property holding them
(``IdTagInfo``, ``MeasurandEnum``); where one name would mean two contents, the holder's name is
the prefix (``BootNotificationStatusEnum``). See ``fleet.ocpp._generate.InlineGenerator``.
"""

from fleet.ocpp.v16._messages import *  # noqa: F403  (the generated module defines __all__)
from fleet.ocpp.v16._messages import __all__ as _generated

SUBPROTOCOL = "ocpp1.6"

__all__ = [*_generated, "SUBPROTOCOL"]
