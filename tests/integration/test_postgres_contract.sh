#!/usr/bin/env bash
# The store contract cases of tests/unit/test_store_contract.cpp against a real PostgreSQL
# server: a throwaway cluster (pg_lib.sh), then `unit_tests "[postgres]"`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
UNIT=${AUTODNS_UNIT_TESTS:-$(dirname "$BIN")/tests/unit_tests}
[ -x "$UNIT" ] || { echo "FAIL: unit test binary $UNIT not found" >&2; exit 1; }
if AUTODNS_TEST_PG_URI=$PG_URI AUTODNS_NOTIFY_CONFIG=/dev/null "$UNIT" "[postgres]"; then
  ok
else
  fail "the PostgreSQL contract cases failed"
fi

# The same location from --db, the config file's db key and $AUTODNS_NOTIFY_DB.
cd "$T"
printf 'db = %s\n' "$PG_URI" >"$T/config.ini"
rc=0
make_mail 1005491836 | AUTODNS_NOTIFY_CONFIG=$T/config.ini "$BIN" mail --no-dispatch 2>"$T/m1.log" || rc=$?
expect_eq "db key of the config file" "$rc" 0
rc=0
make_mail 1005491836 | AUTODNS_NOTIFY_CONFIG=/dev/null AUTODNS_NOTIFY_DB=$PG_URI "$BIN" mail --no-dispatch 2>"$T/m2.log" || rc=$?
expect_eq "\$AUTODNS_NOTIFY_DB" "$rc" 0
expect_contains "a duplicate there" "$(cat "$T/m2.log")" "duplicate"
rc=0
AUTODNS_NOTIFY_CONFIG=/dev/null "$BIN" report --db "$PG_URI" --since 2000-01-01 --format csv >"$T/r.csv" 2>"$T/r.log" || rc=$?
expect_eq "--db" "$rc" 0
# Any other scheme is a usage error naming the supported ones, and creates nothing.
rc=0
make_mail 1 | AUTODNS_NOTIFY_CONFIG=/dev/null AUTODNS_NOTIFY_DB=mysql://h/db "$BIN" mail 2>"$T/bad.log" || rc=$?
expect_eq "unknown scheme: usage error" "$rc" 64
expect_contains "names the schemes" "$(cat "$T/bad.log")" "postgresql://"
rc=0
AUTODNS_NOTIFY_CONFIG=/dev/null "$BIN" import --db ftp://h/x "$T" 2>/dev/null || rc=$?
expect_eq "unknown scheme for import" "$rc" 64
[ -e "$T/ftp:" ] && fail "a directory ftp: was created" || ok
finish
