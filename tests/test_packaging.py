"""Packaging: environment.yml and pyproject.toml declare the same dependencies with the same lower bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# pip name → conda-forge name(s) where they differ
PIP_TO_CONDA = {"dask[distributed]": ["dask", "distributed"]}
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*((?:[<>=!~]=?|===?)\s*[^;\s]+)?")


def _split(requirement: str) -> tuple[str, str]:
    match = _REQ.match(requirement)
    assert match, requirement
    return match.group(1).lower(), (match.group(2) or "").replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        reqs += [r for r in extra if not r.startswith("danvan-analysis")]
        assert name in {"test", "dev"}
    out: dict[str, str] = {}
    for req in reqs:
        name, spec = _split(req)
        for conda_name in PIP_TO_CONDA.get(name, [name]):
            out[conda_name] = spec
    return out


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for req in dep["pip"]:
                if not req.startswith("-e"):
                    name, spec = _split(req)
                    out[name] = spec
        elif not dep.startswith(("python=", "pip")) or dep.startswith("pip:"):
            name, spec = _split(dep)
            out[name] = spec
    return out


def test_environment_yml_matches_pyproject():
    assert _environment() == _pyproject()


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "-e ." in pip_section


def test_console_command_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["danvan"] == "danvan_analysis.cli:main"
