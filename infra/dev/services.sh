#!/usr/bin/env bash
# Private development/test services for Commune: PostgreSQL and Redis under .run/, owned by the
# project, on loopback ports of our own, so nothing on the machine is touched or relied upon.
#
#   infra/dev/services.sh bootstrap   install what is missing (system packages, virtualenv)
#   infra/dev/services.sh start       start PostgreSQL and Redis (idempotent)
#   infra/dev/services.sh stop        stop everything started by the project
#   infra/dev/services.sh env         print the environment variables pointing at them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN="$ROOT/.run"
VENV="$ROOT/.venv"
PG_PORT="${COMMUNE_PG_PORT:-55432}"
REDIS_PORT="${COMMUNE_REDIS_PORT:-56379}"
PG_DATA="$RUN/pgdata"
PG_SOCK="$RUN/sock"
PG_USER=commune
PG_DB="${COMMUNE_PG_DB:-commune}"
PG_MAX_LOCKS=512

APT_PACKAGES=(postgresql redis-server libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  fonts-dejavu-core gettext chromium)

log() { printf '\033[1;34m[commune]\033[0m %s\n' "$*" >&2; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  done
  command -v pg_ctl >/dev/null && dirname "$(command -v pg_ctl)" && return
  return 1
}

missing_packages() {
  local pkg missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  echo "${missing[@]:-}"
}

install_system_packages() {
  command -v dpkg-query >/dev/null || { log "Not a Debian/Ubuntu system: install ${APT_PACKAGES[*]} yourself."; return; }
  local missing
  missing="$(missing_packages)"
  [ -z "$missing" ] && return
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
      log "Missing system packages: $missing"
      log "Install them with: sudo apt-get install $missing"
      exit 1
    fi
  fi
  log "Installing system packages: $missing"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

install_python() {
  local py="${PYTHON:-python3}"
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating virtualenv in .venv"
    "$py" -m venv "$VENV" || { log "python3-venv is missing: apt-get install python3-venv"; exit 1; }
  fi
  # Reinstall only when the lock file changed since the last install.
  local stamp="$VENV/.commune-lock-sha"
  local want
  want="$(cat "$ROOT/requirements.lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "Installing Python dependencies (requirements.lock)"
    "$VENV/bin/pip" install -q --upgrade pip >/dev/null
    "$VENV/bin/pip" install -q -r "$ROOT/requirements.lock"
    echo "$want" >"$stamp"
  fi
}

as_owner() {
  # initdb and postgres refuse to run as root: run them as the postgres system user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin
  bin="$(pg_bin)" || { log "PostgreSQL binaries not found"; exit 1; }
  mkdir -p "$RUN" "$RUN/static"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "Initialising private PostgreSQL cluster in .run/pgdata"
    mkdir -p "$PG_DATA" "$PG_SOCK"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA" "$PG_SOCK" && chmod 755 "$RUN"
    as_owner "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 256MB
# A development cluster: durability traded for speed. Production uses its own settings.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  # One schema per council: pg_dump (and anything else touching every council in one transaction)
  # takes a lock per table, ≈45 per council; the lock table holds max_locks_per_transaction ×
  # max_connections entries (64 × 200 by default: "out of shared memory" above ≈300 councils).
  # 512 × 200 covers ≈2,000 councils. A cluster made before this line gets it on its next start.
  if ! grep -q '^max_locks_per_transaction' "$PG_DATA/postgresql.conf"; then
    echo "max_locks_per_transaction = $PG_MAX_LOCKS" | as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null
    if as_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
      log "Restarting PostgreSQL once for max_locks_per_transaction = $PG_MAX_LOCKS"
      as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -m fast -w restart >/dev/null
    fi
  fi
  if ! as_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w start >/dev/null
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" ]; then
    "${psql[@]}" -c "CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_USER'"
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
  fi
}

start_redis() {
  mkdir -p "$RUN/redis"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  # Append-only on purpose: queued Celery tasks survive a Redis restart in development too.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN/redis" --daemonize yes \
    --appendonly yes --save "" --pidfile "$RUN/redis/redis.pid" --logfile "$RUN/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  log "Redis did not start: see .run/redis/redis.log"; exit 1
}

stop_all() {
  local bin
  if [ -f "$RUN/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$RUN/pids"
    rm -f "$RUN/pids"
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if bin="$(pg_bin)" && [ -f "$PG_DATA/PG_VERSION" ]; then
    as_owner "$bin/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
  fi
  log "Stopped."
}

print_env() {
  cat <<ENV
export DATABASE_URL=postgres://$PG_USER:$PG_USER@127.0.0.1:$PG_PORT/$PG_DB
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
ENV
}

case "${1:-}" in
  bootstrap) install_system_packages; install_python ;;
  start) start_postgres; start_redis ;;
  stop) stop_all ;;
  env) print_env ;;
  *) echo "usage: $0 bootstrap|start|stop|env" >&2; exit 2 ;;
esac
