#!/usr/bin/env bash
# The shipped Postfix recipe (examples/mda/postfix-master.cf and postfix-main.cf) under a real
# Postfix 3.7 with its own configuration directory and queue, SMTP on a free loopback port:
# mail by SMTP and by sendmail(1) is stored once; with the database read-only the filter's 75
# leaves the mail deferred in the queue (not bounced) with the reason; write access back and
# `postqueue -f` store it once.
source "$(dirname "$0")/lib.sh"
for c in postfix postmap postqueue sendmail; do
  command -v "$c" >/dev/null || { fail "$c is not installed (scripts/bootstrap.sh installs postfix)"; finish; exit 1; }
done
PF=$T/postfix
mkdir -p "$PF" "$T/db"
chown nobody:nogroup "$T/db"
chmod 700 "$T/db"
DB=$T/db/notify.sqlite
ADDR=autodns-notifications@mx.test.invalid
printf 'db = %s\n' "$DB" >"$T/config.ini"
chmod 644 "$T/config.ini"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pf_stop() { postfix -c "$PF" stop >/dev/null 2>&1 || true; }
trap 'pf_stop; rm -rf "$T"' EXIT

# main.cf: a private instance, then the shipped lines with the address and paths changed.
cat >"$PF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.invalid
mydomain = test.invalid
mydestination = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
maillog_file = $PF/maillog
maillog_file_prefixes = $T
biff = no
smtputf8_enable = no
CF
sed -e "s|/etc/postfix/autodns-transport|$PF/autodns-transport|g" \
  "$SRC/examples/mda/postfix-main.cf" >>"$PF/main.cf"
# pickup wakes every second, not every 60 s: postdrop's wake-up of pickup is sometimes lost,
# and a 60 s poll would then decide the sendmail case's time.
cat >"$PF/master.cf" <<CF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 1 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
smtp      unix  - - n - - smtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
sed -e "s|/usr/local/bin/autodns-notify|$BIN|" -e "s|/etc/autodns-notify/config.ini|$T/config.ini|" \
  -e "s|user=autodns-notify:autodns-notify|user=nobody:nogroup|" \
  "$SRC/examples/mda/postfix-master.cf" >>"$PF/master.cf"
printf '%s autodns:\n' "$ADDR" >"$PF/autodns-transport"
postmap -c "$PF" "$PF/autodns-transport"
mkdir -p "$PF/spool" "$PF/data"
chown postfix "$PF/data"
postfix -c "$PF" post-install create-missing >"$T/start.out" 2>&1 || true
if postfix -c "$PF" start >>"$T/start.out" 2>&1; then ok; else
  cat "$PF/maillog" >>"$T/start.out" 2>/dev/null
  fail "postfix did not start: $(cat "$T/start.out")"
  finish
  exit 1
fi
for _ in $(seq 300); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  sleep 0.1
done

smtp_send() {  # smtp_send FILE RCPT: prints the SMTP reply to RCPT/DATA
  python3 - "$PORT" "$1" "$2" <<'PY'
import smtplib, sys
port, path, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
try:
    s.sendmail("bounce@autodns.example", [rcpt], open(path, "rb").read())
    print(250)
except smtplib.SMTPRecipientsRefused as e:
    print(e.recipients[rcpt][0], e.recipients[rcpt][1].decode())
finally:
    s.quit()
PY
}
wait_for() {  # wait_for DESCRIPTION COMMAND WANT: until COMMAND prints WANT (60 s at most)
  local got
  for _ in $(seq 600); do
    got=$(eval "$2" 2>/dev/null || true)
    [ "$got" == "$3" ] && break
    sleep 0.1
  done
  expect_eq "$1" "$got" "$3"
}
# The database is read as the pipe's user (nobody) while deliveries may run, not as root: with
# root's sqlite3 polling, the sendmail mail's delivery failed to open the -wal/-shm files in
# about one run in five (SQLite code 14, exit 75, deferred past the wait). And never before
# the filter made the database: sqlite3 would create an empty file (seen with a slow
# sanitizer build).
db_sql() {
  setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups \
    sqlite3 -batch -cmd ".timeout 30000" "$DB" "$1"
}
notifications() {
  if [ -s "$DB" ]; then db_sql "SELECT count(*) FROM notifications"; else echo 0; fi
}
queue() { postqueue -c "$PF" -p 2>&1; }

make_mail 9400001 >"$T/n1.eml"
expect_eq "SMTP: the address is accepted" "$(smtp_send "$T/n1.eml" "$ADDR")" 250
wait_for "SMTP: stored" "notifications" 1
# postlogd writes the maillog on its own time: the record can be stored before the line is.
in_maillog() { grep -q -- "$1" "$PF/maillog" && echo yes || echo no; }
wait_for "SMTP: delivered by the autodns transport" "in_maillog 'relay=autodns, delay='" yes
expect_contains "SMTP: an unknown address is still refused" "$(smtp_send "$T/n1.eml" "nobody-else@mx.test.invalid")" "550"

make_mail 9400002 >"$T/n2.eml"
sendmail -C "$PF" -f bounce@autodns.example "$ADDR" <"$T/n2.eml"
wait_for "sendmail: stored" "notifications" 2
expect_eq "receipts, with the queue id as locator" \
  "$(db_sql "SELECT count(*) FROM receipts WHERE locator LIKE 'postfix:%'")" 2

# Read-only database -> 75 -> deferred, not bounced.
chmod 0440 "$DB"
make_mail 9400003 >"$T/n3.eml"
expect_eq "SMTP while read-only: accepted" "$(smtp_send "$T/n3.eml" "$ADDR")" 250
wait_for "deferred in the queue" "queue | grep -c 'read-only'" 1
expect_contains "mailq shows the filter's reason" "$(queue)" "(temporary; the MDA will retry)"
wait_for "maillog: deferred" "in_maillog 'status=deferred'" yes
expect_eq "not bounced" "$(grep -c 'status=bounced' "$PF/maillog" || true)" 0
# As root here: nobody's sqlite3 would leave a -shm file as read-only as the database (0440),
# which no later delivery could write; root's is removed when it closes. No delivery runs now.
expect_eq "not stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 2

chmod 0660 "$DB"
postqueue -c "$PF" -f
wait_for "after postqueue -f: stored" "notifications" 3
wait_for "queue empty" "queue | grep -c '^Mail queue is empty'" 1
expect_eq "stored once" "$(db_sql "SELECT count(*) FROM receipts WHERE locator LIKE 'postfix:%'")" 3
finish
