# Every target sets up its own .venv on first use, pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test bench validation lint schema docs messages screenshots clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python -m bench

validation: $(STAMP)
	$(BIN)/python -m sim.validation

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

# Collect the texts of sim/, ui/ and app.py into the .po catalogues and compile the .mo files
# (both are committed; tests/test_i18n.py fails when a text has no translation or a .mo is stale).
messages: $(STAMP)
	$(BIN)/python -m sim.messages

# The README's screenshots, in Swedish: the Swedish browser test with SAVE_SCREENSHOTS=1 (Chromium).
screenshots: $(STAMP)
	SAVE_SCREENSHOTS=1 REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q tests/test_browser_languages.py -k sv

docs: $(STAMP)
	$(BIN)/python -m sim schema --output docs/scenario.schema.json
	$(BIN)/python -m sim reference --output docs/scenario-reference.md

clean:
	rm -rf $(VENV) .pytest_cache
