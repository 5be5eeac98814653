"""fleet/ARCHITECTURE.md cannot go stale: its layer diagram is the import-linter layers contract
(the one CI enforces), every package of fleet/ is on it, and every other contract is named."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "fleet" / "ARCHITECTURE.md"


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _layers_contract() -> list[str]:
    (layers,) = [contract["layers"] for contract in _contracts() if contract["type"] == "layers"]
    return [" | ".join(sorted(part.strip() for part in layer.split("|"))) for layer in layers]


def _page_section(heading: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match is not None, f"{PAGE}: no section '## {heading}'"
    return match.group(1)


def _diagram_layers() -> list[str]:
    """The diagram's layers, top first: each line of the section's first code block starts with
    the layer's packages (``fleet.a | fleet.b``), then two spaces or more, then what it does."""
    block = re.search(r"```\n(.*?)```", _page_section("Layers"), re.S)
    assert block is not None, f"{PAGE}: the Layers section has no diagram (a ``` block)"
    layers = []
    for line in block.group(1).splitlines():
        packages = re.split(r"\s{2,}", line.strip())[0]
        if packages.startswith("fleet."):
            layers.append(" | ".join(sorted(part.strip() for part in packages.split("|"))))
    return layers


def test_the_diagram_is_the_layers_contract() -> None:
    assert _diagram_layers() == _layers_contract(), (
        f"{PAGE}: the layer diagram differs from the import-linter layers contract in "
        "pyproject.toml; one line per layer, top first:\n" + "\n".join(_layers_contract())
    )


def test_every_package_is_in_a_layer() -> None:
    packages = {f"fleet.{path.parent.name}" for path in (ROOT / "fleet").glob("*/__init__.py")}
    in_layers = {part.strip() for layer in _layers_contract() for part in layer.split("|")}
    assert packages == in_layers, (
        f"packages not in the layers contract: {sorted(packages - in_layers)}; "
        f"layers naming no package: {sorted(in_layers - packages)}"
    )


def test_every_contract_is_named_on_the_page() -> None:
    rules = _page_section("Layers")
    missing = [contract["name"] for contract in _contracts() if contract["name"] not in rules]
    assert missing == [], f"{PAGE}: the Layers section does not list these import-linter contracts: {missing}"


def test_the_public_api_on_the_page_is_fleet_all() -> None:
    import fleet

    listed = set(re.findall(r"`fleet\.(\w+)`", _page_section("Public API")))
    assert listed == set(fleet.__all__), (
        f"{PAGE}: the Public API section names {sorted(listed - set(fleet.__all__))} that fleet does not "
        f"export, and misses {sorted(set(fleet.__all__) - listed)}"
    )
