"""The generated OCPP 2.0.1 and 1.6 structs against the official OCA schemas, for every action.
(1.6's generator, naming and error-code tests are in test_ocpp_v16_structs.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from msgspec import inspect

from fleet.ocpp import decode_payload, v16, v201
from fleet.ocpp._generate import Generator
from support import OcppSchemaValidator, schema_dir
from support.instances import build_instance
from support.schemas import load_schema
from support.struct_schema import schema_mismatches as _mismatches

SCHEMAS = schema_dir("2.0.1")
_ACTIONS = {"2.0.1": v201.ACTIONS, "1.6": v16.ACTIONS}
VALIDATORS = {version: OcppSchemaValidator(version) for version in _ACTIONS}
MESSAGES = [
    pytest.param(version, action, kind, struct, id=f"{version}-{action}{kind.title()}")
    for version, actions in _ACTIONS.items()
    for action, pair in sorted(actions.items())
    for kind, struct in zip(("request", "response"), pair, strict=True)
]


@pytest.mark.parametrize(("version", "action", "kind", "struct"), MESSAGES)
def test_struct_matches_its_schema(
    version: str, action: str, kind: str, struct: type[msgspec.Struct]
) -> None:
    schema = load_schema(version, action, kind)
    top = {**schema, "type": "object"}
    assert _mismatches(top, schema, inspect.type_info(struct), struct.__name__) == []


@pytest.mark.parametrize("full", [False, True], ids=["required-only", "every-field"])
@pytest.mark.parametrize(("version", "action", "kind", "struct"), MESSAGES)
def test_built_instance_is_schema_valid_and_round_trips(
    version: str, action: str, kind: str, struct: type[msgspec.Struct], full: bool
) -> None:
    instance = build_instance(struct, full=full)
    wire = msgspec.json.encode(instance)
    assert VALIDATORS[version].validate_payload(action, kind, json.loads(wire)) == []
    assert decode_payload(wire, struct, unique_id="id-1", action=action) == instance


def test_every_schema_file_has_its_action() -> None:
    # the reverse direction: no official message is missing from ACTIONS
    stems = {p.stem for p in SCHEMAS.glob("*.json")}
    actions = {s.removesuffix("Request") for s in stems if s.endswith("Request")}
    assert actions == set(v201.ACTIONS)
    assert {s.removesuffix("Response") for s in stems if s.endswith("Response")} == actions


def test_generator_reproduces_the_committed_module() -> None:
    committed = Path(v201.__file__).with_name("_messages.py").read_text(encoding="utf-8")
    assert Generator("2.0.1").generate(SCHEMAS) == committed, (
        "fleet/ocpp/v201/_messages.py differs from the generator's output: "
        "run `python -m fleet.ocpp._generate` and commit the result"
    )


def test_the_comparison_sees_a_wrong_struct() -> None:
    # guards the checker above: a struct compared with another message's schema must not pass
    schema = load_schema("2.0.1", "Heartbeat", "response")
    info = inspect.type_info(v201.BootNotificationResponse)
    problems = _mismatches({**schema, "type": "object"}, schema, info, "BootNotificationResponse")
    assert any("fields" in p for p in problems)
    assert any("required" in p for p in problems)
