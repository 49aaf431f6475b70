# Two commands do everything on a fresh clone: `make up` (the demo) and `make test` (the tests).
VENV   ?= .venv
PYTHON ?= python3
# A CPU build of PyTorch, installed before anything else can pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0
BIN    := $(VENV)/bin

.PHONY: install up test test-all lint demo-data clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

up: install            ## engine + demo data + API on http://127.0.0.1:8000
	$(BIN)/tandem up

test: install          ## the default suite (CI runs this)
	$(BIN)/python -m pytest -m "not slow"

test-all: install      ## plus the slow tests on real data in ../shared/data
	$(BIN)/python -m pytest

lint: install
	$(BIN)/python -m pip install --quiet ruff && $(BIN)/ruff check .

demo-data: install     ## regenerate demo/ (seeded, byte-identical)
	$(BIN)/python demo/make_demo_data.py

clean:
	rm -rf $(VENV) .tandem .pytest_cache
