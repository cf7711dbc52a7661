#!/usr/bin/env bash
# The PostgreSQL server stops (pg_ctl stop -m immediate, a crash) while mail, serve and import
# are writing: what was acknowledged (exit 0, HTTP 200) survives the crash recovery, what was
# not gets a temporary answer (75, 503) and, retried after the restart, is stored once. No
# password appears in any message.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null
DB="$PG_URI&password=$(secret -TopSecret42)"  # trust authentication ignores it; messages must not show it

body() {
  printf '{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", "object": {"type": "Domain", "value": "d%d.example"}}\n' "$1" "$1" "$1"
}
mail_for() {
  printf 'Message-ID: <%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\nSubject: n\nContent-Type: application/json\n\n' "$1"
  body "$1"
}

# The schema exists before the crash (the first opening creates it).
mail_for 1 | "$BIN" mail --db "$DB" 2>"$T/first.log"
expect_eq "first mail" "$?" 0

# 1. Server down: the filter defers with one clear line and no password.
pg_stop immediate
rc=0
mail_for 2 | "$BIN" mail --db "$DB" 2>"$T/down.log" || rc=$?
expect_eq "mail while the server is down" "$rc" 75
expect_eq "one line" "$(wc -l <"$T/down.log" | tr -d ' ')" 1
expect_contains "says why" "$(cat "$T/down.log")" "cannot reach the server"
if grep -q -F "$SECRET_MARK" "$T/down.log"; then fail "the password was printed"; else ok; fi
pg_restart

# 2. Writers at work while the server crashes and comes back.
archive=$T/archive
mkdir -p "$archive/new" "$archive/cur" "$archive/tmp"
for id in $(seq 10000 12999); do mail_for "$id" >"$archive/new/$id"; done
start_serve "$T/serve.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
( for id in $(seq 100 399); do  # mail filters: record who got exit 0 and who 75
    rc=0
    mail_for "$id" | "$BIN" mail --db "$DB" 2>>"$T/mail.log" || rc=$?
    echo "$id $rc" >>"$T/mail.status"
  done ) &
mails=$!
( for id in $(seq 500 799); do  # pushes: record the HTTP status
    body "$id" >"$T/push.json"
    echo "$id $(post "$URL" "$T/push.json" | cut -d' ' -f1)" >>"$T/push.status"
  done ) &
pushes=$!
rc=0
"$BIN" import --db "$DB" --no-progress "$archive" 2>"$T/import.log" &
import=$!
sleep 1.5
pg_stop immediate
sleep 1
pg_restart
wait "$import" || rc=$?
wait "$mails"
wait "$pushes"

expect_eq "import stopped by the crash, or finished before it" "$(case $rc in 0|75) echo ok;; *) echo "$rc";; esac)" ok
case $rc in 0 | 75) ;; *) echo "import's messages:" >&2; tail -n 5 "$T/import.log" >&2 ;; esac
awk '$2 != 0 && $2 != 75 {print}' "$T/mail.status" >"$T/mail.bad"
expect_eq "mail exits 0 or 75 only" "$(wc -l <"$T/mail.bad" | tr -d ' ')" 0
awk '$2 != 200 && $2 != 503 {print}' "$T/push.status" >"$T/push.bad"
expect_eq "push answers 200 or 503 only" "$(wc -l <"$T/push.bad" | tr -d ' ')" 0
deferred=$(awk '$2 == 75' "$T/mail.status" | wc -l)
refused=$(awk '$2 == 503' "$T/push.status" | wc -l)
echo "during the crash: $deferred mails deferred, $refused pushes refused, import exit $rc" >&2
[ "$deferred" -gt 0 ] || [ "$refused" -gt 0 ] || [ "$rc" -eq 75 ] && ok ||
  fail "the crash was not noticed by any writer (the test did not test)"
if grep -q -F "$SECRET_MARK" "$T/mail.log" "$T/serve.log" "$T/import.log"; then fail "a password in a log"; else ok; fi

# Everything acknowledged survived.
acked_mail=$(awk '$2 == 0 {printf "%s\"id:%s\"", (n++ ? "," : ""), $1}' "$T/mail.status")
acked_push=$(awk '$2 == 200 {printf "%s\"id:%s\"", (n++ ? "," : ""), $1}' "$T/push.status")
want=$(awk '$2 == 0' "$T/mail.status" | wc -l)
expect_eq "acknowledged mails stored" "$(pg_sql "SELECT count(*) FROM notifications WHERE key = ANY ('{${acked_mail//\"/}}'::text[])")" "$want"
want=$(awk '$2 == 200' "$T/push.status" | wc -l)
expect_eq "acknowledged pushes stored" "$(pg_sql "SELECT count(*) FROM notifications WHERE key = ANY ('{${acked_push//\"/}}'::text[])")" "$want"

# The retries (the MDA's, AutoDNS's, the operator's rerun) complete the picture.
awk '$2 == 75 {print $1}' "$T/mail.status" | while read -r id; do
  mail_for "$id" | "$BIN" mail --db "$DB" 2>>"$T/retry.log" || echo "retry of $id failed" >&2
done
awk '$2 == 503 {print $1}' "$T/push.status" | while read -r id; do
  body "$id" >"$T/push.json"
  expect_eq "push $id retried" "$(post "$URL" "$T/push.json" | cut -d' ' -f1)" 200
done
rc=0
"$BIN" import --db "$DB" --no-progress "$archive" 2>"$T/import2.log" || rc=$?
expect_eq "import rerun" "$rc" 0
stop_serve
expect_eq "every mail, push and archive entry stored once" \
  "$(pg_sql "SELECT count(*), count(DISTINCT key) FROM notifications")" "$((1 + 300 + 300 + 3000))|$((1 + 300 + 300 + 3000))"
expect_eq "each archive entry has one receipt" \
  "$(pg_sql "SELECT count(*) FROM receipts WHERE channel = 'mail' AND locator LIKE '%/archive/%'")" 3000
finish
