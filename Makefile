PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 7071
# Test processes: the tests mostly wait on sockets, so more processes than cores still pay.
TEST_WORKERS ?= 4
# The random test order's seed (pytest -q does not print it): `make test TEST_SEED=N` repeats one.
ifndef TEST_SEED
TEST_SEED := $(shell $(PYTHON) -c "import random; print(random.randrange(1, 10**6))")
endif

.PHONY: install run run-rest test lint typecheck unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m connector serve --port $(PORT)

run-rest: install
	$(BIN)/python -m connector serve --port $(PORT) --rest-sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	@echo "Tests in random order, seed $(TEST_SEED) (make test TEST_SEED=$(TEST_SEED) repeats it)"
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -p randomly --randomly-seed=$(TEST_SEED)

test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
