#!/usr/bin/env bash
# The suite is hermetic: a configuration the tests did not choose — as an installed
# /etc/autodns-notify/config.ini would be, here handed over through AUTODNS_NOTIFY_CONFIG in
# the environment the tests are started with — cannot change a result. A hostile config (its
# own database, a sender policy that rejects the test senders, an authentication requirement,
# a jsonl handler, the outcome line to syslog only) is first shown to change what the program
# does, then a few black-box tests run with it in their environment and must still pass.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
H=$T/hostile.ini
cat >"$H" <<INI
db = $T/hostile.sqlite
busy-timeout = 1
db-mode = 0666
[mail]
allow-from = elsewhere.invalid
require-auth = mx.elsewhere.invalid
log = syslog
max-size = 100
[handler.spy]
kind = jsonl
path = $T/spy.jsonl
INI

# The config matters: with it, a notification mail is quarantined in the hostile database and
# the outcome line leaves stderr.
make_mail 9100001 >"$T/one.eml"
rc=0
AUTODNS_NOTIFY_CONFIG=$H "$BIN" mail <"$T/one.eml" 2>"$T/err" || rc=$?
expect_eq "mail under the hostile config: exit" "$rc" 0
expect_eq "hostile database used" "$(sql "$T/hostile.sqlite" "SELECT count(*) FROM quarantine")" 1
expect_eq "nothing on stderr (log = syslog)" "$(cat "$T/err")" ""
rm -f "$T"/hostile.sqlite*

# The same black-box tests with the hostile config in their environment: same results, and
# nothing of the hostile config used.
for t in test_hostile test_procmail test_maildrop; do
  rc=0
  AUTODNS_NOTIFY_CONFIG=$H bash "$here/$t.sh" >"$T/$t.out" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then ok; else
    fail "$t with a hostile system config: exit $rc"
    tail -n 20 "$T/$t.out" >&2
  fi
done
expect_eq "hostile database never created" "$(ls "$T"/hostile.sqlite* 2>/dev/null | wc -l)" 0
expect_eq "hostile handler never ran" "$(ls "$T/spy.jsonl" 2>/dev/null | wc -l)" 0
finish
