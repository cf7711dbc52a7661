#!/usr/bin/env bash
# serve against hostile HTTP over real loopback TCP: malformed requests, chunked bodies with
# lying sizes, pipelined requests, headers over the limit, a 64 MB body, a TLS handshake that
# never finishes. Each gets its status or a clean close, and the server keeps serving. Then
# kill -9 under 64 concurrent clients: every body that got a 200 is in the database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
DB=$T/push.sqlite
LOG=$T/serve.log
P=$SRC/samples/payloads
OK_BODY=$P/003-autoupdate_dns_success-push.json

start_serve "$LOG" --db "$DB" --timeout 3
# raw PORT HEX-REQUEST: sends the bytes, prints the status lines of every answer, or "closed".
raw() {
  python3 - "$PORT" "$1" <<'PY'
import re, socket, sys, time
port, data = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
try:
    s.sendall(data)
except OSError:
    pass
s.settimeout(8)
got = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
except socket.timeout:
    got += b"<timeout>"
except ConnectionResetError:
    got += b"<reset>"
codes = re.findall(rb"^HTTP/1\.1 (\d{3})", got, re.M)
print(" ".join(c.decode() for c in codes) or "closed", "<timeout>" if b"<timeout>" in got else "")
PY
}
hex() { python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().hex())'; }
body=$(cat "$OK_BODY")
len=${#body}
served() {  # the server still answers a normal push
  expect_eq "still serving after $1" "$(post "http://127.0.0.1:$PORT/autodns/push" "$OK_BODY" | cut -c1-3)" 200
}

r=$(printf 'HELLO THERE\r\n\r\n' | hex)
expect_eq "garbage request line" "$(raw "$r")" "400 "
served "garbage"
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n' | hex)
expect_eq "bad Content-Length" "$(raw "$r")" "400 "
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde' | hex)
expect_eq "two Content-Lengths" "$(raw "$r")" "400 "
# Chunked: a chunk that claims more than follows (then the client stops) is cut at the deadline.
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n{"id":1}\r\n0\r\n\r\n' | hex)
expect_eq "chunk longer than sent: closed at the deadline" "$(raw "$r")" "closed "
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n' | hex)
expect_eq "chunk size not hex" "$(raw "$r")" "400 "
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n' | hex)
expect_eq "chunk size overflowing" "$(raw "$r")" "400 "
r=$(printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n' | hex)
expect_eq "chunk over the body limit" "$(raw "$r")" "413 "
served "chunked"
expect_eq "nothing stored from the chunked ones" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 0

# Pipelined: three requests in one write, three answers in order.
r=$( { printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
       printf 'POST /autodns/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "$len" "$body"
       printf 'GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'; } | hex)
expect_eq "pipelined requests" "$(raw "$r")" "200 200 404 "

# Headers over the limit (16 KiB): 431, closed.
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
r=$(printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$big" | hex)
expect_eq "headers over the limit" "$(raw "$r")" "431 "
served "big headers"

# A 64 MB body, announced and sent: 413 at once, the server's memory not grown by it.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }
before=$(rss)
head -c 67108864 /dev/zero >"$T/64m"
expect_eq "64 MB body" "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 60 --data-binary @"$T/64m" "http://127.0.0.1:$PORT/autodns/push" 2>/dev/null || true)" 413
after=$(rss)
if [ $((after - before)) -lt 16384 ]; then ok; else fail "RSS grew by $((after - before)) kB on a 64 MB body"; fi
# The same, chunked (no Content-Length): cut at the limit.
expect_eq "64 MB chunked body" "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 60 -H 'Transfer-Encoding: chunked' --data-binary @"$T/64m" "http://127.0.0.1:$PORT/autodns/push" 2>/dev/null || true)" 413
served "64 MB"
rm -f "$T/64m"
stop_serve
expect_eq "stop" "$STOP_RC" 0

# TLS: a handshake that never finishes (a ClientHello cut in half, then silence) is closed at
# the deadline while others are served.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
  -subj /CN=localhost 2>/dev/null
start_serve "$LOG" --db "$DB" --timeout 2 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
python3 - "$PORT" >"$T/tls.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(bytes.fromhex("16030100c8010000c40303"))  # the start of a ClientHello
s.settimeout(10)
start = time.monotonic()
try:
    while s.recv(4096):
        pass
    print("closed", "in time" if time.monotonic() - start < 6 else "late")
except socket.timeout:
    print("still open")
PY
tls_client=$!
expect_eq "HTTPS served meanwhile" "$(post "https://localhost:$PORT/autodns/push" "$OK_BODY" --cacert "$T/cert.pem" --resolve "localhost:$PORT:127.0.0.1" | cut -c1-3)" 200
wait "$tls_client"
expect_eq "unfinished TLS handshake closed at the deadline" "$(cat "$T/tls.out")" "closed in time"
expect_contains "handshake deadline logged" "$(cat "$LOG")" "TLS handshake not finished"
stop_serve
expect_eq "stop" "$STOP_RC" 0

# kill -9 under 64 concurrent clients: every body answered 200 is in the database.
KDB=$T/kill.sqlite
start_serve "$LOG" --db "$KDB"
python3 - "$PORT" "$T/acked" <<'PY' &
import http.client, sys, threading
port, acked_path = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
acked = open(acked_path, "w")
def client(c):
    n = 0
    while True:
        mid = 2000000000 + c * 100000 + n
        n += 1
        body = ('{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", '
                '"object": {"type": "Domain", "value": "k%d.example"}}' % (mid, mid, mid))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/autodns/push", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                with lock:
                    acked.write("id:%d\n" % mid)
                    acked.flush()
            conn.close()
        except Exception:
            return
ts = [threading.Thread(target=client, args=(c,)) for c in range(64)]
for t in ts: t.start()
for t in ts: t.join()
PY
clients=$!
sleep 3
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
wait "$clients" || true
sort -u "$T/acked" >"$T/acked.sorted"
sql "$KDB" "SELECT key FROM notifications" | sort -u >"$T/stored"
n_acked=$(wc -l <"$T/acked.sorted")
if [ "$n_acked" -ge 64 ]; then ok; else fail "only $n_acked bodies answered 200 before kill -9"; fi
expect_eq "every 200 stored after kill -9 ($n_acked acknowledged)" "$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)" 0

finish
