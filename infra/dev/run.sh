#!/usr/bin/env bash
# `make run`: migrate, load the demo councils, start web, worker and beat; Ctrl-C stops them.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${1:-8000}"
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.dev
mkdir -p .run/logs
# SMS alerts go through the real pipeline to the Twilio simulator (alerts/simulator.py), which
# posts signed status callbacks back to the councils' hosts (*.localhost reach 127.0.0.1).
TWILIO_SIM_PORT="${TWILIO_SIM_PORT:-8031}"
export SMS_BACKEND="${SMS_BACKEND:-core.sms.TwilioBackend}"
export TWILIO_API_BASE_URL="${TWILIO_API_BASE_URL:-http://127.0.0.1:$TWILIO_SIM_PORT}"

$PY manage.py compilemessages -v 0 --ignore ".venv" --ignore ".run"
$PY manage.py migrate --noinput -v 0
$PY manage.py ensure_platform >/dev/null
$PY manage.py load_demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web, worker and beat…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f .run/pids
}
trap stop INT TERM EXIT

$PY manage.py twilio_simulator --port "$TWILIO_SIM_PORT" --undelivered-share 0.05 \
  >.run/logs/twilio-simulator.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config worker -l info --concurrency 2 -Q celery,alerts >.run/logs/worker.log 2>&1 &
pids+=($!)
# Alert batches and their re-driver have a worker of their own (ALERTS_CELERY_QUEUE, "alerts").
.venv/bin/celery -A config worker -l info --concurrency 1 -Q alerts -n alerts@%h \
  >.run/logs/worker-alerts.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat -l info --schedule .run/celerybeat-schedule >.run/logs/beat.log 2>&1 &
pids+=($!)
$PY manage.py runserver "0.0.0.0:$PORT" >.run/logs/web.log 2>&1 &
pids+=($!)
printf '%s\n' "${pids[@]}" >.run/pids

for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" -H "Host: localhost" && break
  sleep 0.2
done

cat <<TXT

  Commune is running (logs in .run/logs/, Ctrl-C to stop)

  Platform:      http://localhost:$PORT/            admin: http://localhost:$PORT/admin/
  Dinan:         http://dinan.localhost:$PORT/       staff portal: /staff/
  Saint-Malo:    http://saint-malo.localhost:$PORT/  staff portal: /staff/
  API docs:      http://dinan.localhost:$PORT/api/docs/
  SMS alerts:    http://dinan.localhost:$PORT/staff/alerts/  (Twilio simulator on :$TWILIO_SIM_PORT,
                 messages: http://127.0.0.1:$TWILIO_SIM_PORT/_sim/state)
  Health:        http://dinan.localhost:$PORT/healthz

TXT
$PY manage.py load_demo --print-logins
wait
