# Helpers for the HTTP tests (serve, poll), sourced after lib.sh.

# start_serve LOG ARGS...: starts `autodns-notify serve` on a free loopback port; sets
# SERVE_PID and PORT. Fails the test when it does not listen within 20 s.
start_serve() {
  local log=$1
  shift
  rm -f "$T/port"
  "$BIN" serve --listen 127.0.0.1:0 --port-file "$T/port" "$@" 2>>"$log" &
  SERVE_PID=$!
  for _ in $(seq 200); do
    [ -s "$T/port" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$T/port" ]; then
    echo "serve did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  PORT=$(cat "$T/port")
}

# stop_serve: SIGTERM, wait; sets STOP_RC to the exit status.
stop_serve() {
  kill -TERM "$SERVE_PID"
  STOP_RC=0
  wait "$SERVE_PID" || STOP_RC=$?
}

# post URL FILE [CURL ARGS...]: prints "STATUS BODY" (body without newline).
post() {
  local url=$1 file=$2
  shift 2
  local out
  out=$(curl -sS --max-time 60 -o "$T/body" -w '%{http_code}' --data-binary "@$file" "$@" "$url") || true
  echo "$out $(tr -d '\n' <"$T/body" 2>/dev/null)"
}

# start_standin NAME ARGS...: starts the AutoDNS stand-in (autodns_standin.py) with
# --port-file/--log under $T/NAME.*; sets STANDIN_PID, STANDIN_URL_JSON, STANDIN_URL_XML and
# STANDIN_LOG.
start_standin() {
  local name=$1
  shift
  STANDIN_LOG=$T/$name.log
  : >"$STANDIN_LOG"
  rm -f "$T/$name.port"
  python3 "$SRC/tests/integration/autodns_standin.py" --port-file "$T/$name.port" \
    --log "$STANDIN_LOG" --password "${AUTODNS_PASSWORD:-secret}" "$@" &
  STANDIN_PID=$!
  for _ in $(seq 300); do
    [ -s "$T/$name.port" ] && break
    sleep 0.1
  done
  [ -s "$T/$name.port" ] || { echo "stand-in did not start" >&2; exit 1; }
  local port
  port=$(cat "$T/$name.port")
  STANDIN_URL_JSON=http://127.0.0.1:$port/v1
  STANDIN_URL_XML=http://127.0.0.1:$port
}

stop_standin() {
  kill "$STANDIN_PID" 2>/dev/null || true
  wait "$STANDIN_PID" 2>/dev/null || true
}
