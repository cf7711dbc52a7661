#!/usr/bin/env bash
# Where the mail filter's one-line outcome goes (--log, [mail] log): stderr always (default),
# stderr only on failure, or syslog (facility mail) — the latter seen by a datagram socket at
# /dev/log in a private mount namespace of the test.
source "$(dirname "$0")/lib.sh"
DB=$T/db/notify.sqlite
touch "$T/not-a-directory"
make_mail 9600001 >"$T/n1.eml"
make_mail 9600002 >"$T/n2.eml"
run() {  # run ARGS...: the filter on $MAIL; prints "STATUS|STDERR"
  local rc=0 err
  err=$("$BIN" mail "$@" <"$MAIL" 2>&1 >/dev/null) || rc=$?
  echo "$rc|$err"
}
MAIL=$T/n1.eml
expect_contains "default: stderr" "$(run --db "$DB")" "0|autodns-notify mail: <9600001.test@autodns.example>: stored id:9600001"
expect_eq "failure: a stored mail is silent" "$(run --db "$DB" --log failure)" "0|"
expect_contains "failure: a failure is on stderr" "$(run --db "$T/not-a-directory/x.sqlite" --log failure)" \
  "75|autodns-notify mail: <9600001.test@autodns.example>: database $T/not-a-directory/x.sqlite"
printf '[mail]\nlog = failure\n' >"$T/failure.ini"
expect_eq "config [mail] log = failure" "$(run --db "$DB" --config "$T/failure.ini")" "0|"
expect_contains "--log wins over the config" "$(run --db "$DB" --config "$T/failure.ini" --log stderr)" "0|autodns-notify mail:"
printf '[mail]\nlog = loudly\n' >"$T/bad.ini"
expect_contains "a bad [mail] log defers the mail" "$(run --db "$DB" --config "$T/bad.ini")" \
  "75|autodns-notify mail: config: mail log 'loudly': want stderr, failure or syslog"

# syslog: a private /dev with a log socket (the namespace ends with the command).
if ! command -v unshare >/dev/null; then fail "unshare (util-linux) is not installed"; finish; exit 1; fi
mkdir "$T/dev"
for n in null zero urandom random; do touch "$T/dev/$n"; done
rc=0
unshare --mount --propagation private python3 - "$T" "$BIN" "$DB" <<'PY' >"$T/syslog.out" 2>&1 || rc=$?
import os, socket, subprocess, sys
t, binary, db = sys.argv[1:4]
for n in ("null", "zero", "urandom", "random"):
    subprocess.run(["mount", "--bind", "/dev/" + n, t + "/dev/" + n], check=True)
log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
log.bind(t + "/dev/log")
log.settimeout(5)
subprocess.run(["mount", "--rbind", t + "/dev", "/dev"], check=True)
def mail(path, db_path):
    with open(path, "rb") as f:
        p = subprocess.run([binary, "mail", "--db", db_path, "--log", "syslog"], stdin=f,
                           capture_output=True)
    print("status %d stderr [%s]" % (p.returncode, p.stderr.decode().strip()))
    print("syslog " + log.recv(65536).decode())
mail(t + "/n2.eml", db)
mail(t + "/n2.eml", t + "/not-a-directory/x.sqlite")
PY
out=$(cat "$T/syslog.out")
expect_eq "syslog run" "$rc" 0
expect_contains "syslog: nothing on stderr" "$out" "status 0 stderr []"
# <22>: facility mail (2), severity info (6); <20>: warning (4).
expect_contains "syslog: stored, mail.info" "$out" "<22>"
expect_contains "syslog: the line" "$out" "autodns-notify["
expect_contains "syslog: the outcome" "$out" "mail: <9600002.test@autodns.example>: stored id:9600002"
expect_contains "syslog: failure, mail.warning" "$out" "<20>"
expect_contains "syslog: failure status" "$out" "status 75 stderr []"
expect_eq "stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 2
finish
