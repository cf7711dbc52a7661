#!/usr/bin/env bash
# What the program says matches what it does: a config file with a key or section nothing
# reads is an error naming file, line, section and key (with a near miss); a broken handler
# section is refused by every command; -v is repeatable and never takes a word as its value;
# a second serve on a port in use fails; a wrong push token never reaches the log; the
# [serve] port-file key is honoured.
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/integration/net_lib.sh"
export AUTODNS_NOTIFY_CONFIG=/dev/null
SAMPLE=$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml
DB=$T/notify.sqlite

# --- strict config.
printf '[serve]\nlisten = 127.0.0.1:0\npath-tokn = abc\n' >"$T/typo.ini"
rc=0; err=$("$BIN" parse --config "$T/typo.ini" "$SAMPLE" 2>&1 >/dev/null) || rc=$?
expect_eq "unknown key: parse exit" "$rc" 1
expect_contains "unknown key: names file and line" "$err" "config file $T/typo.ini line 3:"
expect_contains "unknown key: names section and key" "$err" "unknown key 'path-tokn' in [serve]"
expect_contains "unknown key: near miss" "$err" "did you mean 'path-token'?"
rc=0; err=$("$BIN" serve --config "$T/typo.ini" --db "$DB" 2>&1) || rc=$?
expect_eq "unknown key: serve does not start" "$rc" 1
expect_contains "unknown key: serve says why" "$err" "unknown key 'path-tokn'"
# The mail filter defers (75), after reading all of its input.
rc=0; err=$("$BIN" mail --config "$T/typo.ini" --db "$DB" <"$SAMPLE" 2>&1) || rc=$?
expect_eq "unknown key: mail defers" "$rc" 75
expect_eq "unknown key: nothing stored" "$(ls "$T"/notify.sqlite 2>/dev/null | wc -l)" 0
printf 'db = %s\n[sevre]\nlisten = 127.0.0.1:0\n' "$DB" >"$T/section.ini"
rc=0; err=$("$BIN" report --config "$T/section.ini" 2>&1) || rc=$?
expect_eq "unknown section: report exit" "$rc" 1
expect_contains "unknown section: named" "$err" "line 2: unknown section [sevre] (did you mean 'serve'?)"
printf 'dbb = x.sqlite\n' >"$T/top.ini"
rc=0; err=$("$BIN" parse --config "$T/top.ini" "$SAMPLE" 2>&1 >/dev/null) || rc=$?
expect_eq "unknown top key: exit" "$rc" 1
expect_contains "unknown top key: named" "$err" "line 1: unknown key 'dbb' in the top section (before any [section]) (did you mean 'db'?)"
printf '[mail]\nallow-frm = autodns.com\n' >"$T/mail.ini"
rc=0; err=$("$BIN" parse --config "$T/mail.ini" "$SAMPLE" 2>&1 >/dev/null) || rc=$?
expect_contains "typo in [mail]" "$err" "unknown key 'allow-frm' in [mail] (did you mean 'allow-from'?)"
# Every key the docs list is accepted.
cat >"$T/good.ini" <<INI
db = $DB
busy-timeout = 5000
[mail]
allow-from = autodns.example
[parse]
max-nesting = 64
[serve]
listen = 127.0.0.1:0
path-token = $(secret -abc)
[poll]
protocol = json
user = u
[dispatch]
interval = 30
INI
holds_secret "$T/good.ini"
rc=0; "$BIN" parse --config "$T/good.ini" "$SAMPLE" >/dev/null 2>"$T/good.err" || rc=$?
expect_eq "known keys accepted ($(head -c 300 "$T/good.err"))" "$rc" 0
# The shipped example config, and the same with every commented-out key switched on.
sed 's/^#\([a-z-]* *=\)/\1/' "$SRC/examples/config.ini" >"$T/uncommented.ini"
for cfg in "$SRC/examples/config.ini" "$T/uncommented.ini"; do
  rc=0; "$BIN" parse --config "$cfg" --allow-from autodns.example "$SAMPLE" >/dev/null 2>"$T/ex.err" || rc=$?
  expect_eq "example config $(basename "$cfg") accepted ($(head -c 300 "$T/ex.err"))" "$rc" 0
done
# A broken handler section is refused by parse and report too, not only by dispatch.
printf '[handler.ticket]\ntype = exec\ncomand = /bin/true\n' >"$T/handler.ini"
for cmd in "parse $SAMPLE" "report --db $DB"; do
  rc=0
  # shellcheck disable=SC2086
  err=$("$BIN" $cmd --config "$T/handler.ini" 2>&1 >/dev/null) || rc=$?
  expect_eq "broken handler section: $cmd exit" "$rc" 1
  expect_contains "broken handler section: $cmd names it" "$err" "handler.ticket"
done

# --- a corrupt database: mail defers (75, never a bounce) and says a human is needed.
head -c 8192 /dev/urandom >"$T/corrupt.sqlite"
rc=0; err=$("$BIN" mail --db "$T/corrupt.sqlite" <"$SAMPLE" 2>&1) || rc=$?
expect_eq "corrupt database: mail defers" "$rc" 75
expect_contains "corrupt database: needs a human" "$err" "needs a human"
rc=0; "$BIN" report --db "$T/corrupt.sqlite" >/dev/null 2>&1 || rc=$?
expect_eq "corrupt database: report exits 1" "$rc" 1

# --- -v repeatable, never swallowing a positional argument.
for v in "-v" "-vv" "-v -v" "--verbose" "--verbose=2"; do
  rc=0
  # shellcheck disable=SC2086
  out=$("$BIN" parse $v "$SAMPLE" 2>/dev/null) || rc=$?
  expect_eq "parse $v FILE exit" "$rc" 0
  expect_contains "parse $v FILE read the file" "$out" '"id":1005491840'
done
mkdir -p "$T/imp"; cp "$SAMPLE" "$T/imp/"
for v in "-vv" "-v -v"; do
  rc=0
  # shellcheck disable=SC2086
  "$BIN" import --db "$T/v.sqlite" --no-progress $v "$T/imp" >/dev/null 2>&1 || rc=$?
  expect_eq "import $v exit" "$rc" 0
done
rc=0; "$BIN" parse --verbose=x "$SAMPLE" >/dev/null 2>&1 || rc=$?
expect_eq "bad --verbose=x is a usage error" "$rc" 64

# --- serve: a second instance on a port in use fails with exit 1.
start_serve "$T/serve1.log" --db "$DB"
rc=0; err=$(timeout 20 "$BIN" serve --listen "127.0.0.1:$PORT" --db "$T/other.sqlite" 2>&1) || rc=$?
expect_eq "second serve on port $PORT exits 1" "$rc" 1
expect_contains "second serve says address in use" "$err" "address in use"
stop_serve

# --- a wrong push token is not written to the log; the right one neither.
printf '[serve]\npath-token = %s\nport-file = %s\n' "$(secret -Right-Token-4711)" "$T/cfgport" >"$T/token.ini"
holds_secret "$T/token.ini"
LOG=$T/serve2.log
"$BIN" serve --config "$T/token.ini" --listen 127.0.0.1:0 --db "$DB" 2>>"$LOG" &
SERVE_PID=$!
for _ in $(seq 200); do [ -s "$T/cfgport" ] && break; sleep 0.1; done
expect_eq "[serve] port-file written" "$([ -s "$T/cfgport" ] && echo yes)" yes
PORT=$(cat "$T/cfgport" 2>/dev/null || echo 0)
out=$(post "http://127.0.0.1:$PORT/autodns/push/$(secret -Right-Token-4712)" "$SRC/samples/payloads/003-autoupdate_dns_error-push.json")
expect_eq "wrong token: 404" "${out%% *}" 404
out=$(post "http://127.0.0.1:$PORT/autodns/push/$(secret -Right-Token-4711)" "$SRC/samples/payloads/003-autoupdate_dns_error-push.json")
expect_eq "right token: 200" "${out%% *}" 200
stop_serve
expect_eq "no token in the log" "$(grep -c -F "$SECRET_MARK" "$LOG" || true)" 0
expect_contains "the wrong guess is logged redacted" "$(cat "$LOG")" "/autodns/push/<wrong token> 404"
finish
