# Shared helpers for the black-box tests. Sourced by tests/integration/test_*.sh.
# Environment from ctest: AUTODNS_BIN (the binary), AUTODNS_SOURCE_DIR (the repository).
set -euo pipefail
BIN=${AUTODNS_BIN:?AUTODNS_BIN must name the autodns-notify binary}
SRC=${AUTODNS_SOURCE_DIR:?AUTODNS_SOURCE_DIR must name the repository}
# Hermetic: no configuration file the test did not choose. An empty AUTODNS_NOTIFY_CONFIG
# means "none given" to the program, which then reads /etc/autodns-notify/config.ini when it
# exists; /dev/null is an empty configuration, so neither the system file nor a file named in
# the caller's environment can change a result. A test that needs settings writes its own file
# and passes it with --config (or sets AUTODNS_NOTIFY_CONFIG itself after sourcing this file).
export AUTODNS_NOTIFY_CONFIG=/dev/null
unset AUTODNS_NOTIFY_DB XDG_STATE_HOME
T=$(mktemp -d /tmp/autodns-it-XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
# The script's own output (stdout and stderr, as one stream) is copied to a file that finish()
# searches for test secrets with everything else: the output of a command a test does not
# redirect lands there. The script runs again as the child of this one, its output through
# tee; tee is not the script's child, so a bare `wait` in a test does not wait for it.
if [ -z "${AUTODNS_TEST_OUTPUT:-}" ]; then
  rm -rf "$T"
  AUTODNS_TEST_OUTPUT=$(mktemp /tmp/autodns-it-output-XXXXXX)
  export AUTODNS_TEST_OUTPUT
  trap 'rm -f "$AUTODNS_TEST_OUTPUT"' EXIT
  set +e
  bash "$0" "$@" 2>&1 | tee "$AUTODNS_TEST_OUTPUT"
  status=${PIPESTATUS[0]}
  exit "$status"
fi

# Test secrets. Every password, token and credential a test hands the program is made by
# `secret WORDS` and so carries SECRET_MARK; finish() then fails the test when the mark is in
# any file under $T (logs, captured output, databases, the script's own output) that the test
# did not name with `holds_secret FILE...` (its config and password files, a stand-in's record
# of what it was sent). So no log line, error or --help output of the suite shows a secret.
SECRET_MARK=tEsT''sEcReT  # written in two pieces, so that this file does not hold the mark
secret() { printf '%s%s' "$SECRET_MARK" "$1"; }  # secret SUFFIX: a test secret
SECRET_HOLDERS=()
holds_secret() { local f; for f; do SECRET_HOLDERS+=("$(realpath -m "$f")"); done; }
secret_scan() {  # fails once per file under $T that shows a secret without holding it
  local file holder allowed
  sleep 0.2  # let the tee processes above write what they were given
  while IFS= read -r -d '' file; do
    allowed=0
    for holder in "${SECRET_HOLDERS[@]}"; do [ "$(realpath -m "$file")" = "$holder" ] && allowed=1; done
    [ "$allowed" = 1 ] && continue
    [ "$file" = "$AUTODNS_TEST_OUTPUT" ] && [ "$failures" -gt 0 ] && continue  # a failure message quoting one
    fail "a test secret is in ${file#"$T"/}: $(grep -a -o -m1 ".\{0,60\}$SECRET_MARK" "$file" | head -1 | tr -c '[:print:]' '?')"
  done < <(grep -r -l -Z -a -F -- "$SECRET_MARK" "$T" "$AUTODNS_TEST_OUTPUT" 2>/dev/null || true)
}
failures=0
checks=0

# AUTODNS_TEST_FAIL_FAST=1 (the mutation run, which only asks whether a test fails) ends the
# test at its first failed check: its processes (servers, stand-ins, clients in the background)
# are killed first, deepest first, since the test's own stop steps are skipped and a process
# left holding the output would keep ctest waiting; then the EXIT traps run as always.
kill_descendants() {  # kill_descendants PID
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    kill_descendants "$child"
    kill "$child" 2>/dev/null || true
  done
}
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
  if [ "${AUTODNS_TEST_FAIL_FAST:-0}" = 1 ]; then
    kill_descendants $$
    exit 1
  fi
}
ok() { checks=$((checks + 1)); }
expect_eq() {  # expect_eq WHAT GOT WANT
  if [ "$2" == "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi
}
expect_contains() {  # expect_contains WHAT HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then ok; else fail "$1: '$2' does not contain '$3'"; fi
}
sql() {  # sql DB QUERY: rows as "a|b|c", NULL as empty, blobs as their bytes
  sqlite3 -batch -cmd ".timeout 30000" "$1" "$2"
}

# make_mail ID [DOMAIN] [FROM]: an AutoDNS JSON-format notification mail (push body shape)
# for message ID about DOMAIN, sent from FROM.
make_mail() {
  local id=$1 domain=${2:-example.aq} from=${3:-AutoDNS <noreply@autodns.example>}
  cat <<MAIL
Return-Path: <bounce@autodns.example>
Message-ID: <$id.test@autodns.example>
Date: Wed, 12 May 2021 14:43:20 +0200
From: $from
To: hostmaster@registrar.example
Subject: =?UTF-8?Q?AutoDNS_Benachrichtigung:_autoupdate=5Fdns=5Fsuccess_f=C3=BCr?= $domain
MIME-Version: 1.0
Content-Type: application/json; charset=utf-8
Content-Transfer-Encoding: 7bit

{"id": $id, "notify": {"type": "autoupdate_dns_success"}, "stid": "20210512-app3-$id",
 "object": {"type": "Domain", "value": "$domain", "data": {"name": "$domain"}}}
MAIL
}

# make_maildir DIR COUNT DUP_EVERY: COUNT mails in DIR/new, every DUP_EVERY-th one repeating
# the id of the one before it (another Message-ID, same notification).
make_maildir() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
out, count, dup_every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
nid = 7000000
for i in range(count):
    if dup_every and i % dup_every == dup_every - 1:
        mid = nid          # repeat the previous notification
    else:
        nid += 1
        mid = nid
    body = ('{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d",'
            ' "object": {"type": "Domain", "value": "d%d.example"}}\n' % (mid, mid, mid))
    mail = ("Message-ID: <%d.%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n"
            "Subject: notification %d\nContent-Type: application/json\n\n%s" % (i, mid, mid, body))
    with open(os.path.join(out, "new", "%08d.test" % i), "w") as f:
        f.write(mail)
PY
}

# --- Skips that show, and the fault shim. ---

# skip_block WHAT: a block of checks that cannot run on this machine (WHAT says which and
# why). The script then ends with exit 77, which ctest reports as "Skipped" (SKIP_RETURN_CODE),
# never as "Passed"; under CI=true a skip is a failure: the bootstrap installs all the suite
# needs, so a block that cannot run there is a broken promise of the CI.
skipped=0
skip_block() {
  if [ "${CI:-}" = true ]; then
    fail "not run under CI=true: $*"
  else
    echo "SKIPPED: $*" >&2
    skipped=$((skipped + 1))
  fi
}
# finish, as above, with the skips: 1 on a failure, else 77 when a block was skipped, else 0.
finish() {
  secret_scan
  echo "$checks passed, $failures failed, $skipped blocks skipped"
  [ "$failures" -eq 0 ] || return 1
  [ "$skipped" -eq 0 ] || exit 77
}

# The LD_PRELOAD fault shim (tests/tools/fault_shim.c) built beside the binary.
# shim_run [VAR=VALUE...] CMD...: runs CMD with the shim preloaded and the FAULT_SHIM_* settings
# given (FAULT_SHIM_PATH, FAULT_SHIM_ENOSPC_AFTER, FAULT_SHIM_SYNC_LOG). ASan must not insist
# on coming first: the shim only wraps libc calls.
shim_run() {
  local shim=${AUTODNS_FAULT_SHIM:?AUTODNS_FAULT_SHIM must name fault_shim.so}
  [ -f "$shim" ] || { echo "fault shim $shim is missing" >&2; exit 1; }
  env LD_PRELOAD="$shim" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

# with_clock FAKETIME-ARGS... CMD...: runs CMD in UTC under the faketime wrapper (which owns
# libfaketime's shared semaphore until the whole tree has ended), e.g. with_clock '40 days
# ago' "$BIN" mail ..., or with_clock -f '2026-06-01 12:00:00' ... for a frozen clock. ASan
# must not insist on coming first: libfaketime is preloaded before it.
with_clock() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" TZ=UTC faketime "$@"
}

# as_nobody_cmd: sets AS_NOBODY to the argv prefix that runs a command as user nobody (empty
# when that is not possible: not root, no setpriv or no user nobody).
as_nobody_cmd() {
  AS_NOBODY=()
  if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    AS_NOBODY=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups)
  fi
}
