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
finish
