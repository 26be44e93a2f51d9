#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback, exported to it as
# TRELLIS_TEST_POSTGRES_URL (and its data directory as TRELLIS_TEST_PG_DATA). The server and its data directory are removed afterwards, however
# the command ends (success, failure, Ctrl-C). The command's exit status is passed through.
#
#   bash scripts/with-postgres.sh .venv/bin/pytest -n 2 -q
#
# - TRELLIS_TEST_POSTGRES_URL already set: that server is used as it is, nothing is started.
# - No PostgreSQL installed: the command runs without the variable (PostgreSQL tests skip).
# - The port is TRELLIS_TEST_PG_PORT, else a free one (several runs may share the machine).
# - Run as root, the server runs as the `postgres` system user (initdb refuses root).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi
if [ -n "${TRELLIS_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] && command -v pg_ctl >/dev/null 2>&1; then
  PG_BIN=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: PostgreSQL not installed, so PostgreSQL tests will be skipped" >&2
  exec "$@"
fi

RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root but there is no 'postgres' user to run the server" >&2
    exit 70
  fi
  RUN_AS=(runuser -u postgres --)
fi
as_server_user() { "${RUN_AS[@]+"${RUN_AS[@]}"}" "$@"; }

# As root the server user must reach the data directory, so it goes straight under /tmp.
if [ "$(id -u)" = 0 ]; then PARENT=/tmp; else PARENT=${TMPDIR:-/tmp}; fi
DATA=$(mktemp -d "$PARENT/trellis-pg.XXXXXX")
chmod 700 "$DATA"
if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi
STARTED=0
cleanup() {
  if [ "$STARTED" = 1 ]; then
    as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_server_user "$PG_BIN/initdb" -D "$DATA" -U trellis --auth=trust --encoding=UTF8 --locale=C >"$DATA.initdb.log" 2>&1 || {
  echo "with-postgres: initdb failed:" >&2; cat "$DATA.initdb.log" >&2; rm -f "$DATA.initdb.log"; exit 70; }
rm -f "$DATA.initdb.log"

# A throw-away server: durability is not needed, speed is.
OPTIONS="-k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
for attempt in 1 2 3 4 5; do
  PORT=${TRELLIS_TEST_PG_PORT:-$(free_port)}
  if as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -o "-p $PORT $OPTIONS" -l "$DATA/server.log" -w -t 60 start >/dev/null 2>&1; then
    STARTED=1
    break
  fi
  if [ -n "${TRELLIS_TEST_PG_PORT:-}" ] || [ "$attempt" = 5 ]; then
    echo "with-postgres: the PostgreSQL server did not start (port $PORT); its log:" >&2
    tail -n 20 "$DATA/server.log" >&2 || true
    exit 70
  fi
done

as_server_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U trellis trellis_test
export TRELLIS_TEST_POSTGRES_URL="postgresql+psycopg://trellis@127.0.0.1:$PORT/trellis_test"
export TRELLIS_TEST_PG_DATA="$DATA"  # the server's log is $TRELLIS_TEST_PG_DATA/server.log

set +e
"$@"
status=$?
set -e
exit $status
