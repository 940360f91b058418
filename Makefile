# The course's commands. Each one creates .venv and installs what it needs the first time.
#   make lab      start the student's JupyterLab on the course's start page
#   make instructor   start JupyterLab in autograder/ with nbgrader's instructor tools
#   make test     run the whole test suite (installs Debian's chromium for the browser test and
#                 bubblewrap, the sandbox that grading runs student code in)
#   make build    regenerate course/ and solutions/ from autograder/source/
#   make site     build the static reading site of solutions/ into _site/ (works offline)
#   make grade SUBMISSIONS=folder OUT=folder   autograde a folder of student folders (installs bubblewrap)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: lab instructor test build site grade chromium sandbox

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,site]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-site

$(VENV)/.installed-site: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[site]'
	touch $@ $(VENV)/.installed

lab: $(VENV)/.installed
	$(BIN)/rnnlab-lab

instructor: $(VENV)/.installed
	$(BIN)/rnnlab-lab --instructor

chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

sandbox:
	@command -v bwrap >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap >/dev/null; }

test: $(VENV)/.installed-test chromium sandbox
	$(BIN)/python -m pytest

build: $(VENV)/.installed
	$(BIN)/rnnlab-build

site: $(VENV)/.installed-site
	$(BIN)/rnnlab-site

grade: $(VENV)/.installed sandbox
	@test -n "$(SUBMISSIONS)" -a -n "$(OUT)" || { echo "usage: make grade SUBMISSIONS=folder OUT=folder"; exit 2; }
	$(BIN)/rnnlab-grade "$(SUBMISSIONS)" "$(OUT)"
