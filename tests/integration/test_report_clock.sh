#!/usr/bin/env bash
# test_report.sh at the hours that used to break it, with the clock of every process it starts
# (the binary, Python, date) moved by libfaketime: the last hour of a UTC day (the window's
# end crossed midnight and gave nine per-day buckets instead of eight) and the autumn DST fold
# in Berlin (a fixture time in the repeated hour was read back an hour early).
source "$(dirname "$0")/lib.sh"
# Through the faketime wrapper, not a bare LD_PRELOAD: the wrapper creates libfaketime's shared
# semaphore and memory, passes them on in FAKETIME_SHARED and removes them only after the whole
# tree has ended. With a bare LD_PRELOAD the first process creates them, and any forked
# subshell of it removes them again when it exits, so a process started later died with
# "sem_open failed and recreation attempts failed" (seen once in the ASan run).
command -v faketime >/dev/null ||
  { fail "faketime not installed (scripts/bootstrap.sh installs faketime)"; finish; }
for at in "2026-12-01 23:30:00" "2026-10-25 03:10:00" "2027-03-28 01:30:00"; do
  rc=0
  with_clock "$at" bash "$SRC/tests/integration/test_report.sh" >"$T/out" 2>&1 || rc=$?
  expect_eq "test_report.sh at $at UTC (last lines: $(tail -n 3 "$T/out" | tr '\n' ' '))" "$rc" 0
  # The wrapper really moved the clock of the processes it started.
  expect_eq "clock moved to $at" "$(with_clock "$at" date -u '+%Y-%m-%d %H')" "${at:0:13}"
done
finish
