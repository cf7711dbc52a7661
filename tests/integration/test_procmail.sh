#!/usr/bin/env bash
# The shipped procmail recipe (procmail/procmailrc) under the real procmail: notifications are
# stored, other mail (also from AutoDNS) reaches the inbox, and a temporary failure (exit 75)
# leaves the mail in the fallback folder (created by procmail when missing), from which
# `import` takes it later; two simultaneous deliveries do not wait for each other.
source "$(dirname "$0")/lib.sh"
if ! command -v procmail >/dev/null; then
  fail "procmail is not installed (scripts/bootstrap.sh installs it)"
  finish
  exit 1
fi
M=$T/Mail
mkdir -p "$M/inbox/new" "$M/inbox/cur" "$M/inbox/tmp" "$T/bin" "$T/db"
ln -s "$BIN" "$T/bin/autodns-notify"  # found on PATH, as installed
touch "$T/not-a-directory"
DB=$T/db/notify.sqlite

# The user's rcfile: sets the mail environment, includes the shipped recipe, then delivers
# what is left to the inbox (procmail -m clears the environment and has no default folder).
cat >"$T/procmailrc" <<RC
SHELL=/bin/sh
PATH=$T/bin:/usr/bin:/bin
MAILDIR=$M
DEFAULT=$M/inbox/
LOGFILE=$T/procmail.log
AUTODNS_FROM=autodns\.example
AUTODNS_NOTIFY_DB=\${AUTODNS_NOTIFY_DB:-$DB}
AUTODNS_NOTIFY_CONFIG=/dev/null
INCLUDERC=$SRC/procmail/procmailrc

:0
\$DEFAULT
RC
chmod 600 "$T/procmailrc"
deliver() {  # deliver FILE [VAR=value...]: one mail through procmail; prints its exit status
  local file=$1
  shift
  local rc=0
  procmail -m "$@" "$T/procmailrc" <"$file" || rc=$?  # assignments before the rcfile
  echo "$rc"
}
count() { find "$1" -type f 2>/dev/null | wc -l; }

# 18 notification mails from AutoDNS (some the same notification in other formats).
n=0
for m in "$SRC"/samples/mail/*.eml; do
  expect_eq "procmail exit for $(basename "$m")" "$(deliver "$m")" 0
  n=$((n + 1))
done
expect_eq "sample notification mails" "$n" 18
expect_eq "receipts: one per notification mail" "$(sql "$DB" "SELECT count(*) FROM receipts WHERE channel = 'mail'")" 18
expect_eq "notifications stored once" "$(sql "$DB" "SELECT count(*) FROM notifications")" 5
expect_eq "nothing quarantined" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 0
expect_eq "notification mails not in the inbox" "$(count "$M/inbox/new")" 0

# Ordinary mail (other senders) and an AutoDNS newsletter (exit 65): normal delivery.
for m in "$SRC"/samples/mail/other/*.eml; do
  expect_eq "procmail exit for other/$(basename "$m")" "$(deliver "$m")" 0
done
cat >"$T/newsletter.eml" <<'MAIL'
Message-ID: <newsletter-2024-05@autodns.example>
From: AutoDNS <noreply@autodns.example>
To: hostmaster@example-hosting.de
Subject: AutoDNS news: maintenance window on Saturday
Content-Type: text/plain; charset=utf-8

Dear customer, the AutoDNS API will be read-only on Saturday between 02:00 and 04:00 CEST.
MAIL
expect_eq "procmail exit for the newsletter" "$(deliver "$T/newsletter.eml")" 0
expect_eq "other mail and the newsletter in the inbox" "$(count "$M/inbox/new")" 4
expect_eq "newsletter delivered as is" \
  "$(grep -l 'maintenance window' "$M"/inbox/new/* | wc -l)" 1
expect_eq "newsletter not quarantined" "$(sql "$DB" "SELECT count(*) FROM quarantine")" 0
expect_eq "no fallback folder so far" "$(ls -d "$M/autodns-retry" 2>/dev/null | wc -l)" 0

# Temporary failure: the database cannot be created (its directory is a regular file) ->
# exit 75 -> the mail goes to the fallback folder, byte for byte.
sample="$SRC/samples/mail/json-push-1005491844-utf8-7bit-body.eml"
expect_eq "procmail exit on temporary failure" \
  "$(deliver "$sample" AUTODNS_NOTIFY_DB="$T/not-a-directory/notify.sqlite")" 0
expect_eq "mail in the fallback folder" "$(count "$M/autodns-retry/new")" 1
if cmp -s "$sample" "$M"/autodns-retry/new/*; then ok; else fail "fallback copy differs from the mail"; fi
expect_eq "inbox unchanged" "$(count "$M/inbox/new")" 4
expect_contains "filter logged the temporary failure" "$(cat "$T/procmail.log")" "(temporary; the MDA will retry)"
expect_eq "nothing written on failure" "$(sql "$DB" "SELECT count(*) FROM receipts")" 18

# Once the cause is fixed, the fallback folder is imported; the mail is marked seen.
out=$("$BIN" import --db "$DB" --no-progress --mark-seen "$M/autodns-retry")
expect_contains "import of the fallback folder" "$out" "1 mails, 1 notifications, 0 new, 1 duplicate"
expect_eq "receipt recorded" "$(sql "$DB" "SELECT count(*) FROM receipts")" 19
expect_eq "fallback mail marked seen" "$(count "$M/autodns-retry/new"):$(count "$M/autodns-retry/cur")" "0:1"

# Two simultaneous deliveries, each filter taking a second: neither waits for the other (a
# procmail lockfile around the filter made the second one sleep 8 s).
cat >"$T/bin/slow-notify" <<SH
#!/bin/sh
sleep 1
exec "$BIN" "\$@"
SH
chmod +x "$T/bin/slow-notify"
start=$(date +%s%N)
deliver "$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml" AUTODNS_NOTIFY="$T/bin/slow-notify" >"$T/rc1" &
deliver "$SRC/samples/mail/json-push-1005491844-utf8-7bit-body.eml" AUTODNS_NOTIFY="$T/bin/slow-notify" >"$T/rc2" &
wait
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "simultaneous deliveries: exits" "$(cat "$T/rc1") $(cat "$T/rc2")" "0 0"
if [ "$ms" -lt 4000 ]; then ok; else fail "two simultaneous deliveries took $ms ms (a lock wait?)"; fi
echo "two simultaneous deliveries (1 s filter each): $ms ms"
expect_eq "receipts after the simultaneous deliveries" "$(sql "$DB" "SELECT count(*) FROM receipts")" 21

# With AUTODNS_ARCHIVE set, stored notification mail is kept there instead of dropped.
expect_eq "procmail exit with archive" \
  "$(deliver "$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml" AUTODNS_ARCHIVE="$M/autodns-done/")" 0
expect_eq "archived" "$(count "$M/autodns-done/new")" 1
expect_eq "no lock left" "$(ls "$M"/*.lock 2>/dev/null | wc -l)" 0
finish
