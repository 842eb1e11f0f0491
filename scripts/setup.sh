#!/usr/bin/env bash
# Prepare a fresh clone: a Python >= 3.12 virtualenv with the pinned requirements, the
# front-end assets from the npm registry, and the compiled translations. Safe to re-run:
# each step is skipped while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local c
  for c in ${PYTHON:-} python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then command -v "$c"; return 0; fi
  done
  # pyenv installs versions that are not on PATH unless selected.
  for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if [ -x "$c" ] && python_ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! python_ok .venv/bin/python; then
  if ! PY=$(find_python); then
    echo "This project needs Python 3.12 or newer (Django 6.0), and none was found." >&2
    echo "Install one (for example 'apt-get install python3.12' or 'pyenv install 3.12'), or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  say "Creating .venv with $PY ($("$PY" --version))"
  rm -rf .venv
  "$PY" -m venv .venv
fi

req_hash=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
if [ "$(cat .venv/.requirements 2>/dev/null)" != "$req_hash" ]; then
  say "Installing Python packages (requirements-dev.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$req_hash" > .venv/.requirements
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed to install the front-end assets (Bootstrap, htmx, SortableJS): install Node.js and npm." >&2
  exit 1
fi
lock_hash=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -d node_modules ] || [ "$(cat node_modules/.crm-lock 2>/dev/null)" != "$lock_hash" ]; then
  say "Installing front-end assets from the npm registry"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.crm-lock
fi

if [ ! -f locale/.compiled ] || [ -z "$(find locale -name '*.mo')" ] \
   || [ -n "$(find locale -name '*.po' -newer locale/.compiled)" ]; then
  say "Compiling translations"
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
  touch locale/.compiled
fi
