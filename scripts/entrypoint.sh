#!/usr/bin/env bash
# Container entrypoint: apply migrations, then run gunicorn (project/gunicorn.conf.py) and the
# Huey consumer side by side. When either process stops, the other is stopped too and the
# container exits non-zero, so the orchestrator restarts it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-project.settings.production}

python manage.py migrate --noinput

pids=()
gunicorn --config project/gunicorn.conf.py &
pids+=($!)
if [ -n "${REDIS_URL:-}" ]; then
  # --flush-locks: a consumer killed mid-job must not leave periodic jobs locked forever.
  python manage.py run_huey --flush-locks &
  pids+=($!)
else
  echo "entrypoint: REDIS_URL is not set, jobs run inside the web process" >&2
fi

stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; }
trap 'stop; wait; exit 143' TERM INT

set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "entrypoint: a process exited (status $status); stopping the container" >&2
stop
wait
exit $(( status == 0 ? 1 : status ))
