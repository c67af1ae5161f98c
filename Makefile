# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test lint format setup test-setup reliability test-floors bench translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

test-setup: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

## Set up, create the schema and demo data, serve on http://127.0.0.1:5000
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) dev --host 127.0.0.1 --port 5000

## Install the test dependencies, lint, run the whole suite
## The suite runs on TEST_WORKERS processes (pytest-xdist); each has its own PostgreSQL,
## Redis and SQLite files. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

test: test-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS)

format: test-setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The long reliability and security suites (bank, crash, fuzz, attack) on both databases;
## their figures go to reliability-report.jsonl. `make test` runs a short version of each.
reliability: test-setup
	rm -f reliability-report.jsonl
	PORTAL_LONG=1 PORTAL_REPORT_FILE=$(CURDIR)/reliability-report.jsonl \
		$(BIN)/pytest tests/reliability tests/attack -p no:cacheprovider -p no:xdist -s -q

## The suite with every dependency at the lower bound pyproject.toml declares, in its own
## virtual environment (.venv-floors): each floor must be a version the suite passes with.
test-floors:
	$(PYTHON) -m venv .venv-floors
	.venv-floors/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/lower_bounds.py > .venv-floors/floors.txt
	.venv-floors/bin/pip install --quiet -c .venv-floors/floors.txt -e '.[test]'
	.venv-floors/bin/pip freeze --exclude-editable > .venv-floors/installed.txt
	.venv-floors/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS)

## The HTTP benchmark (bench/README.md): the portal under gunicorn on SQLite and on a
## throwaway PostgreSQL, loaded by wrk; one table per database. BENCH_ARGS adds options,
## e.g. BENCH_ARGS="--seconds 3" or "--database sqlite --quick". As root, a missing wrk is
## installed with apt-get; otherwise the bench says so and uses its Python load generator.
BENCH_ARGS ?=

bench: setup
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
		echo "installing wrk (apt-get install wrk)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } || \
		echo "could not install wrk: the Python load generator will be used"; }
	$(BIN)/python bench/http_load.py --database both $(BENCH_ARGS)

## Extract the texts to translate from the code and templates into translations/messages.pot,
## merge them into each language's messages.po (new ones empty: translate them there), and
## compile the catalogs the site reads (messages.mo, kept in git). tests/test_translations.py
## fails while a text has no German translation or a compiled catalog is stale.
## (--ignore-dirs: pybabel skips directories named _* by default, e.g. templates/_macros.)
BABEL_KEYWORDS := -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2
translations: test-setup
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs ".*" --no-location --sort-output \
		--project portal --copyright-holder "the portal" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics
