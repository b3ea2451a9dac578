# Two commands set everything up on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench system venv clean

system:
	@bash docker/install-system-packages.sh docker/apt-packages.txt

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[test,icd]'
	@touch $(STAMP)

venv: $(STAMP)

demo: system venv
	@$(BIN)/rxintake demo

test: system venv
	@$(BIN)/python -m pytest -q -ra

bench: system venv
	@$(BIN)/rxintake bench ocr
	@$(BIN)/python -m tests.bench.service
	@$(BIN)/python -m tests.bench.review_queue

clean:
	rm -rf $(VENV) rxintake-data .pytest_cache test-artifacts
