# foiasearch: `make demo` runs the product on its demo corpus; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_INDEX := .demo-index

.PHONY: demo test venv bytecode system-deps-demo system-deps-test clean

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(MAKE) bytecode
	touch $@

# An editable install leaves the sources uncompiled, and where PYTHONDONTWRITEBYTECODE
# is set (many container images) every `foiasearch search` compiled them again:
# about 60 ms of CPU a one-shot search (docs/BENCHMARKS.md, "One-shot search").
bytecode:
	$(BIN)/python -m compileall -q foiasearch ingest index search web

system-deps-demo:
	scripts/system-deps.sh demo

system-deps-test:
	scripts/system-deps.sh test

PORT ?= 8080

demo: system-deps-demo venv
	$(BIN)/foiasearch index examples/corpus --index $(DEMO_INDEX)
	$(BIN)/foiasearch search '"opt out" exemption:b5' --index $(DEMO_INDEX) --limit 3
	@echo "Open http://127.0.0.1:$(PORT)/ in your browser (Ctrl-C stops the server)."
	$(BIN)/foiasearch serve --index $(DEMO_INDEX) --port $(PORT)

test: system-deps-test venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DEMO_INDEX) .pytest_cache
