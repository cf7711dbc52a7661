#!/usr/bin/env bash
# The shipped maildrop rule (examples/mda/maildroprc) under the real maildrop: notifications
# stored, non-notification mail from AutoDNS delivered normally (65), a temporary failure (75)
# delivered to the fallback Maildir, which the rule creates when missing, with the reason in
# maildrop's log; two simultaneous deliveries do not wait for each other.
source "$(dirname "$0")/lib.sh"
if ! command -v maildrop >/dev/null; then
  fail "maildrop is not installed (scripts/bootstrap.sh installs it)"
  finish
  exit 1
fi
M=$T/Maildir
mkdir -p "$M/inbox/new" "$M/inbox/cur" "$M/inbox/tmp" "$T/bin"
touch "$T/not-a-directory"
DB=$T/notify.sqlite
# The sender pattern is the one line a site edits; the samples come from autodns.example.
sed 's/(autodns|internetx)\\.(com|de)/autodns\\.example/' "$SRC/examples/mda/maildroprc" >"$T/maildroprc"
cat >"$T/mailfilter" <<RC
DEFAULT="$M/inbox/"
AUTODNS_NOTIFY="\$AUTODNS_TEST_NOTIFY"
AUTODNS_FALLBACK="$M/retry/"
import AUTODNS_NOTIFY_DB
import AUTODNS_TEST_NOTIFY
AUTODNS_NOTIFY_CONFIG="/dev/null"
logfile "$T/maildrop.log"
include "$T/maildroprc"
RC
chmod 600 "$T/mailfilter" "$T/maildroprc"
deliver() {  # deliver FILE DB [PROGRAM]: prints maildrop's exit status
  local rc=0
  AUTODNS_NOTIFY_DB=$2 AUTODNS_TEST_NOTIFY=${3:-$BIN} maildrop "$T/mailfilter" <"$1" >>"$T/maildrop.out" 2>&1 || rc=$?
  echo "$rc"
}
count() { find "$1" -type f 2>/dev/null | wc -l; }

sample=$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml
expect_eq "notification: exit" "$(deliver "$sample" "$DB")" 0
expect_eq "notification stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 1
expect_eq "duplicate: exit" "$(deliver "$SRC/samples/mail/xml-push-1005491840-mbox-from-line.eml" "$DB")" 0
expect_eq "receipts" "$(sql "$DB" "SELECT count(*) FROM receipts")" 2
expect_eq "stored mail not delivered" "$(count "$M/inbox")$(count "$M/retry")" "00"

printf 'Message-ID: <news@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\nSubject: news\n\nMaintenance on Saturday.\n' >"$T/news.eml"
expect_eq "newsletter: exit" "$(deliver "$T/news.eml" "$DB")" 0
expect_eq "newsletter in the inbox" "$(count "$M/inbox/new")" 1
expect_eq "ordinary mail: exit" "$(deliver "$SRC/samples/mail/other/bounce-dsn.eml" "$DB")" 0
expect_eq "ordinary mail in the inbox" "$(count "$M/inbox/new")" 2
expect_eq "nothing quarantined" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 0

expect_eq "no fallback Maildir so far" "$(ls -d "$M/retry" 2>/dev/null | wc -l)" 0
make_mail 9200001 >"$T/fresh1.eml"
make_mail 9200002 >"$T/fresh2.eml"
expect_eq "temporary failure: exit" "$(deliver "$T/fresh1.eml" "$T/not-a-directory/notify.sqlite")" 0
expect_eq "mail in the fallback Maildir" "$(count "$M/retry/new")" 1
if cmp -s "$T/fresh1.eml" "$M"/retry/new/*; then ok; else fail "fallback copy differs from the mail"; fi
expect_contains "maildrop log: the status" "$(cat "$T/maildrop.log")" "exit status 75"
expect_contains "maildrop log: the reason" "$(cat "$T/maildrop.log")" "(temporary; the MDA will retry)"
expect_eq "a second failure: exit" "$(deliver "$T/fresh2.eml" "$T/not-a-directory/notify.sqlite")" 0
expect_eq "both in the fallback Maildir" "$(count "$M/retry/new")" 2

# The fallback Maildir is taken in later: stored once, marked seen.
out=$("$BIN" import --db "$DB" --no-progress --mark-seen "$M/retry")
expect_contains "import of the fallback Maildir" "$out" "2 mails, 2 notifications, 2 new, 0 duplicate"
expect_eq "fallback mail marked seen" "$(count "$M/retry/new"):$(count "$M/retry/cur")" "0:2"

# Two simultaneous deliveries, each filter taking a second: neither waits for the other.
printf '#!/bin/sh\nsleep 1\nexec "%s" "$@"\n' "$BIN" >"$T/bin/slow-notify"
chmod +x "$T/bin/slow-notify"
start=$(date +%s%N)
deliver "$SRC/samples/mail/json-push-1005491844-utf8-7bit-body.eml" "$DB" "$T/bin/slow-notify" >"$T/rc1" &
deliver "$SRC/samples/mail/epp-poll-880369-utf8-body.eml" "$DB" "$T/bin/slow-notify" >"$T/rc2" &
wait
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "simultaneous deliveries: exits" "$(cat "$T/rc1") $(cat "$T/rc2")" "0 0"
if [ "$ms" -lt 4000 ]; then ok; else fail "two simultaneous deliveries took $ms ms"; fi
echo "two simultaneous deliveries (1 s filter each): $ms ms"
expect_eq "notifications after the simultaneous deliveries" "$(sql "$DB" "SELECT count(*) FROM notifications")" 5
finish
