#!/usr/bin/env bash
# http handler against a real loopback HTTP server (tests/integration/http_receiver.py):
# Idempotency-Key and headers, a receiver failing twice then succeeding gets the record exactly
# once, the mail deadline, import delivering after its commits, and two concurrent
# dispatchers over 1 000 rows delivering each exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/handlers_lib.sh"

# receiver_count LOG FILTER: requests in LOG matching the Python expression FILTER over r.
receiver_count() {
  python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(1 for r in rows if eval(sys.argv[2])))
PY
}

# --- fails twice, then succeeds: exactly one successful delivery, the same key each time.
start_receiver flaky 2
DB=$T/flaky.sqlite
cat >"$T/flaky.ini" <<INI
db = $DB
[handler.ops-api]
kind = http
url = $RECEIVER_URL/hooks/autodns
header = Authorization: Bearer $(secret -token)
timeout = 5
backoff = 1
max-attempts = 5
INI
# The receiver records the headers it got, the token with them.
holds_secret "$T/flaky.ini" "$RECEIVER_LOG"
make_mail 6001 >"$T/m1.eml"
status=0
"$BIN" mail --config "$T/flaky.ini" <"$T/m1.eml" 2>"$T/err1" || status=$?
expect_eq "mail exit while the receiver fails" "$status" 0
expect_contains "failure logged" "$(cat "$T/err1")" "handler ops-api: id:6001: attempt 1 of 5 failed: POST $RECEIVER_URL/hooks/autodns: HTTP 500: temporarily broken"
for i in $(seq 1 40); do
  [ "$(sql "$DB" "SELECT state FROM outbox WHERE key='id:6001'")" = done ] && break
  sleep 0.5
  "$BIN" dispatch --config "$T/flaky.ini" >/dev/null 2>&1
done
expect_eq "row done after 3 attempts" "$(outbox "$DB")" "ops-api|id:6001|done|3"
expect_eq "requests" "$(receiver_count "$RECEIVER_LOG" 'True')" 3
expect_eq "successful deliveries" "$(receiver_count "$RECEIVER_LOG" 'r["status"] == 200')" 1
expect_eq "Idempotency-Key each time" \
  "$(receiver_count "$RECEIVER_LOG" 'r["idempotency_key"] == "id:6001" == r["key"]')" 3
expect_eq "Content-Type" "$(receiver_count "$RECEIVER_LOG" 'r["content_type"] == "application/json"')" 3
expect_eq "path" "$(receiver_count "$RECEIVER_LOG" 'r["path"] == "/hooks/autodns"')" 3
expect_eq "extra header" "$(receiver_count "$RECEIVER_LOG" 'r["authorization"] == "Bearer '"$(secret -token)"'"')" 3

# --- a receiver slower than the mail deadline: mail exits 0 and leaves the row to dispatch.
start_receiver slow 0 3
cat >"$T/slow.ini" <<INI
db = $T/slow.sqlite
[handler.slow]
kind = http
url = $RECEIVER_URL/
timeout = 10
INI
make_mail 6002 >"$T/m2.eml"
status=0
"$BIN" mail --config "$T/slow.ini" --dispatch-deadline 1 <"$T/m2.eml" 2>"$T/err2" || status=$?
expect_eq "mail exit past the deadline" "$status" 0
expect_contains "deadline logged" "$(cat "$T/err2")" "(deadline reached); the rest is left to 'autodns-notify dispatch'"
expect_eq "row still pending" "$(sql "$T/slow.sqlite" "SELECT state FROM outbox")" pending

# --- import delivers after its commits.
start_receiver imported
cat >"$T/import.ini" <<INI
db = $T/import.sqlite
[handler.api]
kind = http
url = $RECEIVER_URL/in
types = transfer_*
INI
make_maildir "$T/small" 12 4   # 12 mails, 9 distinct notifications
out=$("$BIN" import --config "$T/import.ini" --no-progress "$T/small" 2>"$T/err3")
expect_contains "import summary" "$out" "12 mails, 12 notifications, 9 new, 3 duplicate"
expect_contains "import delivery line" "$(cat "$T/err3")" "handlers: 9 delivered, 0 failed, 0 dead-lettered"
expect_eq "import: 9 deliveries" "$(receiver_count "$RECEIVER_LOG" 'r["status"] == 200')" 9

# --- two dispatchers at once over 1 000 rows: every key exactly once.
start_receiver busy
cat >"$T/busy.ini" <<INI
db = $T/busy.sqlite
[handler.api]
kind = http
url = $RECEIVER_URL/busy
INI
make_maildir "$T/big" 1000 0
"$BIN" import --config "$T/busy.ini" --no-progress --no-dispatch "$T/big" >/dev/null
expect_eq "1000 pending rows" "$(sql "$T/busy.sqlite" "SELECT count(*) FROM outbox WHERE state='pending'")" 1000
"$BIN" dispatch --config "$T/busy.ini" >"$T/d1.out" 2>"$T/d1.err" &
d1=$!
"$BIN" dispatch --config "$T/busy.ini" >"$T/d2.out" 2>"$T/d2.err" &
d2=$!
s1=0; s2=0
wait "$d1" || s1=$?
wait "$d2" || s2=$?
expect_eq "dispatcher 1 exit" "$s1" 0
expect_eq "dispatcher 2 exit" "$s2" 0
expect_eq "all rows done" "$(sql "$T/busy.sqlite" "SELECT count(*) FROM outbox WHERE state='done'")" 1000
expect_eq "total deliveries" "$(receiver_count "$RECEIVER_LOG" 'True')" 1000
expect_eq "unique keys" "$(python3 -c '
import json, sys
print(len({json.loads(l)["idempotency_key"] for l in open(sys.argv[1])}))' "$RECEIVER_LOG")" 1000
total=$(python3 -c '
import re, sys
print(sum(int(re.search(r"dispatch: (\d+) delivered", open(f).read()).group(1)) for f in sys.argv[1:]))' \
  "$T/d1.out" "$T/d2.out")
expect_eq "the dispatchers' own counts add up" "$total" 1000
echo "dispatcher 1: $(cat "$T/d1.out")"
echo "dispatcher 2: $(cat "$T/d2.out")"

finish
