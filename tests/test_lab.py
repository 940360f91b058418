"""The commands that start JupyterLab: the student's settings, and the environment of the course."""

import json
import os
import sys
from pathlib import Path

from rnnlab.lab import STUDENT_SETTINGS, lab_command, lab_environment
from rnnlab.settings import course_environment


def test_student_settings_come_first_and_keep_the_users_own():
    env = lab_environment(base={"JUPYTER_CONFIG_PATH": "/somewhere/else", "PATH": "/bin"})
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(STUDENT_SETTINGS), "/somewhere/else"]
    assert env["PATH"] == "/bin" and env["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert "JUPYTER_CONFIG_PATH" not in lab_environment(student=False, base={})


def test_matplotlib_cache_belongs_to_this_environment():
    cache = Path(course_environment()["MPLCONFIGDIR"])
    assert cache == Path(os.environ["MPLCONFIGDIR"])  # the tests run with it too (conftest)
    assert Path(sys.prefix) in cache.parents or "rnnlab" in cache.parts


def test_students_lab_keeps_only_the_validate_button_of_nbgrader():
    server = json.loads((STUDENT_SETTINGS / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert [name for name, on in extensions.items() if on] == ["nbgrader.server_extensions.validate_assignment"]
    disabled = json.loads((STUDENT_SETTINGS / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:menu"} <= set(disabled)
    command = lab_command(Path("/course"), "/lab/tree/course/00_start_here.md")
    assert f"--LabApp.app_settings_dir={STUDENT_SETTINGS / 'lab-settings'}" in command
    assert not any("app_settings_dir" in option for option in lab_command(Path("/course"), student=False))
