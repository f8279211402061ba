PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

demo: $(BIN)/activate
	$(BIN)/aks-netaudit scan --demo --profile all --output-dir report/

test: $(BIN)/activate
	$(BIN)/ruff check scanner reports rules tests
	$(BIN)/pytest

clean:
	rm -rf $(VENV) report build *.egg-info
