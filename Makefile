# Turnout: `make run` serves the demo at http://127.0.0.1:8000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TURNOUT := $(BIN)/turnout

.PHONY: run test lint bench audit clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(TURNOUT) db upgrade
	$(TURNOUT) demo --if-empty
	@echo "Starting the scheduler and the web server; press Ctrl-C to stop both."
	@trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(TURNOUT) scheduler & scheduler=$$!; \
	  $(TURNOUT) serve --host 127.0.0.1 --port 8000

# PostgreSQL tests run whenever a server answers on 127.0.0.1:5432 (CI sets the URL itself).
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	@if [ -z "$$TURNOUT_TEST_DATABASE_URL" ] && command -v pg_isready >/dev/null \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export TURNOUT_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test; fi; \
	$(BIN)/pytest

# Speed figures for this machine: printed, and written to instance/bench.json.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m tests.bench.run

# Supply chain: pip-audit looks up every installed package (turnout itself, installed editable, aside)
# in PyPI's vulnerability data, within 5 minutes; any known vulnerability fails. A package the service
# cannot answer for is skipped by pip-audit, and audit_report.py counts those on a loud "could not be
# audited" line instead of failing: where PyPI is reached through a proxy that lacks its per-release JSON
# (as on this project's machines, where OSV is unreachable too) every package is skipped, and a step that
# always fails would soon be ignored. AUDIT_STRICT=1 fails on any skip, for machines where it answers.
AUDIT_STRICT ?= 0
audit: $(VENV)/.dev-installed
	@mkdir -p instance && rm -f instance/pip-audit.json
	timeout 300 $(BIN)/pip-audit --skip-editable --progress-spinner off -f json -o instance/pip-audit.json \
	  || true  # its exit status is judged below, from the report (none written: it did not finish)
	$(BIN)/python infra/audit_report.py instance/pip-audit.json $(if $(filter 1,$(AUDIT_STRICT)),--strict)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
