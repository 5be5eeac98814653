"""A convention of ocpp-fleet, not of OCPP, shared by both ends of a run: a simulated driver whose
token should be refused presents one with this prefix, and the embedded CSMS answers Invalid for
every token that has it (an external CSMS is told about it in README)."""

BLOCKED_TOKEN_PREFIX = "BLOCKED-"
