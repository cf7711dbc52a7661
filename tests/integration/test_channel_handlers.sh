#!/usr/bin/env bash
# One set of handlers for every channel: records stored by push (serve) and by poll reach the
# same jsonl handler as mail does, each exactly once, and serve answers without waiting for it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
P=$SRC/samples/payloads
DB=$T/notify.sqlite
cat >"$T/config.ini" <<INI
[handler.ops]
kind = jsonl
path = $T/records.jsonl
INI
lines() { [ -f "$T/records.jsonl" ] && wc -l <"$T/records.jsonl" | tr -d ' ' || echo 0; }

# Push: two different bodies and one repeat.
start_serve "$T/serve.log" --db "$DB" --config "$T/config.ini"
URL=http://127.0.0.1:$PORT/autodns/push
expect_eq "push 1" "$(post "$URL" "$P/003-autoupdate_dns_success-push.json" -H 'Content-Type: application/json')" "200 stored"
expect_eq "push 2" "$(post "$URL" "$P/003-autoupdate_dns_error-push.xml" -H 'Content-Type: application/xml')" "200 stored"
expect_eq "push repeat" "$(post "$URL" "$P/003-autoupdate_dns_success-push.json")" "200 duplicate"
for _ in $(seq 100); do [ "$(lines)" -ge 2 ] && break; sleep 0.1; done
stop_serve
expect_eq "serve exit" "$STOP_RC" 0
expect_eq "push records delivered once each" "$(lines)" 2
expect_eq "push outbox done" "$(sql "$DB" "SELECT count(*) FROM outbox WHERE state='done'")" 2

# Poll: a JSON queue of two messages; delivered after the confirm.
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -channels)" AUTODNS_CONTEXT=4
start_standin json --protocol json --db "$DB" "$P/001-domaincreate-poll.json" "$P/003-autoupdate_deferred_error-poll.json"
rc=0
"$BIN" poll --db "$DB" --config "$T/config.ini" --url "$STANDIN_URL_JSON" --once --timeout 2 \
  --retry-min 0.05 --retry-max 0.2 2>"$T/poll.log" || rc=$?
stop_standin
expect_eq "poll exit" "$rc" 0
expect_eq "poll records delivered" "$(lines)" 4
expect_contains "poll delivered ids" "$(grep -o '"key":"id:[0-9]*"' "$T/records.jsonl" | sort | tr '\n' ' ')" '"key":"id:1005373399"'

# The same notification by mail later: a duplicate, no second delivery.
"$BIN" mail --db "$DB" --config "$T/config.ini" <"$SRC/samples/mail/json-push-1005491844-utf8-7bit-body.eml" 2>/dev/null
expect_eq "mail duplicate not delivered again" "$(lines)" 4
expect_eq "keys delivered once" "$(grep -o '"key":"[^"]*"' "$T/records.jsonl" | sort | uniq -d | wc -l | tr -d ' ')" 0
finish
