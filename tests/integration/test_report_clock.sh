#!/usr/bin/env bash
# test_report.sh at the hours that used to break it, with the clock of every process it starts
# (the binary, Python, date) moved by libfaketime: the last hour of a UTC day (the window's
# end crossed midnight and gave nine per-day buckets instead of eight) and the autumn DST fold
# in Berlin (a fixture time in the repeated hour was read back an hour early).
source "$(dirname "$0")/lib.sh"
shim=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$shim" ] || { fail "libfaketime not installed (scripts/bootstrap.sh installs faketime)"; finish; }
for at in "2026-12-01 23:30:00" "2026-10-25 03:10:00" "2027-03-28 01:30:00"; do
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0" \
    FAKETIME="@$at" TZ=UTC LD_PRELOAD="$shim" bash "$SRC/tests/integration/test_report.sh" \
    >"$T/out" 2>&1 || rc=$?
  expect_eq "test_report.sh at $at UTC (last lines: $(tail -n 3 "$T/out" | tr '\n' ' '))" "$rc" 0
done
finish
