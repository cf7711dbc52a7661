#!/usr/bin/env bash
# 8 `mail` processes at once against one database, 2 000 mails with 10 % duplicates: every
# unique notification stored exactly once, every mail accounted for, every exit status 0.
source "$(dirname "$0")/lib.sh"
DB=$T/notify.sqlite
make_maildir "$T/md" 2000 10
ls "$T/md/new" | sed "s|^|$T/md/new/|" >"$T/list"
export BIN DB
# Each worker runs the filter once per mail and records any non-zero exit status.
# (A long busy timeout: this is about exactly-once, and a loaded machine can make a writer wait.)
xargs -P 8 -n 1 sh -c '"$BIN" mail --db "$DB" --busy-timeout 120000 <"$1" 2>/dev/null || echo "$1 exit $?"' _ \
  <"$T/list" >"$T/failures"
expect_eq "non-zero exit statuses" "$(wc -l <"$T/failures" | tr -d ' ')" 0
expect_eq "unique notifications" "$(sql "$DB" 'select count(*) from notifications')" 1800
expect_eq "receipts (one per mail)" "$(sql "$DB" 'select count(*) from receipts')" 2000
expect_eq "quarantined" "$(sql "$DB" 'select count(*) from quarantine')" 0
expect_eq "keys stored twice" "$(sql "$DB" 'select count(*) from (select key from notifications group by key having count(*) > 1)')" 0
expect_eq "notifications with two arrivals" \
  "$(sql "$DB" 'select count(*) from (select key from receipts group by key having count(*) = 2)')" 200
finish
