#!/usr/bin/env bash
# The shipped Dovecot recipe (examples/mda/dovecot-90-autodns-notify.conf and
# dovecot-sieve.sieve) under a real Dovecot 2.3 LMTP (and dovecot-lda) with Pigeonhole Sieve:
# a notification is stored once in the shared database, not in the mail user's own (the mail
# user writes it through its userdb gid, the database group), created group-writable by
# db-mode; a stored mail leaves no error in Dovecot's log; a temporary failure (75) files the
# mail into AutoDNS-retry, and the shipped retry-import unit's command then stores it once.
# A refused access names the user, the groups and the path.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dovecot_lib.sh"
for c in sievec setpriv; do
  command -v "$c" >/dev/null || { fail "$c is not installed"; finish; exit 1; }
done
U=mailuser UID_=65534 GID_=65534 # nobody:nogroup, the mail user
GROUP=users GROUP_ID=100          # stands for the autodns-notify group
dovecot_user "$U" "$UID_" "$GROUP_ID" # userdb gid: the database group, as the recipe says
MD=$T/home/$U/Maildir

# The shared database directory: group-writable, setgid, owned by the database group.
mkdir -p "$T/shared" "$T/sieve" "$T/sieve-bin"
chgrp "$GROUP" "$T/shared"
chmod 2770 "$T/shared"
DB=$T/shared/notify.sqlite
cat >"$T/config.ini" <<INI
db = $DB
db-mode = 0660
INI
chmod 644 "$T/config.ini"

# The shipped files with only the paths (and the group) changed, as the recipe marks them.
sed -e "s|/etc/autodns-notify/config.ini|$T/config.ini|" -e "s|/var/lib/autodns-notify/notify.sqlite|$DB|" \
  "$SRC/examples/mda/dovecot-sieve.sieve" >"$T/sieve/autodns-notify.sieve"
sed -e "s|/etc/dovecot/sieve/autodns-notify.sieve|$T/sieve/autodns-notify.sieve|" \
  -e "s|/usr/lib/dovecot/sieve-execute|$T/sieve-bin|" \
  "$SRC/examples/mda/dovecot-90-autodns-notify.conf" >"$DV/90-autodns-notify.conf"
ln -s "$BIN" "$T/sieve-bin/autodns-notify"
dovecot_start lmtp "$DV/90-autodns-notify.conf"
if sievec -c "$DOVECOT_CONF" "$T/sieve/autodns-notify.sieve" 2>"$T/sievec.err"; then ok; else
  fail "sievec: $(cat "$T/sievec.err")"
fi
count() { find "$1" -type f 2>/dev/null | wc -l; }
errors() { grep -c -i 'error' "$DV/dovecot.log" || true; }

make_mail 9300001 example.aq "AutoDNS <noreply@autodns.com>" >"$T/n1.eml"
expect_eq "LMTP: notification accepted" "$(lmtp_deliver "$T/n1.eml" "$U")" 250
# Before any sqlite3 shell closes the database (which removes -wal and -shm):
for f in "$DB" "$DB-wal" "$DB-shm"; do
  expect_eq "mode of $(basename "$f")" "$(stat -c '%a %U %G' "$f")" "660 nobody $GROUP"
done
expect_eq "stored in the shared database" "$(sql "$DB" "SELECT count(*) FROM notifications")" 1
expect_eq "not in the mail user's own database" "$(ls -d "$T/home/$U/.local" 2>/dev/null | wc -l)" 0
expect_eq "not in INBOX" "$(count "$MD/new")$(count "$MD/cur")" "00"
expect_eq "no error in Dovecot's log for a stored mail" "$(errors)" 0
expect_eq "LMTP: the same mail again" "$(lmtp_deliver "$T/n1.eml" "$U")" 250
expect_eq "stored once" "$(sql "$DB" "SELECT count(*) FROM notifications"):$(sql "$DB" "SELECT count(*) FROM receipts")" "1:2"

# The same through dovecot-lda (protocol lda of the snippet), as Postfix's mailbox_command
# would start it.
make_mail 9300003 example.aq "AutoDNS <noreply@autodns.com>" >"$T/n3.eml"
rc=0
/usr/lib/dovecot/dovecot-lda -c "$DOVECOT_CONF" -d "$U" -f bounce@autodns.example <"$T/n3.eml" 2>"$T/lda.err" || rc=$?
expect_eq "dovecot-lda: exit" "$rc" 0
expect_eq "dovecot-lda: stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 2
expect_eq "dovecot-lda: not in INBOX" "$(count "$MD/new")$(count "$MD/cur")" "00"

# Other mail is delivered as usual.
expect_eq "LMTP: ordinary mail" "$(lmtp_deliver "$SRC/samples/mail/other/bounce-dsn.eml" "$U")" 250
expect_eq "ordinary mail in INBOX" "$(count "$MD/new")" 1

# Temporary failure: the database is read-only -> 75 -> AutoDNS-retry.
chmod 0440 "$DB"
make_mail 9300002 example.aq "AutoDNS <noreply@autodns.com>" >"$T/n2.eml"
expect_eq "LMTP: accepted although the filter failed" "$(lmtp_deliver "$T/n2.eml" "$U")" 250
expect_eq "filed into AutoDNS-retry" "$(count "$MD/.AutoDNS-retry/new")" 1
expect_eq "not stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 2
expect_contains "Dovecot's log has the filter's reason" "$(cat "$DV/dovecot.log")" "(temporary; the MDA will retry)"
chmod 0660 "$DB"

# The shipped retry-import unit's command, run as the mail user with the database group (the
# unit's User= and SupplementaryGroups=), stores it once and marks it seen; a second run
# finds nothing new.
unit=$SRC/systemd/autodns-notify-retry-import@.service
cmd=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e 's/\$\$/$/g' -e "s|/usr/bin/autodns-notify|$BIN|" \
  -e "s|/etc/autodns-notify/config.ini|$T/config.ini|")
retry_import() {
  env -i PATH=/usr/bin:/bin HOME="$T/home/$U" AUTODNS_RETRY_FOLDERS="$MD/.AutoDNS-retry $MD/.missing" \
    setpriv --reuid="$UID_" --regid="$GID_" --groups="$GROUP_ID" -- bash -c "$cmd" 2>&1
}
out=$(retry_import)
expect_contains "retry import" "$out" "1 mails, 1 notifications, 1 new"
expect_eq "stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 3
expect_eq "retry folder marked seen" "$(count "$MD/.AutoDNS-retry/new"):$(count "$MD/.AutoDNS-retry/cur")" "0:1"
out=$(retry_import)
expect_contains "second retry import" "$out" "0 new"
expect_eq "stored once" "$(sql "$DB" "SELECT count(*) FROM notifications")" 3

rc=0
out=$(env -i PATH=/usr/bin:/bin HOME="$T/home/$U" AUTODNS_RETRY_FOLDERS="$MD/.AutoDNS-retry" \
  setpriv --reuid="$UID_" --regid="$GID_" --clear-groups -- bash -c "$cmd" 2>&1) || rc=$?
expect_eq "retry import without the group: exit" "$rc" 75
expect_contains "retry import without the group: who and what" "$out" "(user nobody, groups nogroup; $T/shared is root:$GROUP 2770)"

# Without the group, the refusal names the user, the groups and the path.
rc=0
out=$(setpriv --reuid="$UID_" --regid="$GID_" --clear-groups -- env -i HOME="$T/home/$U" \
  "$BIN" mail --config "$T/config.ini" <"$T/n2.eml" 2>&1) || rc=$?
expect_eq "no group: exit" "$rc" 75
expect_contains "no group: names the user" "$out" "user nobody"
expect_contains "no group: names the groups" "$out" "groups nogroup"
expect_contains "no group: names the path and its owner" "$out" "$T/shared is root:$GROUP 2770"

# --db-mode under a strict umask: the exact mode, new directories with x and setgid.
rc=0
(umask 077 && "$BIN" mail --db "$T/made/state/notify.sqlite" --db-mode 0660 <"$T/n1.eml" 2>/dev/null) || rc=$?
expect_eq "--db-mode: exit" "$rc" 0
expect_eq "--db-mode: modes of the directories, file, -wal, -shm" \
  "$(stat -c '%a' "$T/made" "$T/made/state" "$T/made/state/notify.sqlite" "$T/made/state/notify.sqlite-wal" "$T/made/state/notify.sqlite-shm" | tr '\n' ' ')" \
  "2770 2770 660 660 660 "
rc=0
"$BIN" mail --db "$T/x.sqlite" --db-mode 0066 <"$T/n1.eml" 2>"$T/err" || rc=$?
expect_eq "--db-mode without owner rw: usage error" "$rc" 64
expect_contains "--db-mode: the message" "$(cat "$T/err")" "db-mode '0066'"
finish
