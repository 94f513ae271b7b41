.PHONY: venv demo test bench lint clean

VENV := .venv

venv:
	bash scripts/venv.sh

demo: venv
	$(VENV)/bin/pipefit demo --workspace demo-workspace

# Extra pytest arguments: make test ARGS="tests/unit -x"
test:
	bash scripts/test.sh $(ARGS)

bench: venv
	$(VENV)/bin/python benchmarks/run.py

lint: venv
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf demo-workspace .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
