#!/usr/bin/env bash
# bench/poll_epp.sh — EPP poll client throughput against the local stand-in
# (tests/integration/epp_standin.py, TLS on loopback with a CA made here).
#
#   bench/poll_epp.sh [COUNT...]      default: 200 1000
# Environment: BUILD_DIR (default build), WORK (default /tmp/autodns-bench-epp).
# Each run queues COUNT distinct AutoDNS system messages, drains them with
# `poll --protocol epp --once` into a fresh database (each one: poll req, a durable commit,
# ack) and checks that every message was stored and acked exactly once, with no ack before
# its commit. Prints one JSON line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/autodns-bench-epp}
counts=("$@")
((${#counts[@]})) || counts=(200 1000)
cmake --build "$build" --target autodns-notify autodns-notify-net >/dev/null
bin=$root/$build/autodns-notify
rm -rf "$work"; mkdir -p "$work"
cat >"$work/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = bench
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
CNF
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config "$work/openssl.cnf")
openssl req -x509 "${ec[@]}" -extensions ca -days 1 -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req "${ec[@]}" -subj /CN=localhost -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 1 -extfile "$work/openssl.cnf" -extensions server -out "$work/server.pem" 2>/dev/null
for n in "${counts[@]}"; do
  q=$work/queue-$n; db=$work/bench-$n.sqlite; log=$work/standin-$n.log
  mkdir -p "$q"; : >"$log"; rm -f "$db"* "$work/port"
  for i in $(seq 1 "$n"); do
    sed "s/id=\"880178\"/id=\"$((7100000 + i))\"/" "$root/samples/payloads/eppdoc-transfer_ack-poll.xml" \
      >"$q/$(printf %07d "$i").xml"
  done
  python3 "$root/tests/integration/epp_standin.py" --cert "$work/server.pem" --key "$work/server.key" \
    --db "$db" --port-file "$work/port" --log "$log" --user bench --password bench "$q"/*.xml &
  standin=$!
  for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  start=$(date +%s.%N)
  AUTODNS_NOTIFY_CONFIG=/dev/null AUTODNS_USER=bench AUTODNS_PASSWORD=bench "$bin" poll --protocol epp \
    --url "localhost:$(cat "$work/port")" --ca-file "$work/ca.pem" --db "$db" --once 2>"$work/poll-$n.log"
  end=$(date +%s.%N)
  kill "$standin"; wait "$standin" 2>/dev/null || true
  stored=$(sqlite3 "$db" "SELECT count(*) FROM notifications")
  acked=$(grep -c '^ACK [0-9]* ok' "$log" || true)
  violations=$(grep -c VIOLATION "$log" || true)
  python3 -c "
import json, sys
n, s, e, stored, acked, v = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(json.dumps({'bench': 'poll_epp', 'messages': n, 'seconds': round(e - s, 3),
                  'messages_per_second': round(n / (e - s), 1), 'stored': stored, 'acked': acked,
                  'ack_before_commit': v, 'ok': stored == n and acked == n and v == 0}))
" "$n" "$start" "$end" "$stored" "$acked" "$violations"
done
