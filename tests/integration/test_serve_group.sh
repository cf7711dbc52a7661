#!/usr/bin/env bash
# serve's group commit over real loopback HTTP: concurrent requests each get their own
# outcome; the same notification pushed 32 times at once is one notification with 32 receipts
# and exactly one "stored"; distinct ones in the same burst are all stored; a quarantined body
# in the burst is quarantined alone. With the database locked, every request of a burst gets
# its own 503 and nothing is written.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
DB=$T/push.sqlite
LOG=$T/serve.log

burst() {  # burst PORT SPEC: SPEC is a list of "kind:id" (dup, new, bad); prints sorted answers
  python3 - "$@" <<'PY'
import sys, threading, http.client
port, specs = int(sys.argv[1]), sys.argv[2].split()
answers = []
lock = threading.Lock()
barrier = threading.Barrier(len(specs))
def one(spec):
    kind, ident = spec.split(":")
    if kind == "bad":
        body = '{"id": %s, "notify": ' % ident
    else:
        body = ('{"id": %s, "notify": {"type": "transfer_start"}, "stid": "g-%s", '
                '"object": {"type": "Domain", "value": "g%s.example"}}' % (ident, ident, ident))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()
    barrier.wait()
    conn.request("POST", "/autodns/push", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read().decode().strip()
    with lock:
        answers.append("%s %d %s" % (kind, r.status, text))
ts = [threading.Thread(target=one, args=(s,)) for s in specs]
for t in ts: t.start()
for t in ts: t.join()
from collections import Counter
print(", ".join("%s x%d" % (k, v) for k, v in sorted(Counter(answers).items())))
PY
}

start_serve "$LOG" --db "$DB"
spec=""
for i in $(seq 32); do spec+=" dup:1005490001"; done
for i in $(seq 16); do spec+=" new:$((1005490100 + i))"; done
spec+=" bad:1"
expect_eq "burst answers" "$(burst "$PORT" "$spec")" \
  "bad 200 quarantined x1, dup 200 duplicate x31, dup 200 stored x1, new 200 stored x16"
expect_eq "one notification for 32 arrivals" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key='id:1005490001'")" 1
expect_eq "32 receipts" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key='id:1005490001'")" 32
expect_eq "16 distinct stored" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key LIKE 'id:10054901%'")" 16
expect_eq "one quarantined" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 1
expect_eq "one log line per request" "$(grep -c ' POST /autodns/push 200 ' "$LOG")" 49
stop_serve
expect_eq "stop" "$STOP_RC" 0

# Locked database: a burst of 8 gets 8 answers 503, nothing of it is written.
start_serve "$LOG" --db "$DB" --busy-timeout 300
python3 - "$DB" "$T/locked" "$T/release" <<'PY' &
import os, sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 200); do [ -e "$T/locked" ] && break; sleep 0.05; done
spec=""
for i in $(seq 8); do spec+=" new:$((1005490200 + i))"; done
expect_eq "locked: each its own 503" "$(burst "$PORT" "$spec")" "new 503 store unavailable, retry later x8"
touch "$T/release"
wait "$locker"
expect_eq "nothing written while locked" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE key LIKE 'id:10054902%'")" 0
expect_eq "the same burst after the lock" "$(burst "$PORT" "$spec")" "new 200 stored x8"
stop_serve
expect_eq "stop" "$STOP_RC" 0

finish
