#!/usr/bin/env bash
# autodns-notify poll --protocol epp against a local EPP stand-in (epp_standin.py, TLS with a
# CA made here): greeting/login/poll/ack/logout, store-then-ack order, faults (dropped
# connection, garbage frame, lying length header, 2400 on ack), an unparseable message,
# certificates (wrong CA, client certificate), wrong password, keep-alive, a locked database,
# a full disk, and a message polled by EPP and later mailed in EPP format.
source "$(dirname "$0")/lib.sh"
P=$SRC/samples/payloads
export AUTODNS_NOTIFY_CONFIG=/dev/null AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -pw)" AUTODNS_CONTEXT=4
FAST=(--once --timeout 2 --retry-min 0.05 --retry-max 0.2)
QUEUE=("$P/001-epp-poll-reply.xml" "$P/eppdoc-transfer_ack-poll.xml" "$P/eppdoc-transfer_start-undeclared-prefix-poll.xml")
IDS="880369 880178 900467"

source "$(dirname "$0")/epp_lib.sh"
violations() { grep -c 'VIOLATION' "$STANDIN_LOG" || true; }
poll() { "$BIN" poll --protocol epp --url "$URL" --ca-file "$T/ca.pem" "$@"; }

# --- The whole exchange: in order, each stored once, acked only after the commit.
DB=$T/epp.sqlite
start_standin basic --db "$DB" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "epp poll exit" "$rc" 0
expect_eq "epp acked in order" "$(acked)" "$IDS"
expect_eq "epp no ack before store" "$(violations)" 0
expect_eq "epp stored in order" "$(sql "$DB" "SELECT group_concat(id, ' ') FROM (SELECT id FROM notifications ORDER BY rowid)")" "$IDS"
expect_eq "epp format" "$(sql "$DB" "SELECT group_concat(DISTINCT format) FROM notifications")" "epp"
expect_eq "epp receipts by poll" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE channel='poll'")" 3
expect_eq "epp miscData status and object" \
  "$(sql "$DB" "SELECT json_extract(record, '$.status.code') || ' ' || json_extract(record, '$.status.type') || ' ' || json_extract(record, '$.object.value') FROM notifications WHERE id = 880178")" \
  "S0104001 success epp-transfer-test001.me"
expect_contains "epp locator" "$(sql "$DB" "SELECT locator FROM receipts WHERE key='id:880369'")" "epp://localhost:"
expect_eq "epp session" "$(awk '{print $1}' "$STANDIN_LOG" | sort -u | tr '\n' ' ')" "ACK CONNECT LOGIN LOGOUT POLL "
expect_contains "epp log" "$(cat "$T/poll.log")" "acked 880369"
expect_contains "epp summary" "$(cat "$T/poll.log")" "3 stored, 0 duplicate, 3 confirmed, 0 quarantined"
if grep -q -F "$SECRET_MARK" "$T/poll.log"; then fail "password in the log"; else ok; fi
stop_standin

# The same message later by mail, in the EPP format of a poll user: one notification, two
# receipts.
{
  printf 'From: AutoDNS <noreply@autodns.example>\nTo: hostmaster@registrar.example\n'
  printf 'Message-ID: <880178.epp@autodns.example>\nSubject: AutoDNS notification\n'
  printf 'MIME-Version: 1.0\nContent-Type: text/xml; charset=utf-8\n\n'
  cat "$P/eppdoc-transfer_ack-poll.xml"
} >"$T/epp.eml"
rc=0; "$BIN" mail --db "$DB" <"$T/epp.eml" 2>"$T/mail.log" || rc=$?
expect_eq "epp fallback mail exit" "$rc" 0
expect_contains "epp fallback mail is a duplicate" "$(cat "$T/mail.log")" "duplicate id:880178"
expect_eq "epp: one notification, poll and mail" \
  "$(sql "$DB" "SELECT count(DISTINCT key) || ' ' || group_concat(channel, ',') FROM (SELECT key, channel FROM receipts WHERE key='id:880178' ORDER BY rowid)")" \
  "1 poll,mail"

# --- Faults: a dropped connection, the same garbage frame twice, a 2400 on ack, a length
# header that lies, a connection dropped after an ack was sent. Nothing lost, nothing acked
# unstored, the garbage kept once.
DB=$T/faults.sqlite
start_standin faults --db "$DB" --fault poll1=drop --fault poll2=garbage --fault poll3=garbage \
  --fault ack1=2400 --fault poll5=liar --fault ack2=drop "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" --max-failures 10 2>"$T/poll.log" || rc=$?
expect_eq "faults: exit" "$rc" 0
expect_eq "faults: all acked in order" "$(acked)" "$IDS"
expect_eq "faults: no ack before store" "$(violations)" 0
expect_eq "faults: all stored once" "$(sql "$DB" "SELECT count(*) FROM notifications")" 3
expect_eq "faults: garbage kept once" "$(sql "$DB" "SELECT count(*) FROM quarantine WHERE channel='poll'")" 1
# Stored at poll 4 (ack 2400), again at poll 6 (ack dropped), again at poll 7 (acked).
expect_eq "faults: redelivered after the 2400 and the drop" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key='id:880369'")" 3
expect_eq "faults: duplicates counted" "$(grep -o '[0-9]* duplicate' "$T/poll.log" | tail -1)" "2 duplicate"
expect_contains "faults: drop logged" "$(cat "$T/poll.log")" "closed the connection"
expect_contains "faults: 2400 logged" "$(cat "$T/poll.log")" "ack of 880369 refused (2400"
expect_contains "faults: liar logged" "$(cat "$T/poll.log")" "reading a frame of"
expect_contains "faults: retry logged" "$(cat "$T/poll.log")" "retry in"
expect_eq "faults: new sessions" "$(grep -c '^LOGIN ok' "$STANDIN_LOG")" 7
stop_standin

# --- An unparseable message at the head of the queue: never acked, quarantined once (its
# trID differs at every poll), exit 75 after --max-failures; the message behind not skipped.
DB=$T/malformed.sqlite
sed 's/<qDate>2017-07-14T13:46:33.000Z</<qDate>yesterday</' "$P/001-epp-poll-reply.xml" >"$T/bad-qdate.xml"
start_standin malformed --db "$DB" "$T/bad-qdate.xml" "${QUEUE[1]}"
rc=0; poll --db "$DB" "${FAST[@]}" --max-failures 3 2>"$T/poll.log" || rc=$?
expect_eq "malformed: exit" "$rc" 75
expect_eq "malformed: nothing acked" "$(grep -c '^ACK' "$STANDIN_LOG" || true)" 0
expect_eq "malformed: polled three times" "$(grep -c '^POLL 880369' "$STANDIN_LOG")" 3
expect_eq "malformed: quarantined once" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 1
expect_contains "malformed: reason" "$(sql "$DB" "SELECT reason FROM quarantine")" "unreadable qDate"
expect_eq "malformed: next message not skipped" "$(sql "$DB" "SELECT count(*) FROM notifications")" 0
stop_standin

# --- Wrong password: a clear error, exit 78, no retry, the password not echoed.
DB=$T/pw.sqlite
start_standin pw --db "$DB" "${QUEUE[@]}"
rc=0; AUTODNS_PASSWORD="$(secret -wrong-pw)" poll --db "$DB" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "wrong password: exit" "$rc" 78
expect_contains "wrong password: message" "$(cat "$T/poll.log")" "EPP login as user at epp://localhost"
expect_contains "wrong password: code" "$(cat "$T/poll.log")" "refused: 2200"
expect_eq "wrong password: one attempt" "$(grep -c '^LOGIN' "$STANDIN_LOG")" 1
if grep -q -F "$SECRET_MARK" "$T/poll.log"; then fail "wrong password in the log"; else ok; fi
stop_standin

# --- A server certificate the CA file does not vouch for: refused, nothing polled.
DB=$T/cert.sqlite
start_standin cert --db "$DB" "${QUEUE[@]}"
rc=0; "$BIN" poll --protocol epp --url "$URL" --ca-file "$T/other-ca.pem" --db "$DB" "${FAST[@]}" --max-failures 2 2>"$T/poll.log" || rc=$?
expect_eq "wrong certificate: exit" "$rc" 75
expect_contains "wrong certificate: message" "$(cat "$T/poll.log")" "TLS handshake with localhost"
expect_contains "wrong certificate: reason" "$(cat "$T/poll.log")" "certificate verify failed"
expect_eq "wrong certificate: no login" "$(grep -c '^LOGIN' "$STANDIN_LOG" || true)" 0
stop_standin
# A server name the certificate does not carry (127.0.0.2 is loopback but not in its SAN).
start_standin name --db "$DB" --listen 127.0.0.2 "${QUEUE[@]}"
rc=0; "$BIN" poll --protocol epp --url "epp://127.0.0.2:${URL#localhost:}" --ca-file "$T/ca.pem" --db "$DB" "${FAST[@]}" --max-failures 1 2>"$T/poll.log" || rc=$?
expect_eq "wrong name: exit" "$rc" 75
expect_contains "wrong name: refused in the handshake" "$(cat "$T/poll.log")" "TLS handshake with 127.0.0.2"
expect_contains "wrong name: reason" "$(cat "$T/poll.log")" "certificate verify failed"
expect_eq "wrong name: no login" "$(grep -c '^LOGIN' "$STANDIN_LOG" || true)" 0
stop_standin

# --- A server that requires a client certificate.
DB=$T/client.sqlite
start_standin client --db "$DB" --client-ca "$T/ca.pem" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" --max-failures 1 2>"$T/poll.log" || rc=$?
expect_eq "client certificate missing: exit" "$rc" 75
expect_eq "client certificate missing: no login" "$(grep -c '^LOGIN' "$STANDIN_LOG" || true)" 0
rc=0; poll --db "$DB" "${FAST[@]}" --cert-file "$T/client.pem" --key-file "$T/client.key" 2>"$T/poll.log" || rc=$?
expect_eq "client certificate: exit" "$rc" 0
expect_eq "client certificate: acked" "$(acked)" "$IDS"
stop_standin

# --- Without --once: a dropped session and a 2400 answer to poll are followed by a new
# session that logs in again after the back-off, <hello/> keeps the idle session, SIGTERM ends it with a logout.
DB=$T/loop.sqlite
start_standin loop --db "$DB" --fault poll2=drop --fault poll3=2400 "${QUEUE[0]}"
"$BIN" poll --protocol epp --url "$URL" --ca-file "$T/ca.pem" --db "$DB" --timeout 2 \
  --interval 30 --keepalive 0.3 --retry-min 0.05 2>"$T/poll.log" &
pid=$!
for _ in $(seq 100); do grep -q '^HELLO' "$STANDIN_LOG" && break; sleep 0.1; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
expect_eq "loop: exit after SIGTERM" "$rc" 0
expect_eq "loop: acked" "$(acked)" "880369"
expect_eq "loop: new sessions after the drop and the 2400" "$(grep -c '^LOGIN ok' "$STANDIN_LOG")" 3
expect_contains "loop: 2400 logged" "$(cat "$T/poll.log")" "EPP answered 2400 Command failed; a new session follows"
expect_contains "loop: keep-alive" "$(cat "$STANDIN_LOG")" "HELLO"
expect_contains "loop: logout" "$(tail -1 "$STANDIN_LOG")" "LOGOUT"
stop_standin

# --- A locked database: nothing can be stored, so nothing is acked; exit 75.
DB=$T/locked.sqlite
start_standin locked --db "$DB"
poll --db "$DB" "${FAST[@]}" 2>/dev/null  # creates the database
stop_standin
python3 - "$DB" >"$T/locker.out" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(6)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 200); do grep -q locked "$T/locker.out" 2>/dev/null && break; sleep 0.05; done
start_standin locked2 --db "$DB" "${QUEUE[0]}"
rc=0; poll --db "$DB" "${FAST[@]}" --busy-timeout 200 --max-failures 2 2>"$T/poll.log" || rc=$?
expect_eq "locked: exit" "$rc" 75
expect_eq "locked: nothing acked" "$(grep -c '^ACK' "$STANDIN_LOG" || true)" 0
expect_contains "locked: message" "$(cat "$T/poll.log")" "nothing acked"
wait "$locker"
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "locked: after the lock exit" "$rc" 0
expect_eq "locked: after the lock acked" "$(acked)" "880369"
stop_standin

# --- A full disk (the fault shim: every write to the database fails with ENOSPC, which
# SQLite reports as SQLITE_FULL): nothing is stored, so nothing is acked; exit 75; once there is
# room again, the same message is stored and acked.
DB=$T/full.sqlite
start_standin full-init --db "$DB"
poll --db "$DB" "${FAST[@]}" 2>/dev/null  # creates the database
stop_standin
start_standin full --db "$DB" "${QUEUE[0]}"
rc=0
shim_run FAULT_SHIM_PATH="$DB" FAULT_SHIM_ENOSPC_AFTER=0 "$BIN" poll --protocol epp --url "$URL" \
  --ca-file "$T/ca.pem" --db "$DB" "${FAST[@]}" --max-failures 2 2>"$T/poll.log" || rc=$?
expect_eq "full: exit" "$rc" 75
expect_eq "full: nothing acked" "$(grep -c '^ACK' "$STANDIN_LOG" || true)" 0
expect_contains "full: SQLITE_FULL named" "$(cat "$T/poll.log")" "database or disk is full"
expect_eq "full: nothing stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 0
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/poll.log" || rc=$?
expect_eq "full: with room again, exit" "$rc" 0
expect_eq "full: with room again, acked" "$(acked)" "880369"
stop_standin

# --- Unreadable TLS files: a configuration error (78) before connecting; [poll] keys work.
rc=0; "$BIN" poll --protocol epp --url localhost:700 --ca-file "$T/missing.pem" --db "$T/u.sqlite" --once 2>"$T/tls.log" || rc=$?
expect_eq "missing CA file: exit" "$rc" 78
expect_contains "missing CA file: message" "$(cat "$T/tls.log")" "--ca-file $T/missing.pem: cannot read: No such file or directory"
printf '[poll]\nprotocol = epp\nurl = localhost:700\ncert-file = %s\n' "$T/missing-client.pem" >"$T/tls.ini"
rc=0; AUTODNS_NOTIFY_CONFIG="$T/tls.ini" "$BIN" poll --ca-file "$T/ca.pem" --db "$T/u.sqlite" --once 2>"$T/tls.log" || rc=$?
expect_eq "missing client certificate: exit" "$rc" 78
expect_contains "missing client certificate: message" "$(cat "$T/tls.log")" "--cert-file $T/missing-client.pem: cannot read: No such file or directory"

# --- A read-only database file (owned by root, the poller runs as nobody): exit 75, nothing
# acked.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  mkdir "$T/ro"; chmod 755 "$T/ro"
  DB=$T/ro/notify.sqlite
  start_standin ro --db "$DB"
  poll --db "$DB" "${FAST[@]}" 2>/dev/null  # creates the database
  stop_standin
  chmod 644 "$DB"*; chmod 777 "$T/ro"; chmod 644 "$T/ca.pem"
  start_standin ro2 --db "$DB" "${QUEUE[0]}"
  rc=0; setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups "$BIN" poll --protocol epp \
    --url "$URL" --ca-file "$T/ca.pem" --db "$DB" "${FAST[@]}" --max-failures 2 2>"$T/poll.log" || rc=$?
  expect_eq "read-only: exit" "$rc" 75
  expect_eq "read-only: nothing acked" "$(grep -c '^ACK' "$STANDIN_LOG" || true)" 0
  expect_contains "read-only: message" "$(cat "$T/poll.log")" "read-only"
  stop_standin
else
  echo "note: not root or no setpriv/nobody: the read-only database case is not run" >&2
fi

# --- Usage errors.
rc=0; "$BIN" poll --protocol epp --db "$T/u.sqlite" --once 2>"$T/usage.log" || rc=$?
expect_eq "no url: exit" "$rc" 64
expect_contains "no url: message" "$(cat "$T/usage.log")" "needs --url HOST:PORT"
rc=0; "$BIN" poll --protocol epp --url https://epp.example:700 --db "$T/u.sqlite" --once 2>"$T/usage.log" || rc=$?
expect_eq "https url: exit" "$rc" 64
expect_contains "https url: message" "$(cat "$T/usage.log")" "must be HOST:PORT or epp://HOST:PORT"
for bad in "epp://user:pw@epp.example:700" "epp.example:0" "epp.example:http" "epp://:700" "epp.example:700/path"; do
  rc=0; "$BIN" poll --protocol epp --url "$bad" --db "$T/u.sqlite" --once 2>"$T/usage.log" || rc=$?
  expect_eq "bad url $bad: exit" "$rc" 64
done
finish
