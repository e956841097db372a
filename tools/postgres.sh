#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL server on loopback for the metadata store's tests, from
# Debian's postgresql package: `tools/postgres.sh start` prints its URL, `tools/postgres.sh stop`.
# The cluster lives in $TFX_CORE_PG_DIR (default /tmp/tfx_core_pg), port $TFX_CORE_PG_PORT
# (default 54329), trust authentication on 127.0.0.1 only. Idempotent.
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "postgres.sh: Debian's postgresql package is not installed" >&2; exit 1; }
data=${TFX_CORE_PG_DIR:-/tmp/tfx_core_pg}
port=${TFX_CORE_PG_PORT:-54329}
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)  # initdb refuses to run as root.
fi

case "${1:-start}" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres "$data"
      "${as_owner[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    fi
    if ! "${as_owner[@]}" "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      "${as_owner[@]}" "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w start \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$data/PG_VERSION" ]; then
      "${as_owner[@]}" "$pgbin/pg_ctl" -D "$data" -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "usage: tools/postgres.sh start|stop" >&2; exit 2 ;;
esac
