# Commune: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SERVICES := infra/dev/services.sh
VENV := .venv
PY := $(VENV)/bin/python
# The environment of the private services, for every recipe below.
ENV := set -a && eval "$$(bash $(SERVICES) env)" && set +a
PORT ?= 8000

.PHONY: help bootstrap services run stop test manage lint bench

help:
	@echo "make run     install what is missing, start everything, load demo councils"
	@echo "make test    the whole test suite against real PostgreSQL, Redis and Celery"
	@echo "make stop    stop the services started by make run"
	@echo "make manage ARGS=\"create_council ...\"   a management command against them"
	@echo "make lint    ruff, mypy and the import layers (import-linter)"
	@echo "make bench   the benchmarks in bench/"

bootstrap:
	@bash $(SERVICES) bootstrap

services: bootstrap
	@bash $(SERVICES) start

run: services
	@$(ENV) && PUBLIC_URL_PORT=$(PORT) bash infra/dev/run.sh $(PORT)

stop:
	@bash $(SERVICES) stop

test: services
	@$(ENV) && bash infra/dev/test.sh $(ARGS)

manage: services
	@$(ENV) && $(PY) manage.py $(ARGS)

lint: bootstrap
	@$(ENV) && $(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy \
		&& $(VENV)/bin/lint-imports --no-cache

bench: services
	@$(ENV) && for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
