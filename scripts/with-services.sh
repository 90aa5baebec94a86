#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster and Redis server on free local ports.
#
#   scripts/with-services.sh pytest -x
#
# Exports DATABASE_URL and REDIS_URL (plus TANDEM_PG_* / TANDEM_REDIS_* for fault tests), runs the
# command, and stops and deletes both servers when it ends, whether it passed, failed or was
# interrupted. Exits with the command's status.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/tandem-services.XXXXXX)
chmod 755 "$tmp"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# PostgreSQL refuses to run as root: run its tools as the postgres user when we are root (from
# a directory that user can enter).
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$tmp"
  as_pg=(env --chdir="$tmp" runuser -u postgres --)
else
  as_pg=()
fi

pg_port=$(free_port)
redis_port=$(free_port)

cleanup() {
  status=$?
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  if [ -f "$tmp/redis.pid" ]; then kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_opts="-p $pg_port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
"${as_pg[@]}" "$PG_BIN/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -o "$pg_opts" start >/dev/null
"${as_pg[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres tandem

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" --dir "$tmp"
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/tandem"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
# For tests that stop and restart the servers themselves.
export TANDEM_PG_BIN="$PG_BIN" TANDEM_PG_DATA="$tmp/data" TANDEM_PG_OPTS="$pg_opts" TANDEM_PG_LOG="$tmp/postgres.log"
export TANDEM_REDIS_PORT="$redis_port" TANDEM_REDIS_DIR="$tmp"
echo "with-services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port" >&2

"$@"
