#!/usr/bin/env bash
# The whole check: system packages the suite needs, a throwaway PostgreSQL cluster on loopback,
# ruff, import-linter, `makemigrations --check`, the suite on PostgreSQL, then the SQLite pass.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export JOINEDUP_ENV=test DJANGO_SETTINGS_MODULE=config.settings.test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Python keeps its compiled modules (__pycache__, ignored by git) for the many processes the suite starts: pytest's
# workers and the commands, servers and benches the tests run as subprocesses. Some machines turn that off.
unset PYTHONDONTWRITEBYTECODE
# One pytest worker a core and one more (pytest-xdist; how the work is shared: tests/parallel.py), or
# JOINEDUP_TEST_WORKERS: much of the suite waits on subprocesses, browsers and the disk, and the extra worker keeps the
# cores busy meanwhile (docs/benchmarks.md, "The test suite's own time": on two quiet cores, 24.5 min with two workers,
# 20.7 with three; the SQLite pass run beside the PostgreSQL one instead of after it was slower still, 21.2).
WORKERS=${JOINEDUP_TEST_WORKERS:-$(( $(nproc) + 1 ))}
[ "$WORKERS" -le 4 ] || WORKERS=4  # beyond that, each worker's own start (collection, test database) costs more
[ "$WORKERS" -gt 1 ] || WORKERS=0

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> Installing ${need_apt[*]} (Debian packages)"
  if [ "$(id -u)" -ne 0 ]; then echo "make test needs root to install ${need_apt[*]}, or install them yourself" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "==> ruff"
$BIN/ruff check ${RUFF_PATHS:-.}
echo "==> import-linter"
$BIN/lint-imports --no-cache

# --- a throwaway PostgreSQL cluster on 127.0.0.1 ---------------------------------------------
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PGROOT=$(mktemp -d /tmp/joinedup-pg.XXXXXX)
chmod 755 "$PGROOT"
PGDATA=$PGROOT/data
PGSOCK=$PGROOT/sock
mkdir -p "$PGDATA" "$PGSOCK"
PGPORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres:postgres "$PGROOT"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap cleanup EXIT
echo "==> PostgreSQL on 127.0.0.1:$PGPORT (throwaway)"
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/server.log" -w \
  -o "-p $PGPORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
"${as_pg[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres joinedup
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/joinedup"
export JOINEDUP_TEST_PGBIN=$PGBIN

echo "==> makemigrations --check"
$BIN/python -m django makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations differ: run 'joinedup makemigrations' and commit the result." >&2; exit 1; }

echo "==> Test suite on PostgreSQL"
$BIN/pytest -p no:cacheprovider -n "$WORKERS" --durations=15 "$@"

echo "==> SQLite-specific tests (embedded database)"
DATABASE_URL="sqlite:///$PWD/var/test/unused.sqlite3" $BIN/pytest -p no:cacheprovider -n "$WORKERS" \
  -m "sqlite or both_databases" "$@"
