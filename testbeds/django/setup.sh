#!/usr/bin/env bash
# Idempotent setup of the Django testbed's virtualenv.
#   bash testbeds/django/setup.sh      (from any directory)
# Creates testbeds/django/.venv and installs requirements.txt into it, but only
# when the venv is missing or requirements.txt changed since the last install
# (tracked by the sha256 stored in .venv/.requirements.sha256). A second run
# is a fast no-op.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQ="$HERE/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

want="$(sha256sum "$REQ" | cut -d' ' -f1)"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "testbeds/django: venv up to date ($VENV)"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "testbeds/django: creating venv in $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

echo "testbeds/django: installing requirements"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQ"
printf '%s' "$want" > "$STAMP"
echo "testbeds/django: ready ($("$VENV/bin/python" -c 'import django, rest_framework, jwt, gunicorn; print("django", django.get_version(), "drf", rest_framework.VERSION, "pyjwt", jwt.__version__, "gunicorn", gunicorn.__version__)'))"
