# Two commands do everything on a fresh machine (Python ≥ 3.11 and make):
#   make serve   — install, load the demo data into ./qcredit.db, grade it, serve the API
#   make test    — install, lint, run the whole suite on SQLite and PostgreSQL
VENV ?= .venv
PY := $(VENV)/bin/python
QCREDIT := $(VENV)/bin/qcredit
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup serve demo test lint schema bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(QCREDIT) demo
	$(QCREDIT) grade

serve: demo
	$(QCREDIT) serve --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check core api policies tests
	@# mypy sees the installed package names through a git-ignored tree of links ([tool.mypy])
	mkdir -p .typecheck/qcredit
	for folder in core api policies; do ln -sfn ../../$$folder .typecheck/qcredit/$$folder; done
	$(VENV)/bin/mypy

test: setup lint
	$(VENV)/bin/pytest

schema: setup
	$(QCREDIT) schema > schema.graphql

clean:
	rm -rf $(VENV) qcredit.db qcredit.db-wal qcredit.db-shm
