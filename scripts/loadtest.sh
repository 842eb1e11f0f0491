#!/usr/bin/env bash
# Throughput: gunicorn as docker-compose runs it (3 sync workers, DEBUG off, connection reuse)
# on 127.0.0.1, against the benchmark database (make bench seeds it), 8 clients for 20 s.
#   scripts/loadtest.sh [seconds] [clients] [path] [user]   (user: admin by default; rep1, leader1...)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm_bench}"
export DEBUG=false SECRET_KEY=loadtest ALLOWED_HOSTS=127.0.0.1 CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
export SECURE_SSL_REDIRECT=false CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/13}"
PORT=8765
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn crm.wsgi:application --bind "127.0.0.1:$PORT" --workers "${WEB_CONCURRENCY:-3}" \
  --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/login/" && break
  sleep 0.2
done
.venv/bin/python scripts/loadtest.py --port "$PORT" --seconds "${1:-20}" --clients "${2:-8}" --path "${3:-/opportunities/}" --user "${4:-admin}"
