# SaaS Tracker. Needs only python3 (>= 3.11) and make: the first target that
# needs the virtual environment builds .venv from requirements.lock.
#   make demo    embedded ClickHouse + migrations (Ctrl-C stops it)
#   make test    the whole test suite against an embedded ClickHouse
#   make lock    recompile requirements.lock after editing pyproject.toml (UPGRADE=1 to bump)
#   make bench   benchmarks (print figures; never part of `make test`)
#   make clean   remove .venv and caches; `make clean-data` removes .tracker/ (local data)

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.synced
# The installer's version comes from the lock, so there is one place to bump it.
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements.lock)
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python

# No usage data leaves the machine.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: test demo lock bench clean clean-data venv

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(PY) demo/run.py $(DEMO_ARGS)

venv: $(STAMP)

$(UV):
	@echo "creating $(VENV) with uv $(UV_VERSION)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)

# Rebuilt whenever the lock or the project metadata changes; `uv pip sync`
# also removes packages that left the lock.
$(STAMP): requirements.lock pyproject.toml | $(UV)
	@echo "installing requirements.lock into $(VENV)"
	@$(UV) pip sync -q --python $(PY) requirements.lock
	@$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

lock: | $(UV)
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 $(if $(UPGRADE),--upgrade) -o requirements.lock
	@! grep -nE 'https?://|file:' requirements.lock || { echo "requirements.lock must not name download hosts"; exit 1; }

bench: $(STAMP)
	@for script in bench/*.py; do test -e "$$script" || continue; echo "== $$script"; $(PY) "$$script" || exit 1; done
	$(PY) -m pytest -m slow $(PYTEST_ARGS); status=$$?; test $$status -eq 0 -o $$status -eq 5

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info dbt_project/target dbt_project/logs
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data:
	rm -rf .tracker
