"""environment.yml gives conda users the same packages as pyproject.toml."""

import re
import tomllib

import yaml

from conftest import REPO


def names(requirements):
    return {re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
            for requirement in requirements}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["test"] + extras["site"]
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    listed = [requirement for requirement in pip_section if not requirement.startswith("-e")]
    assert names(listed) == names(wanted)
    assert sorted(listed) == sorted(wanted), "same names, but the version ranges differ"
    assert "-e ." in pip_section
    assert any(str(entry).startswith("python=3.11") for entry in environment["dependencies"])
