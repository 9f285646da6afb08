# Entry points. `make demo` and `make test` install whatever is missing first.
PY := $(if $(VIRTUAL_ENV)$(CONDA_PREFIX),python,$(or $(QDTRACK_VENV),.venv)/bin/python)

.PHONY: install install-tests demo test lint

install:
	bash tools/install.sh

install-tests:
	bash tools/install.sh --tests

demo: install
	$(PY) tools/toy_benchmark.py

test: install-tests
	$(PY) -m pytest -q tests

lint: install-tests
	$(PY) -m ruff check qdtrack tools tests configs
