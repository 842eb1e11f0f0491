#!/usr/bin/env bash
# Seed a fresh PostgreSQL database with `seed_demo --scale N` and time every page and job.
#   scripts/bench.sh [N]          (default 100000 opportunities, 1,000,000 follow-ups)
# BENCH_DATABASE_URL overrides the database; BENCH_REUSE=1 keeps an already seeded one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
N="${1:-100000}"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm_bench}"
export DEBUG=false SECRET_KEY=bench ALLOWED_HOSTS=testserver
# One process measures: its own in-memory cache is fine here (a served site needs a shared one).
export ALLOW_LOCAL_CACHE="${ALLOW_LOCAL_CACHE:-true}"
DB="${DATABASE_URL##*/}"
BASE="${DATABASE_URL%/*}/postgres"
PY=.venv/bin/python
if [ "${BENCH_REUSE:-0}" = 1 ] && $PY manage.py shell -c "from opportunities.models import Opportunity as O; import sys; sys.exit(0 if O.objects.count() >= $N else 1)" 2>/dev/null; then
  echo "Reusing $DB"
  $PY manage.py migrate --noinput -v0
  # The worst-case stale-scan job rewrites every deal inside a rolled-back transaction; compact
  # what it leaves behind (then VACUUM, which FULL does not do for the visibility map).
  psql "$DATABASE_URL" -qc "VACUUM FULL opportunities_opportunity, notifications_notification" -c "VACUUM ANALYZE"
else
  psql "$BASE" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  $PY manage.py migrate --noinput -v0
  time $PY manage.py seed_demo --scale "$N"
  # The seed writes each deal twice (created, then its cycle from the stage facts): compact the
  # deal table as a database that grew by everyday use would be, then VACUUM.
  psql "$DATABASE_URL" -qc "VACUUM FULL opportunities_opportunity" -c "VACUUM ANALYZE"
fi
$PY manage.py collectstatic --noinput -v0
mkdir -p bench-results
$PY manage.py bench --json "bench-results/bench-$N.json" "${@:2}"
