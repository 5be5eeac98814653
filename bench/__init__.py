"""The benchmark harness: scenarios as TOML files, one JSON result per run, nightly comparison.

``python -m bench run [NAME...]`` runs scenarios from ``bench/scenarios/`` (the generator and its
target in separate processes, so the generator's CPU and memory are measured alone);
``python -m bench compare OLD.json NEW.json`` says per figure what got better or worse. See
bench/README.md. Measurements, never tests.
"""

from bench._compare import Verdict, compare_results
from bench._machine import machine_facts
from bench._runner import run_scenario
from bench._scenario import Scenario, ScenarioError, find_scenarios, load_scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "Verdict",
    "compare_results",
    "find_scenarios",
    "load_scenario",
    "machine_facts",
    "run_scenario",
]
