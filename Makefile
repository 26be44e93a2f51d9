# Trellis: `make run` installs everything and starts the web app on the bundled sample data;
# `make test` installs everything (system packages too, when missing) and runs every test;
# `make check` is the fast loop: lint and every test that needs no browser, PostgreSQL or time
# (it lists its ten slowest tests, so one that makes the loop slow is seen the day it lands).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install assets run test check bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) assets

assets:
	bash scripts/install-assets.sh

run: install
	$(VENV)/bin/trellis demo

test: install
	bash scripts/install-test-system-deps.sh
	bash scripts/with-postgres.sh $(VENV)/bin/python -m pytest -n 2 --dist loadgroup -q

# The fast loop keeps Python's compiled modules (git-ignored __pycache__) even where the environment
# turns that off (PYTHONDONTWRITEBYTECODE): compiling the tests' rewritten asserts again cost each
# test worker 8 of its 13 s of start-up.
check: $(STAMP)
	$(VENV)/bin/ruff check .
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 -q -m "not browser and not postgres and not slow and not ray" \
		--hypothesis-profile=fast-loop --durations=10

bench: install
	$(PY) -m bench.run_all
