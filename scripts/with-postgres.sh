#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback, exported to it as
# TRELLIS_TEST_POSTGRES_URL. The server and its data directory are removed afterwards.
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ]; then
  echo "PostgreSQL not installed: PostgreSQL tests will be skipped" >&2
  exec "$@"
fi
DATA=$(mktemp -d /tmp/trellis-pg.XXXXXX)
PORT=${TRELLIS_TEST_PG_PORT:-55432}
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$DATA"
  RUN_AS=(runuser -u postgres --)
fi
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$DATA" -U trellis --auth=trust >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1" -l "$DATA/log" -w start >/dev/null
cleanup() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap cleanup EXIT
"${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U trellis trellis_test
export TRELLIS_TEST_POSTGRES_URL="postgresql+psycopg://trellis@127.0.0.1:$PORT/trellis_test"
set +e
"$@"
status=$?
exit $status
