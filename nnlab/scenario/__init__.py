"""Scenario files: load, check, list and write them; no terminal imports."""

from nnlab.scenario.errors import Problem, ScenarioError
from nnlab.scenario.loader import check, load, load_text
from nnlab.scenario.scenario import RunSettings, Scenario

__all__ = ["Problem", "ScenarioError", "RunSettings", "Scenario", "check", "load", "load_text"]
