PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean

# Reinstalls when pyproject.toml changes; the stamp is written only after a successful install.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aks-netaudit scan --demo --profile all --output-dir report/

test: $(STAMP)
	$(BIN)/ruff check scanner reports rules tests bench cassettes
	$(BIN)/pytest

clean:
	rm -rf $(VENV) report build *.egg-info
