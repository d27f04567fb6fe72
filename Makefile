# The front door: `make test` and `make demo` work on a fresh clone with only python3 (3.11+) on PATH.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STACK ?= dev
PORT ?= 8080

.PHONY: setup test lint format demo validate routes bench clean dataplanes-doc

# One install step for everything: the library with its extras, and the sample apps' requirements.
$(STAMP): pyproject.toml apps/products/requirements.txt apps/prices/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[aws,local,test]" \
		-r apps/products/requirements.txt -r apps/prices/requirements.txt
	touch $(STAMP)

setup: $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

# The dev stack's mesh on this machine: real Envoy in front of the sample apps. Ctrl-C stops it all.
demo: setup
	$(BIN)/localmesh up --stack $(STACK) --port $(PORT) --demo

validate: setup
	$(BIN)/localmesh validate --stack $(STACK)

routes: setup
	$(BIN)/localmesh routes --stack $(STACK)

# docs/dataplanes.md is generated from the capability data (fargate_mesh/model/capabilities.py).
dataplanes-doc: setup
	$(BIN)/python -m fargate_mesh.model.dataplanes_doc --write

bench: setup
	$(BIN)/python bench/apps_rps.py
	$(BIN)/python bench/localmesh_latency.py

clean:
	rm -rf $(VENV) .localmesh .pytest_cache .ruff_cache *.egg-info
