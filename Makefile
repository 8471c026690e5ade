# Two commands do all set-up (see README): `make demo` and `make test`.
PY := .venv/bin/python

.PHONY: setup demo test lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m congvan render records records/kinds -o output --pdf
	$(PY) -m congvan render records/quy-tac -o output/quy-tac --pdf

test: setup
	$(PY) -m pytest -q -n 2 --dist loadgroup

lint: setup
	.venv/bin/ruff check src tests bench scripts

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf output/*.docx output/*.pdf .pytest_cache
