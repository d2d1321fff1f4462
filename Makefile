# Two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench bench-check lint setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# `make demo SERVE=1` leaves the nodes serving (and prints their URLs) until Ctrl-C.
demo: $(STAMP)
	$(PY) -m treatyledger.demo $(if $(SERVE),--serve)

test: $(STAMP)
	$(PY) tests/check_postgres.py
	$(PY) tests/check_browser.py
	$(PY) tests/check_layers.py
	$(PY) tests/check_complexity.py
	$(PY) -m pytest -n 2 --dist loadfile -q

bench: $(STAMP)
	$(PY) -m pip install -q 'pymerkle>=7,<8'
	$(PY) -m pip install -q 'zksk-fork==0.0.31' attrs || echo "zksk-fork did not install: bench/zk_bench.py runs without that baseline"
	$(PY) bench/run_all.py

# the same run, failing when any benchmark missed a target (for a quiet machine)
bench-check: $(STAMP)
	$(PY) -m pip install -q 'pymerkle>=7,<8'
	$(PY) -m pip install -q 'zksk-fork==0.0.31' attrs || echo "zksk-fork did not install: bench/zk_bench.py runs without that baseline"
	$(PY) bench/run_all.py --check

lint: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	$(PY) tests/check_layers.py
	$(PY) tests/check_complexity.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
