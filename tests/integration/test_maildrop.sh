#!/usr/bin/env bash
# The shipped maildrop rule (examples/mda/maildroprc) under the real maildrop: notifications
# stored, non-notification mail from AutoDNS delivered normally (65), a temporary failure (75)
# delivered to the fallback Maildir.
source "$(dirname "$0")/lib.sh"
if ! command -v maildrop >/dev/null; then
  fail "maildrop is not installed (scripts/bootstrap.sh installs it)"
  finish
  exit 1
fi
M=$T/Maildir
for d in inbox retry; do mkdir -p "$M/$d/new" "$M/$d/cur" "$M/$d/tmp"; done
touch "$T/not-a-directory"
DB=$T/notify.sqlite
# The sender pattern is the one line a site edits; the samples come from autodns.example.
sed 's/(autodns|internetx)\\.(com|de)/autodns\\.example/' "$SRC/examples/mda/maildroprc" >"$T/maildroprc"
cat >"$T/mailfilter" <<RC
DEFAULT="$M/inbox/"
AUTODNS_NOTIFY="$BIN"
AUTODNS_FALLBACK="$M/retry/"
import AUTODNS_NOTIFY_DB
logfile "$T/maildrop.log"
include "$T/maildroprc"
RC
chmod 600 "$T/mailfilter" "$T/maildroprc"
deliver() {  # deliver FILE DB: prints maildrop's exit status
  local rc=0
  AUTODNS_NOTIFY_DB=$2 maildrop "$T/mailfilter" <"$1" >>"$T/maildrop.out" 2>&1 || rc=$?
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

expect_eq "temporary failure: exit" "$(deliver "$sample" "$T/not-a-directory/notify.sqlite")" 0
expect_eq "mail in the fallback Maildir" "$(count "$M/retry/new")" 1
if cmp -s "$sample" "$M"/retry/new/*; then ok; else fail "fallback copy differs from the mail"; fi
expect_contains "maildrop log" "$(cat "$T/maildrop.log")" "autodns-notify: exit status 75"
finish
