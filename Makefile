# Quanzi: `make run` serves a demo world at http://127.0.0.1:8000; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json

.PHONY: run test explore install web lint typecheck mutate clean

run: install web
	mkdir -p var
	$(BIN)/quanzi serve --demo

test: install web
	$(BIN)/pytest

# The wallet's state machine on fresh random sequences, many more than CI's fixed ones (docs/testing.md).
EXPLORE_EXAMPLES ?= 500
explore: install
	QUANZI_EXPLORE_EXAMPLES=$(EXPLORE_EXAMPLES) $(BIN)/pytest -n 0 -s -p no:cacheprovider --timeout=0 tests/wallet/test_stateful.py

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

web: web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	cd web && npm ci --no-audit --no-fund && npm run build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src/quanzi
	cd web && npm run typecheck

# Mutation testing of the rule modules (docs/mutation.md); GROUPS="pins teams" for some of them.
mutate: install
	$(BIN)/python tools/mutation.py run $(GROUPS)

clean:
	rm -rf $(VENV) web/node_modules web/dist var
