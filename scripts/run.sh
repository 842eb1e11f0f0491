#!/usr/bin/env bash
# Start the CRM with demo data on the embedded defaults: SQLite, the file-system Celery
# broker (worker and beat scheduler in one background process), console email.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export DEBUG="${DEBUG:-true}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo --if-empty

mkdir -p var
.venv/bin/celery -A crm worker --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --concurrency=1 --loglevel=INFO --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Sales CRM is starting at  http://127.0.0.1:${PORT}/
  Sign in with any demo account, password demo12345:
    admin              administrator (also /admin/)
    leader1, leader2   sales leaders (East China and North China teams)
    rep1 … rep6        sales reps (rep1–rep3 East, rep4–rep6 North)
  Background jobs: Celery worker and beat (log: var/celery.log). Stop with Ctrl+C.

MSG
$PY manage.py runserver "127.0.0.1:${PORT}"
