# Helpers for the handler tests; source after lib.sh.

# start_receiver NAME [FAIL] [DELAY]: starts tests/integration/http_receiver.py on a free
# loopback port; sets RECEIVER_URL (http://127.0.0.1:PORT) and RECEIVER_LOG ($T/NAME.log).
# Receivers are stopped when the test exits.
receiver_pids=()
start_receiver() {
  local name=$1 fail=${2:-0} delay=${3:-0}
  RECEIVER_LOG=$T/$name.log
  : >"$RECEIVER_LOG"
  python3 "$SRC/tests/integration/http_receiver.py" "$T/$name.port" "$RECEIVER_LOG" "$fail" \
    "$delay" &
  receiver_pids+=($!)
  local i
  for i in $(seq 1 400); do
    [ -s "$T/$name.port" ] && break
    sleep 0.05
  done
  [ -s "$T/$name.port" ] || { echo "receiver $name did not start" >&2; exit 1; }
  RECEIVER_URL=http://127.0.0.1:$(cat "$T/$name.port")
}
stop_receivers() {
  local p
  for p in "${receiver_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${receiver_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  receiver_pids=()
}
trap 'stop_receivers; rm -rf "$T"' EXIT

# count_lines FILE [PATTERN]: lines of FILE (matching the fixed string PATTERN).
count_lines() {
  if [ ! -e "$1" ]; then echo 0; return; fi
  if [ $# -gt 1 ]; then grep -cF -- "$2" "$1" || true; else wc -l <"$1" | tr -d ' '; fi
}

# outbox DB [WHERE]: "state|attempts" of the outbox rows, one line each, by rowid.
outbox() {
  sql "$1" "SELECT handler, key, state, attempts FROM outbox ${2:-} ORDER BY rowid"
}
