#!/usr/bin/env bash
# serve under slow and idle clients over real loopback TCP: 500 connections that drip one
# header line a second and 500 that send nothing stay open while a normal push is stored and
# answered 200 within 1 s; the server's thread count and memory stay bounded (/proc/PID/status).
# The per-source cap closes the connection over it at accept, logged once for the source; a
# source outside --allow is closed at accept before any request is read.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
DB=$T/push.sqlite
LOG=$T/serve.log
P=$SRC/samples/payloads

# 1000 connections from 20 loopback sources (50 each, under the default cap of 64 per source).
start_serve "$LOG" --db "$DB" --timeout 60 --keep-alive 60
out=$(python3 - "$PORT" "$SERVE_PID" "$P/003-autoupdate_dns_success-push.json" <<'PY'
import resource, socket, sys, threading, time, urllib.request
port, pid, body = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))

def status():
    fields = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        fields[k] = (v.split() or [""])[0]
    return int(fields["Threads"]), int(fields["VmRSS"])

def connect(source):
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s

base_threads, base_rss = status()
slow, idle = [], []
for i in range(500):
    s = connect("127.0.0.%d" % (2 + i // 50))
    s.sendall(b"POST /autodns/push HTTP/1.1\r\n")
    slow.append(s)
for i in range(500):
    idle.append(connect("127.0.0.%d" % (12 + i // 50)))
stop = False
def drip():
    n = 0
    while not stop:
        for s in slow:
            try:
                s.sendall(b"X-Drip-%d: x\r\n" % n)
            except OSError:
                pass
        n += 1
        time.sleep(1)
t = threading.Thread(target=drip)
t.start()
time.sleep(2)
open_fds = len(__import__("os").listdir("/proc/%d/fd" % pid))
start = time.monotonic()
r = urllib.request.urlopen(urllib.request.Request(
    "http://127.0.0.1:%d/autodns/push" % port, data=body, method="POST"), timeout=30)
answer = "%d %s" % (r.status, r.read().decode().strip())
elapsed = time.monotonic() - start
threads, rss = status()
# Still open: none of the 1000 was closed by the server.
closed = 0
for s in slow + idle:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
stop = True
t.join()
print(answer)
print("fast" if elapsed < 1.0 else "slow %.2f s" % elapsed)
print("fds", "ok" if open_fds >= 1000 else "only %d" % open_fds)
print("closed", closed)
print("threads", "ok" if threads <= 8 else "%d" % threads)
print("rss", "ok" if rss - base_rss < 64 * 1024 else "grew %d kB" % (rss - base_rss))
print("measured threads=%d rss=%d kB (base %d kB) push=%.3f s" % (threads, rss, base_rss, elapsed),
      file=sys.stderr)
PY
)
expect_eq "push answered under 1000 slow and idle connections" "$(sed -n 1p <<<"$out")" "200 stored"
expect_eq "answered within 1 s" "$(sed -n 2p <<<"$out")" fast
expect_eq "1000 connections held open" "$(sed -n 3p <<<"$out")" "fds ok"
expect_eq "none of them cut off" "$(sed -n 4p <<<"$out")" "closed 0"
expect_eq "thread count bounded" "$(sed -n 5p <<<"$out")" "threads ok"
expect_eq "memory bounded (under 64 MB for 1000 connections)" "$(sed -n 6p <<<"$out")" "rss ok"
expect_eq "stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 1

# The per-source cap: the 65th connection from one source is closed at accept; one log line.
out=$(python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(64):
    s = socket.socket(); s.bind(("127.0.0.30", 0)); s.connect(("127.0.0.1", port)); held.append(s)
time.sleep(0.5)
results = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.30", 0)); s.connect(("127.0.0.1", port))
    s.settimeout(5)
    try:
        results.append("closed" if s.recv(1) == b"" else "data")
    except socket.timeout:
        results.append("open")
    except ConnectionResetError:
        results.append("closed")
print(" ".join(results))
PY
)
expect_eq "over the per-source cap: closed at accept" "$out" "closed closed closed"
expect_eq "the cap logged once for the source" \
  "$(grep -c '127.0.0.30 closed: over the cap of 64 open connections per source' "$LOG")" 1
stop_serve
expect_eq "stop" "$STOP_RC" 0

# A request deadline: a connection that drips its headers is closed after --timeout; logged
# once for the source however many were cut.
start_serve "$LOG" --db "$DB" --timeout 2
out=$(python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
conns = []
for _ in range(5):
    s = socket.socket(); s.bind(("127.0.0.40", 0)); s.connect(("127.0.0.1", port)); conns.append(s)
    s.sendall(b"POST /autodns/push HTTP/1.1\r\n")
start = time.monotonic()
closed = 0
total = len(conns)
while time.monotonic() - start < 10 and closed < total:
    for s in list(conns):
        try:
            s.sendall(b"X: y\r\n")
        except OSError:
            conns.remove(s); closed += 1
            continue
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                conns.remove(s); closed += 1
        except BlockingIOError:
            pass
        except OSError:
            conns.remove(s); closed += 1
    time.sleep(0.5)
print(closed, "within 10 s" if time.monotonic() - start < 10 else "not within 10 s")
PY
)
# 10 s for a 2 s deadline: under ASan, beside other builds, one close was once seen after 6 s.
expect_eq "dripping clients cut at the deadline" "$out" "5 within 10 s"
expect_eq "deadline logged once" "$(grep -c '127.0.0.40 closed: request not complete within 2 s' "$LOG")" 1
stop_serve
expect_eq "stop" "$STOP_RC" 0

# A source outside --allow is closed at accept: no request is read, no answer is sent.
start_serve "$LOG" --db "$DB" --allow 127.0.0.1
out=$(python3 - "$PORT" "$P/003-autoupdate_dns_success-push.json" <<'PY'
import socket, sys
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
s = socket.socket(); s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", port))
s.settimeout(5)
try:
    first = "closed" if s.recv(1) == b"" else "data"
except socket.timeout:
    first = "open"
except ConnectionResetError:
    first = "closed"
print(first)
PY
)
expect_eq "source outside --allow closed at accept" "$out" closed
expect_eq "allowed source still served" "$(post "http://127.0.0.1:$PORT/autodns/push" "$P/003-autoupdate_dns_success-push.json")" "200 duplicate"
stop_serve
expect_eq "stop" "$STOP_RC" 0
expect_contains "refusal logged" "$(cat "$LOG")" "127.0.0.2 closed: source not allowed (closed at accept)"
if grep -q '127.0.0.2 POST\|127.0.0.2 GET' "$LOG"; then fail "a request from the refused source was read"; else ok; fi

finish
