#!/usr/bin/env bash
# autodns-notify serve over real loopback HTTP: seed push bodies, duplicates, quarantine,
# status codes, access control, auth, limits, slow clients, graceful stop, locked database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
DB=$T/push.sqlite
LOG=$T/serve.log
P=$SRC/samples/payloads

start_serve "$LOG" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push

# Every seed push body is stored, whatever its format.
n=0
for f in "$P"/*push*.json "$P"/*push*.xml; do
  n=$((n + 1))
  key=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["key"])' "$f.expected.jsonl")
  expect_eq "POST $(basename "$f")" "$(post "$URL" "$f")" "200 stored"
  expect_eq "$(basename "$f") stored as $key by push" \
    "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key='$key' AND channel='push'")" 1
done
expect_eq "seed push bodies" "$(sql "$DB" 'SELECT count(*) FROM notifications')" "$n"

# The same body twice: one notification, two receipts.
f=$P/003-autoupdate_dns_success-push.json
expect_eq "repeat" "$(post "$URL" "$f" -H 'Content-Type: application/json')" "200 duplicate"
expect_eq "one notification" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key='id:1005491844'")" 1
expect_eq "two receipts" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key='id:1005491844'")" 2
expect_contains "receipt locator" "$(sql "$DB" "SELECT locator FROM receipts WHERE key='id:1005491844'")" "push:127.0.0.1"

# Malformed and non-notification bodies are kept in quarantine and answered 200.
printf '{"id": 1005491899, "notify": {"type": "autoupdate_dns_success"}, "obj' >"$T/truncated.json"
printf '\x00\x01\x02binary\xff\xfe' >"$T/binary"
: >"$T/empty"
expect_eq "truncated JSON" "$(post "$URL" "$T/truncated.json")" "200 quarantined"
expect_eq "binary" "$(post "$URL" "$T/binary")" "200 quarantined"
expect_eq "empty body" "$(post "$URL" "$T/empty")" "200 quarantined"
expect_eq "confirm reply" "$(post "$URL" "$P/001-confirm-reply.json")" "200 quarantined"
expect_eq "quarantined rows" "$(sql "$DB" "SELECT count(*) FROM quarantine WHERE channel='push'")" 4
expect_contains "quarantine reason" "$(sql "$DB" "SELECT reason FROM quarantine ORDER BY rowid LIMIT 1")" "malformed"
expect_eq "truncated body kept byte for byte" \
  "$(sql "$DB" "SELECT raw FROM quarantine ORDER BY rowid LIMIT 1")" "$(cat "$T/truncated.json")"

# Methods, paths, health, size limit.
code() { curl -sS -o /dev/null -w '%{http_code}' --max-time 60 "$@" || true; }
expect_eq "GET push path" "$(code "$URL")" 405
expect_eq "PUT push path" "$(code -X PUT --data x "$URL")" 405
expect_eq "POST elsewhere" "$(code --data x "http://127.0.0.1:$PORT/other")" 404
expect_eq "GET /" "$(code "http://127.0.0.1:$PORT/")" 404
expect_eq "healthz" "$(curl -sS "http://127.0.0.1:$PORT/healthz")" '{"status":"ok","db":"reachable","schema_version":'"$(sql "$DB" "PRAGMA user_version")"'}'
head -c 1100000 /dev/zero | tr '\0' 'x' >"$T/big"
expect_eq "body over 1 MiB" "$(code --data-binary @"$T/big" "$URL")" 413
expect_eq "nothing stored for 413" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 4
expect_eq "no redirect header" "$(curl -sS -o /dev/null -D - "$URL" | grep -ci '^location:' || true)" 0

# A forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
expect_eq "XFF ignored" "$(post "$URL" "$P/003-autoupdate_dns_error-push.json" -H 'X-Forwarded-For: 203.0.113.9')" "200 duplicate"

# One log line per request, with outcome.
expect_contains "log stored" "$(cat "$LOG")" "POST /autodns/push 200"
expect_contains "log duplicate" "$(cat "$LOG")" "duplicate id:1005491844"
expect_contains "log quarantine" "$(cat "$LOG")" "quarantined (malformed"
expect_contains "log 413" "$(cat "$LOG")" " 413 "
stop_serve
expect_eq "graceful stop" "$STOP_RC" 0

# Access control: an allow-list without loopback, loopback as a trusted proxy.
start_serve "$LOG" --db "$DB" --allow 62.116.129.216 --allow 10.0.0.0/8 --trusted-proxy 127.0.0.1
URL=http://127.0.0.1:$PORT/autodns/push
f=$P/003-autoupdate_dns_success-push.xml
expect_eq "peer not allowed" "$(post "$URL" "$f" | cut -c1-3)" 403
expect_eq "foreign source" "$(post "$URL" "$f" -H 'X-Forwarded-For: 203.0.113.9' | cut -c1-3)" 403
expect_eq "AutoDNS source via proxy" "$(post "$URL" "$f" -H 'X-Forwarded-For: 62.116.129.216')" "200 duplicate"
expect_eq "right-most hop counts" "$(post "$URL" "$f" -H 'X-Forwarded-For: 62.116.129.216, 203.0.113.9' | cut -c1-3)" 403
expect_contains "locator names source and proxy" \
  "$(sql "$DB" "SELECT locator FROM receipts WHERE key='id:1005491840' ORDER BY rowid DESC LIMIT 1")" \
  "push:62.116.129.216 via 127.0.0.1"
expect_contains "log refused" "$(cat "$LOG")" "refused (source 203.0.113.9 not allowed)"
stop_serve
expect_eq "stop" "$STOP_RC" 0

# Basic auth (password from the environment) and a secret path token.
AUTODNS_PUSH_PASSWORD="$(secret ' pass')" AUTODNS_PUSH_TOKEN="$(secret -Tok-4711)" start_serve "$LOG" --db "$DB" --auth-user autodns
URL=http://127.0.0.1:$PORT/autodns/push/$(secret -Tok-4711)
f=$P/003-autoupdate_deferred_error-push.json
expect_eq "no credentials" "$(post "$URL" "$f" | cut -c1-3)" 401
expect_eq "wrong password" "$(post "$URL" "$f" -u "autodns:$(secret)" | cut -c1-3)" 401
expect_eq "wrong user" "$(post "$URL" "$f" -u "other:$(secret ' pass')" | cut -c1-3)" 401
expect_eq "credentials" "$(post "$URL" "$f" -u "autodns:$(secret ' pass')")" "200 duplicate"
expect_eq "path without token" "$(post "http://127.0.0.1:$PORT/autodns/push" "$f" -u "autodns:$(secret ' pass')" | cut -c1-3)" 404
expect_eq "wrong token" "$(post "http://127.0.0.1:$PORT/autodns/push/$(secret -Tok-4712)" "$f" -u "autodns:$(secret ' pass')" | cut -c1-3)" 404
stop_serve
expect_eq "stop" "$STOP_RC" 0
if grep -q -F "$SECRET_MARK" "$LOG"; then fail "a secret appears in the log"; else ok; fi

# Password on the command line is not an option; a user without a password is refused.
rc=0; "$BIN" serve --db "$DB" --auth-user x 2>"$T/err" || rc=$?
expect_eq "auth-user without password" "$rc" 64
expect_contains "auth-user error" "$(cat "$T/err")" "AUTODNS_PUSH_PASSWORD"
rc=0; "$BIN" serve --db "$DB" --allow 10.0.0.1/8 2>"$T/err" || rc=$?
expect_eq "bad CIDR" "$rc" 64
expect_contains "bad CIDR error" "$(cat "$T/err")" "10.0.0.1/8"

# A slow client (headers, then silence) is cut off; another client is served meanwhile.
start_serve "$LOG" --db "$DB" --timeout 2 --threads 4
out=$(python3 - "$PORT" "$P/003-autoupdate_dns_success-push.json" <<'PY'
import socket, sys, time, urllib.request
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
slow = socket.create_connection(("127.0.0.1", port))
slow.sendall(b"POST /autodns/push HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"id\":")
time.sleep(0.2)
r = urllib.request.urlopen(urllib.request.Request(
    "http://127.0.0.1:%d/autodns/push" % port, data=body, method="POST"), timeout=30)
served = r.status
slow.settimeout(0)
try:
    still_open = slow.recv(1) != b""
except BlockingIOError:
    still_open = True
slow.settimeout(30)
try:
    while slow.recv(4096):
        pass
    cut = "closed"
except socket.timeout:
    cut = "still open after 30 s"
except ConnectionResetError:
    cut = "closed"
print(served, "open" if still_open else "closed-early", cut)
PY
)
expect_eq "slow client" "$out" "200 open closed"
stop_serve
expect_eq "stop" "$STOP_RC" 0

# SIGTERM while a request is in flight: the request is completed, then exit 0.
start_serve "$LOG" --db "$DB"
out=$(python3 - "$PORT" "$SERVE_PID" <<'PY'
import os, signal, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
body = (b'{"id": 1005491901, "notify": {"type": "transfer_start"}, "stid": "s-1901",'
        b' "object": {"type": "Domain", "value": "inflight.example"}}')
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /autodns/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:20])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
s.sendall(body[20:])
s.settimeout(30)
reply = b""
while b"\r\n\r\n" not in reply:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.split(b"\r\n")[0].decode())
PY
)
expect_eq "in-flight request answered" "$out" "HTTP/1.1 200 OK"
rc=0; wait "$SERVE_PID" || rc=$?
expect_eq "exit after SIGTERM" "$rc" 0
expect_eq "in-flight record stored" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key='id:1005491901'")" 1
expect_contains "stop logged" "$(cat "$LOG")" "stopped on signal"

# A database locked by another process: 503, nothing stored; after the lock, 200.
start_serve "$LOG" --db "$DB" --busy-timeout 300
URL=http://127.0.0.1:$PORT/autodns/push
cat >"$T/new.json" <<'JSON'
{"id": 1005491902, "notify": {"type": "transfer_start"}, "stid": "s-1902", "object": {"type": "Domain", "value": "locked.example"}}
JSON
python3 - "$DB" "$T/locked" "$T/release" <<'PY' &
import os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
for _ in range(600):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 200); do [ -e "$T/locked" ] && break; sleep 0.05; done
expect_eq "locked database" "$(post "$URL" "$T/new.json" | cut -c1-3)" 503
# /healthz tells the same: a read would succeed, a write would not.
health=$(curl -sS --max-time 20 -w ' %{http_code}' "http://127.0.0.1:$PORT/healthz")
expect_contains "healthz while locked: 503" "$health" " 503"
expect_contains "healthz while locked says why" "$health" '"db":"not writable","reason":"'
touch "$T/release"
wait "$locker"
expect_eq "healthz after the lock" "$(curl -sS --max-time 20 "http://127.0.0.1:$PORT/healthz")" \
  '{"status":"ok","db":"reachable","schema_version":'"$(sql "$DB" "PRAGMA user_version")"'}'
expect_eq "nothing stored while locked" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key='id:1005491902'") $(sql "$DB" "SELECT count(*) FROM receipts WHERE key='id:1005491902'")" "0 0"
expect_eq "retry after the lock" "$(post "$URL" "$T/new.json")" "200 stored"
expect_contains "503 logged" "$(cat "$LOG")" " 503 "
stop_serve
expect_eq "stop" "$STOP_RC" 0

# Built-in TLS with a throw-away self-signed certificate.
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
    -subj /CN=localhost 2>/dev/null
  start_serve "$LOG" --db "$DB" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
  expect_eq "HTTPS" "$(post "https://localhost:$PORT/autodns/push" "$P/003-autoupdate_dns_error-push.xml" --cacert "$T/cert.pem" --resolve "localhost:$PORT:127.0.0.1")" "200 duplicate"
  expect_eq "plain HTTP on the TLS port" "$(code --max-time 10 "http://127.0.0.1:$PORT/healthz" 2>/dev/null)" 000
  stop_serve
expect_eq "stop" "$STOP_RC" 0
  rc=0; "$BIN" serve --db "$DB" --tls-cert "$T/key.pem" --tls-key "$T/cert.pem" 2>"$T/err" || rc=$?
  expect_eq "wrong TLS files" "$rc" 1
  expect_contains "TLS error" "$(cat "$T/err")" "cannot use TLS certificate"
else
  skip_block "built-in TLS: openssl is not installed (scripts/bootstrap.sh installs it)"
fi

finish
