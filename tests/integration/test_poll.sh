#!/usr/bin/env bash
# autodns-notify poll against a local AutoDNS stand-in (autodns_standin.py): JSON and XML,
# store-then-confirm order, injected faults, malformed replies, poll + mail fallback.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
P=$SRC/samples/payloads
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -poll)" AUTODNS_CONTEXT=4
FAST=(--once --timeout 1 --retry-min 0.05 --retry-max 0.2)
JSON_QUEUE=("$P/001-domaincreate-poll.json" "$P/003-autoupdate_dns_success-poll.json" "$P/003-autoupdate_deferred_error-poll.json")
JSON_IDS="1819917 1005491836 1005373399"
XML_QUEUE=("$P/001-domaincreate-poll.xml" "$P/003-autoupdate_dns_success-poll.xml" "$P/003-autoupdate_dns_error-poll.xml")
XML_IDS="1855680 1005491836 1012057852"

confirmed() { grep '^CONFIRM [0-9]' "$STANDIN_LOG" | awk '$3 == "ok" {print $2}' | tr '\n' ' ' | sed 's/ $//'; }
violations() { grep -c 'VIOLATION' "$STANDIN_LOG" || true; }

# --- JSON: both shapes of data[], stored then confirmed in order.
DB=$T/json.sqlite
start_standin json --protocol json --db "$DB" "${JSON_QUEUE[@]}"
rc=0; "$BIN" poll --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "json poll exit" "$rc" 0
expect_eq "json confirmed in order" "$(confirmed)" "$JSON_IDS"
expect_eq "json no confirm before store" "$(violations)" 0
expect_eq "json stored" "$(sql "$DB" "SELECT group_concat(id, ' ') FROM (SELECT id FROM notifications ORDER BY rowid)")" "$JSON_IDS"
expect_eq "json receipts by poll" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE channel='poll'")" 3
expect_contains "json locator" "$(sql "$DB" "SELECT locator FROM receipts WHERE key='id:1819917'")" "$STANDIN_URL_JSON/poll#1819917"
expect_contains "json log" "$(cat "$T/poll.log")" "confirmed 1819917"
expect_contains "json summary" "$(cat "$T/poll.log")" "3 stored, 0 duplicate, 3 confirmed, 0 quarantined"
if grep -q -F "$SECRET_MARK" "$T/poll.log"; then fail "password in the log"; else ok; fi
stop_standin

# The same notification later by mail (the 24 h fallback): one notification, two receipts.
rc=0; make_mail 1005491836 | "$BIN" mail --db "$DB" 2>"$T/mail.log" || rc=$?
expect_eq "fallback mail exit" "$rc" 0
expect_contains "fallback mail is a duplicate" "$(cat "$T/mail.log")" "duplicate id:1005491836"
expect_eq "one notification, poll and mail" \
  "$(sql "$DB" "SELECT count(DISTINCT r.key) || ' ' || group_concat(r.channel, ',') FROM receipts r WHERE r.key='id:1005491836'")" \
  "1 poll,mail"

# --- XML gateway: tasks 0905 / 0906, credentials in <auth>.
DB=$T/xml.sqlite
start_standin xml --protocol xml --db "$DB" "${XML_QUEUE[@]}"
rc=0; "$BIN" poll --db "$DB" --protocol xml --url "$STANDIN_URL_XML" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "xml poll exit" "$rc" 0
expect_eq "xml confirmed in order" "$(confirmed)" "$XML_IDS"
expect_eq "xml no confirm before store" "$(violations)" 0
expect_eq "xml stored" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE format='xml'")" 3
stop_standin

# --- Faults: 500, dropped connection, slow reply past the timeout, garbage; confirm dropped,
# confirm 500, confirm applied but its answer lost. Nothing lost, nothing confirmed unstored.
DB=$T/faults.sqlite
start_standin faults --protocol json --db "$DB" --fault fetch1=500 --fault fetch2=drop \
  --fault fetch3=slow --fault fetch4=garbage --fault confirm1=drop --fault confirm2=500 \
  --fault confirm3=lost "${JSON_QUEUE[@]}"
rc=0; "$BIN" poll --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" --max-failures 20 2>"$T/poll.log" || rc=$?
expect_eq "faults: exit" "$rc" 0
expect_eq "faults: all confirmed in order" "$(confirmed)" "$JSON_IDS"
expect_eq "faults: no confirm before store" "$(violations)" 0
expect_eq "faults: all stored once" "$(sql "$DB" "SELECT count(*) FROM notifications")" 3
expect_eq "faults: garbage kept once" "$(sql "$DB" "SELECT count(*) FROM quarantine WHERE channel='poll'")" 1
# confirm1 dropped and confirm2 failed: the first message came three times, stored once.
expect_eq "faults: redelivered after a failed confirm" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key='id:1819917'")" 3
expect_contains "faults: 500 logged" "$(cat "$T/poll.log")" "HTTP 500"
expect_contains "faults: timeout logged" "$(cat "$T/poll.log")" "no reply"
expect_contains "faults: retry logged" "$(cat "$T/poll.log")" "retry in"
expect_contains "faults: failed confirm logged" "$(cat "$T/poll.log")" "it will come again as a duplicate"
stop_standin

# --- A malformed message at the head of the queue: never confirmed, quarantined once, the
# client gives up (75) after --max-failures; the message behind it is not skipped.
DB=$T/malformed.sqlite
printf '{"stid": "x", "status": {"code": "S0905", "type": "SUCCESS"}, "data": [{"id": 1005499999, "notify": {"type": "transfer_start"}, "object": {"type": "Domain", "value": ' >"$T/malformed.json"
start_standin malformed --protocol json --db "$DB" "$T/malformed.json" "${JSON_QUEUE[0]}"
rc=0; "$BIN" poll --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" --max-failures 3 2>"$T/poll.log" || rc=$?
expect_eq "malformed: exit" "$rc" 75
expect_eq "malformed: nothing confirmed" "$(grep -c '^CONFIRM' "$STANDIN_LOG" || true)" 0
expect_eq "malformed: quarantined once" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 1
expect_eq "malformed: next message not skipped" "$(sql "$DB" "SELECT count(*) FROM notifications")" 0
expect_contains "malformed: reason" "$(sql "$DB" "SELECT reason FROM quarantine")" "malformed"
expect_contains "malformed: log" "$(cat "$T/poll.log")" "not confirmed"
stop_standin

# --- Wrong credentials: 401, logged without the password, exit 75 after the retries.
DB=$T/auth.sqlite
start_standin auth --protocol json --db "$DB" --password "$(secret -other)" "${JSON_QUEUE[@]}"
rc=0; "$BIN" poll --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" --max-failures 2 2>"$T/poll.log" || rc=$?
expect_eq "auth: exit" "$rc" 75
expect_contains "auth: logged" "$(cat "$T/poll.log")" "HTTP 401, E0011"
if grep -q -F "$SECRET_MARK" "$T/poll.log"; then fail "a password in the log"; else ok; fi
stop_standin

# --- Usage: no credentials on the command line, none configured, EPP.
rc=0; "$BIN" poll --db "$DB" --password "$(secret -x)" 2>/dev/null || rc=$?
expect_eq "no --password option" "$rc" 64
rc=0; env -u AUTODNS_USER -u AUTODNS_PASSWORD AUTODNS_NOTIFY_CONFIG=/dev/null "$BIN" poll --db "$DB" --once 2>"$T/err" || rc=$?
expect_eq "no credentials" "$rc" 78
expect_contains "no credentials message" "$(cat "$T/err")" "AUTODNS_PASSWORD"
# A TLS file that cannot be read: said at start, before any connection (no server here).
for opt in ca-file cert-file key-file; do
  rc=0
  AUTODNS_USER=u AUTODNS_PASSWORD="$(secret -p)" "$BIN" poll --db "$DB" --once --url https://127.0.0.1:9/ \
    "--$opt" "$T/missing.pem" 2>"$T/err" || rc=$?
  expect_eq "--$opt missing" "$rc" 78
  expect_contains "--$opt missing: message" "$(cat "$T/err")" "--$opt $T/missing.pem: cannot read: No such file"
done
rc=0; "$BIN" poll --db "$DB" --protocol epp 2>"$T/err" || rc=$?
expect_eq "epp without --url" "$rc" 64
expect_contains "epp without --url: message" "$(cat "$T/err")" "needs --url HOST:PORT"

# --- Credentials from the config file; daemon mode drains the queue and stops on SIGTERM.
DB=$T/daemon.sqlite
start_standin daemon --protocol xml --db "$DB" --user cfguser --password "$(secret '-cfg&pass')" --context 7 "${XML_QUEUE[@]}"
cat >"$T/config.ini" <<INI
[poll]
protocol = xml
url = $STANDIN_URL_XML
user = cfguser
password = $(secret '-cfg&pass')
context = 7
interval = 0.2
INI
holds_secret "$T/config.ini"
env -u AUTODNS_USER -u AUTODNS_PASSWORD -u AUTODNS_CONTEXT "$BIN" poll --config "$T/config.ini" --db "$DB" 2>"$T/poll.log" &
poll_pid=$!
for _ in $(seq 300); do
  [ "$(grep -c '^CONFIRM [0-9]* ok' "$STANDIN_LOG" || true)" -ge 3 ] && [ "$(grep -c '^FETCH empty' "$STANDIN_LOG" || true)" -ge 2 ] && break
  sleep 0.1
done
kill -TERM "$poll_pid"
rc=0; wait "$poll_pid" || rc=$?
expect_eq "daemon: exit on SIGTERM" "$rc" 0
expect_eq "daemon: confirmed" "$(confirmed)" "$XML_IDS"
expect_eq "daemon: polled on after empty" "$([ "$(grep -c '^FETCH empty' "$STANDIN_LOG")" -ge 2 ] && echo yes)" yes
expect_contains "daemon: stopped" "$(cat "$T/poll.log")" "stopped"
stop_standin

# --- HTTPS: the server certificate is verified (the push receiver serves as TLS endpoint).
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
  start_serve "$T/serve.log" --db "$T/tls.sqlite" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
  rc=0; "$BIN" poll --db "$T/tls.sqlite" --url "https://localhost:$PORT/v1" --once --max-failures 1 \
    --ca-file "$T/cert.pem" 2>"$T/poll.log" || rc=$?
  expect_contains "https with the CA: TLS works, the path is not an API" "$(cat "$T/poll.log")" "HTTP 404"
  rc=0; "$BIN" poll --db "$T/tls.sqlite" --url "https://localhost:$PORT/v1" --once --max-failures 1 \
    2>"$T/poll.log" || rc=$?
  expect_eq "https without the CA: exit" "$rc" 75
  expect_contains "https without the CA: refused" "$(cat "$T/poll.log")" "SSLServerVerification"
  stop_serve
else
  skip_block "HTTPS poll: openssl is not installed (scripts/bootstrap.sh installs it)"
fi

# --- [parse] limits apply to poll replies too: a reply nested deeper than max-nesting is not
# confirmed and its raw copy is quarantined as malformed.
DB=$T/limits.sqlite
printf '[parse]\nmax-nesting = 3\n' >"$T/limits.ini"
start_standin limits --protocol json --db "$DB" "$P/001-domaincreate-poll.json"
rc=0; "$BIN" poll --config "$T/limits.ini" --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" \
  --max-failures 1 2>"$T/limits.log" || rc=$?
expect_eq "max-nesting: poll gives up" "$rc" 75
expect_eq "max-nesting: nothing confirmed" "$(confirmed)" ""
expect_eq "max-nesting: nothing stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 0
expect_contains "max-nesting: quarantined as too deep" \
  "$(sql "$DB" "SELECT reason FROM quarantine")" "nest"
stop_standin

finish
