# Two entry points for a fresh machine: `make run` (the web chat on the shipped corpus) and
# `make test` (everything the tests need, then the whole suite). Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

AXE := tests/axe/node_modules/axe-core/axe.min.js

.PHONY: install run test test-all test-fast lint chromium axe eval bench train-reader

$(BIN)/assistant: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to 2.13.0 in pyproject.toml: the CPU build pip finds on these machines.
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@$(BIN)/python -c "import torch; assert '+cpu' in torch.__version__ or not torch.cuda.is_available(), torch.__version__; print('torch', torch.__version__)"
	touch $@

install: $(BIN)/assistant

run: install
	HF_HUB_OFFLINE=1 $(BIN)/assistant serve

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# axe-core for the accessibility checks, from the npm registry into tests/axe (pinned, locked).
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	npm ci --prefix tests/axe --no-audit --no-fund --silent
	touch $@

axe: $(AXE)

# Both cores, one test file per worker (a file's tests share their app and run in order).
PYTEST := HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile

# Every test but the `long` runs (soak, kill -9 loop, two writers, training smoke).
test: install chromium axe
	$(PYTEST) -m "not long"

# The whole suite, long runs included: what CI runs (.ci/run).
test-all: install chromium axe
	$(PYTEST)

test-fast: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow and not browser and not server"

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

eval: install
	HF_HUB_OFFLINE=1 $(BIN)/assistant eval

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks

# Retrain the reader from training/labels (about an hour on 2 cores); writes assistant/data/reader.
train-reader: install
	HF_HUB_OFFLINE=1 $(BIN)/python training/train_reader.py
