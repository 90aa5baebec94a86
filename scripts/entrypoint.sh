#!/usr/bin/env bash
# Container entrypoint: apply migrations, then serve with gunicorn (config in
# project/gunicorn.conf.py). Exits non-zero when the server dies, so the orchestrator restarts
# the container.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-project.settings.production}

python manage.py migrate --noinput
exec gunicorn --config project/gunicorn.conf.py
