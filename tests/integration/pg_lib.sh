# A throwaway PostgreSQL cluster for one test: initdb + pg_ctl as the postgres user into a
# temporary directory, listening on a Unix socket in that directory only (no TCP port), with
# trust authentication for local connections. Source after lib.sh; call pg_start, then use
# $PG_URI (database "autodns"). The cluster is stopped and removed at exit. If the server
# cannot be installed or started, the test fails: there is no skipping. PG_EXTRA_CONF, set
# before pg_start, is appended to postgresql.conf (settings a test needs, one per line).
PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=
PG_URI=

as_postgres() {  # as_postgres CMD...: run a command as the postgres user (we are root in CI)
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

pg_stop() {  # pg_stop [MODE]: stop the cluster (fast by default; immediate = a crash)
  [ -n "$PG_DIR" ] || return 0
  as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
}

pg_restart() {  # pg_restart: start the stopped cluster again (crash recovery after immediate)
  as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
}

pg_cleanup() {
  pg_stop fast
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
  rm -rf "$T"
}

pg_start() {
  if [ -z "$PG_BINDIR" ] || [ ! -x "$PG_BINDIR/initdb" ]; then
    echo "FAIL: PostgreSQL server binaries not found (install the Debian package postgresql)" >&2
    exit 1
  fi
  PG_DIR=$(mktemp -d /tmp/autodns-pg-XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
  trap pg_cleanup EXIT
  as_postgres "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || {
    cat "$PG_DIR/initdb.log" >&2
    echo "FAIL: initdb failed" >&2
    exit 1
  }
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
max_connections = 100
shared_buffers = 32MB
${PG_EXTRA_CONF:-}
CONF
  pg_restart || { echo "FAIL: the PostgreSQL server did not start" >&2; exit 1; }
  as_postgres "$PG_BINDIR/createdb" -h "$PG_DIR" -U postgres autodns || {
    echo "FAIL: createdb failed" >&2
    exit 1
  }
  PG_URI="postgresql:///autodns?host=$PG_DIR&user=postgres"
  export PG_URI
}

pg_sql() {  # pg_sql QUERY: rows as "a|b|c"
  "$PG_BINDIR/psql" -X -q -A -t -h "$PG_DIR" -U postgres -d autodns -c "$1"
}

pg_sql_in() {  # pg_sql_in DATABASE QUERY: as pg_sql, in another database of the cluster
  "$PG_BINDIR/psql" -X -q -A -t -h "$PG_DIR" -U postgres -d "$1" -c "$2"
}

pg_createdb() {  # pg_createdb NAME: one more database; prints its URI
  as_postgres "$PG_BINDIR/createdb" -h "$PG_DIR" -U postgres "$1" || {
    echo "FAIL: createdb $1 failed" >&2
    exit 1
  }
  echo "postgresql:///$1?host=$PG_DIR&user=postgres"
}

# pg_script FILE ACTION...: writes an executable shell script that does ACTION... to the
# cluster in order when run (by a stand-in's hook, say): crash (pg_ctl stop -m immediate),
# start (and wait until it accepts connections).
pg_script() {
  local file=$1
  shift
  {
    echo '#!/bin/sh'
    echo 'as_postgres() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi; }'
    for action in "$@"; do
      case $action in
        crash) echo "as_postgres '$PG_BINDIR/pg_ctl' -D '$PG_DIR/data' -m immediate -w -t 60 stop >/dev/null 2>&1" ;;
        start) echo "as_postgres '$PG_BINDIR/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t 60 start >/dev/null" ;;
        *) echo "pg_script: unknown action $action" >&2; return 1 ;;
      esac
    done
  } >"$file"
  chmod 755 "$file"
}
