#!/usr/bin/env bash
# The whole suite against the private PostgreSQL and Redis (started by `make services`).
# Tests use Redis databases 1 (cache) and 2 (Celery), make run uses 0, and their own media folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DJANGO_SETTINGS_MODULE=config.settings.test
db="${COMMUNE_TEST_REDIS_DB:-1}"
export CELERY_BROKER_URL="${REDIS_URL%/*}/$((db + 1))"
export CELERY_RESULT_BACKEND="$CELERY_BROKER_URL"
export REDIS_URL="${REDIS_URL%/*}/$db"
export MEDIA_ROOT="$PWD/.run/test-media"
.venv/bin/python manage.py compilemessages -v 0 --ignore ".venv" --ignore ".run"
exec .venv/bin/python -m pytest "$@"
