# DCRC — the two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
N ?= 100000
DCRC_PORT ?= 8000

.PHONY: install demo serve test lint bench messages clean

.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .venv/.installed node_modules/.installed

demo: install
	mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py demo_load
	DCRC_PORT=$(DCRC_PORT) $(PY) manage.py serve

serve: install
	DCRC_PORT=$(DCRC_PORT) $(PY) manage.py serve

# The whole suite on SQLite; on PostgreSQL when DCRC_TEST_DATABASE_URL is set.
test: install
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(if $(DCRC_TEST_DATABASE_URL),DATABASE_URL=$(DCRC_TEST_DATABASE_URL)) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadgroup

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: install
	@$(PY) -m bench.run --n $(N)

messages: install
	cd src/dcrc && ../../$(PY) ../../manage.py makemessages -l zh_Hans --no-obsolete && ../../$(PY) ../../manage.py compilemessages -l zh_Hans

clean:
	rm -rf .venv node_modules staticfiles var/*.sqlite3*
