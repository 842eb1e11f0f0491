#!/usr/bin/env bash
# The whole test suite, on the real services the product runs on (PostgreSQL, Redis, headless
# Chromium), then again on the embedded default (SQLite) without the browser and broker tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PY=.venv/bin/python
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- PostgreSQL: DATABASE_URL if given, else the local server (started when it is down) ---
if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      say "Starting the local PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started; set DATABASE_URL." >&2
    exit 1
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/crm"
fi

# --- Redis for the broker tests: CELERY_TEST_BROKER_URL if given, else the local server ---
if [ -z "${CELERY_TEST_BROKER_URL:-}" ]; then
  if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
    if command -v redis-server >/dev/null 2>&1; then
      say "Starting the local Redis"
      mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
      sleep 1
    fi
  fi
  export CELERY_TEST_BROKER_URL="redis://127.0.0.1:6379/14"
fi

# --- Headless Chromium for the end-to-end tests (Debian's package) ---
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "Installing Chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
    || echo "Could not install Chromium; the browser tests will be skipped." >&2
fi

say "Checks: migrations, docker-compose.yml schema, lint"
env -u DATABASE_URL -u REPLICA_DATABASE_URL $PY manage.py makemigrations --check --dry-run
.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
.venv/bin/ruff check .

export DJANGO_ALLOW_ASYNC_UNSAFE=true
say "Test suite on PostgreSQL ($(echo "$DATABASE_URL" | sed 's#//[^@]*@#//#'))"
# The replica alias is a test mirror of the primary, so the router's tests read through it.
REPLICA_DATABASE_URL="${REPLICA_DATABASE_URL:-$DATABASE_URL}" $PY -m pytest -p no:cacheprovider --create-db "$@"

say "Test suite on SQLite (all but the browser, broker and concurrency tests, which ran above)"
env -u DATABASE_URL -u REPLICA_DATABASE_URL $PY -m pytest -p no:cacheprovider --create-db -m "not e2e and not broker and not concurrency" "$@"
