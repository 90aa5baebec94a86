#!/usr/bin/env bash
# Install the system packages the test suite needs, only where they are missing:
# Chromium (Playwright drives it), Redis and PostgreSQL 15 (throwaway servers for the tests).
set -euo pipefail

# Extra packages may be named on the command line (make bench adds wrk).
missing=()
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
done
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
id postgres >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
