#!/usr/bin/env bash
# autodns-notify prune (retention, docs/storage.md "Retention"): a dry run changes nothing and
# counts what the run then removes; a late copy of a pruned notification is still a duplicate
# (no second notification, no second delivery); an archive imported again after its receipts
# and quarantine rows were pruned stores nothing anew; concurrent mail filters lose nothing;
# bad ages are usage errors naming the key; [retention] keys are honoured, unknown ones refused.
# Old rows are made by running the binary under faketime.
source "$(dirname "$0")/lib.sh"
DB=$T/notify.sqlite
command -v faketime >/dev/null || { fail "faketime not installed (scripts/bootstrap.sh installs it)"; finish; }
ago() {  # ago DAYS COMMAND...: run COMMAND with the clock DAYS days back
  local days=$1
  shift
  with_clock "$days days ago" "$@"
}
junk_mail() {  # junk_mail N: a mail that is no notification (quarantined)
  printf 'From: someone@example.net\nTo: hostmaster@registrar.example\nMessage-ID: <junk%s@example.net>\nSubject: hello\n\nNothing to see here, number %s.\n' "$1" "$1"
}
counts() {
  sql "$DB" "select (select count(*) from notifications), (select count(*) from receipts),
    (select count(*) from quarantine), (select count(*) from outbox),
    (select count(*) from notifications where raw_payload is not null),
    (select count(*) from pruned_keys), (select count(*) from pruned_raw)"
}
cat >"$T/config.ini" <<INI
[handler.log]
kind = jsonl
path = $T/records.jsonl

[retention]
notification-days = 30
receipt-days = 20
quarantine-days = 20
raw-days = 10
INI
export AUTODNS_NOTIFY_CONFIG=$T/config.ini

# 40 days ago: notifications 1-5 (delivered), a junk mail; 25 days ago: an archive of 3
# notifications and a junk mail, imported; 15 days ago: notification 6; now: 7.
for id in 1 2 3 4 5; do make_mail $id | ago 40 "$BIN" mail --db "$DB" || fail "old mail $id"; done
junk_mail 1 | ago 40 "$BIN" mail --db "$DB" || fail "old junk mail"
mkdir -p "$T/archive/new" "$T/archive/cur" "$T/archive/tmp"
for id in 11 12 13; do make_mail $id >"$T/archive/new/$id.mail"; done
junk_mail 2 >"$T/archive/new/junk.mail"
out=$(ago 25 "$BIN" import --db "$DB" --json "$T/archive")
expect_contains "archive imported" "$out" '"new":3,'
expect_contains "archive junk quarantined" "$out" '"quarantined":1,'
make_mail 6 | ago 15 "$BIN" mail --db "$DB" || fail "mail 6"
make_mail 7 | "$BIN" mail --db "$DB" || fail "mail 7"
expect_eq "delivered before pruning" "$(wc -l <"$T/records.jsonl" | tr -d ' ')" 10
expect_eq "outbox all done" "$(sql "$DB" "select count(*) from outbox where state <> 'done'")" 0
before=$(counts)
expect_eq "counts before" "$before" "10|10|2|10|10|0|0"

# --dry-run: nothing changes, and it announces what the run then removes.
dry=$("$BIN" prune --db "$DB" --dry-run --json)
expect_eq "dry run changes nothing" "$(counts)" "$before"
text=$("$BIN" prune --db "$DB" --dry-run)
expect_contains "dry run text: notifications" "$text" "notifications (notification-days 30, before "
expect_contains "dry run text: would remove" "$text" "would remove 5, with 5 receipts and 5 outbox rows"
expect_eq "dry run text: one line per policy, and the time" "$(grep -c '^prune: ' <<<"$text")" 5
expect_eq "dry run text changes nothing" "$(counts)" "$before"
run=$("$BIN" prune --db "$DB" --json)
python3 - "$dry" "$run" >"$T/compare" 2>&1 <<'PY' || fail "dry run and run disagree: $(cat "$T/compare")"
import json, sys
from datetime import datetime
dry, run = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert dry["dry_run"] is True and run["dry_run"] is False, (dry, run)
def when(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").timestamp()
for policy in ("notifications", "receipts", "quarantine", "raw_payloads"):
    a, b = dict(dry[policy]), dict(run[policy])
    # The cutoff is "now" minus the age: the run's is a few seconds after the dry run's (under
    # a sanitizer the commands in between take seconds).
    if a.get("before") and b.get("before"):
        assert 0 <= when(b.pop("before")) - when(a.pop("before")) <= 60, (policy, a, b)
    assert a == b, (policy, a, b)
# 1-5 (40 d) go with their receipt and outbox row; the archive's receipts (25 d) go, its
# notifications stay; the quarantined junk of 40 and 25 days goes; raw payloads of 11-13 and 6.
want = {"notifications": (5, 5, 5), "receipts": 3, "quarantine": 2, "raw_payloads": 4}
got = run["notifications"]
assert (got["rows"], got["receipts"], got["outbox_rows"]) == want["notifications"], got
assert run["receipts"]["rows"] == 3, run["receipts"]
assert run["quarantine"]["rows"] == 2 and run["quarantine"]["bytes"] > 0, run["quarantine"]
assert run["raw_payloads"]["rows"] == 4 and run["raw_payloads"]["bytes"] > 0, run["raw_payloads"]
assert run["notifications"]["days"] == 30 and run["raw_payloads"]["days"] == 10, run
print("ok")
PY
expect_eq "dry run counts = run counts" "$(cat "$T/compare")" "ok"
# Left: 11-13 (no receipts), 6 and 7; tombstones for 1-5; fingerprints of 5 mails, 3 archive
# mails and 2 junk mails.
expect_eq "counts after" "$(counts)" "5|2|0|5|1|5|10"
expect_eq "the record stays without its raw payload" \
  "$(sql "$DB" "select count(*) from notifications where key = 'id:6' and raw_payload is null and record like '%example.aq%'")" 1
again=$("$BIN" prune --db "$DB" --json)
expect_contains "a second run finds nothing" "$again" '"notifications":{"days":30,'
expect_contains "a second run removes no notification" "$again" '"rows":0,"receipts":0,"outbox_rows":0}'

# A late copy of a pruned notification (the AutoDNS mail fallback, or a resent mail) is a
# duplicate: no new notification, no outbox row, no second delivery.
rc=0
make_mail 3 | "$BIN" mail --db "$DB" -v 2>"$T/late.log" || rc=$?
expect_eq "late copy accepted" "$rc" 0
expect_contains "late copy is a duplicate" "$(cat "$T/late.log")" "duplicate id:3"
expect_eq "no second notification" "$(sql "$DB" "select count(*) from notifications where key = 'id:3'")" 0
expect_eq "no outbox row" "$(sql "$DB" "select count(*) from outbox where key = 'id:3'")" 0
expect_eq "no second delivery" "$(wc -l <"$T/records.jsonl" | tr -d ' ')" 10
"$BIN" dispatch --once --db "$DB" >/dev/null 2>&1 || fail "dispatch"
expect_eq "no second delivery after dispatch" "$(wc -l <"$T/records.jsonl" | tr -d ' ')" 10

# The archive again, after its receipts and its quarantined junk were pruned: nothing new,
# nothing quarantined again, no receipt added.
receipts=$(sql "$DB" "select count(*) from receipts")
out=$("$BIN" import --db "$DB" --json "$T/archive")
expect_contains "re-import: nothing new" "$out" '"new":0,'
expect_contains "re-import: nothing quarantined" "$out" '"quarantined":0,'
expect_contains "re-import: all skipped as seen" "$out" '"skipped":4,'
expect_eq "re-import: no receipt added" "$(sql "$DB" "select count(*) from receipts")" "$receipts"
expect_eq "re-import: quarantine still empty" "$(sql "$DB" "select count(*) from quarantine")" 0
# The mails of pruned notifications 1-5 in an archive: skipped likewise.
mkdir -p "$T/old/new" "$T/old/cur" "$T/old/tmp"
for id in 1 2; do make_mail $id >"$T/old/new/$id.mail"; done
out=$("$BIN" import --db "$DB" --json "$T/old")
expect_contains "old archive: nothing new" "$out" '"new":0,'
expect_eq "old archive: no notification back" "$(sql "$DB" "select count(*) from notifications where key in ('id:1', 'id:2')")" 0

# The report says when its window starts before what was pruned.
report=$("$BIN" report --db "$DB" --since 60d)
expect_contains "report notes the prune horizon" "$report" "retention removed arrivals before "
report=$("$BIN" report --db "$DB" --since 1d)
if [[ "$report" == *"retention removed"* ]]; then fail "report note on a window after the horizon"; else ok; fi
json=$("$BIN" report --db "$DB" --since 60d --format json)
expect_contains "report json: pruned_before" "$json" '"pruned_before": "'

# Usage errors name the key; nothing is removed.
before=$(counts)
for bad in "--raw-days=-1:raw-days" "--receipt-days=abc:receipt-days" \
  "--notification-days=1:notification-days" "--quarantine-days=1.5:quarantine-days"; do
  opt=${bad%%:*}
  key=${bad##*:}
  rc=0
  "$BIN" prune --db "$DB" "$opt" 2>"$T/bad.log" || rc=$?
  expect_eq "$opt exit status" "$rc" 64
  expect_contains "$opt names the key" "$(cat "$T/bad.log")" "$key"
done
"$BIN" prune --db "$DB" --notification-days=1 2>"$T/bad.log" || true
expect_contains "below the minimum says the minimum" "$(cat "$T/bad.log")" "minimum of 2 days"
printf '[retention]\nreceipt-days = 1\n' >"$T/small.ini"
rc=0
"$BIN" prune --db "$DB" --config "$T/small.ini" 2>"$T/bad.log" || rc=$?
expect_eq "config age below the minimum: exit status" "$rc" 64
expect_contains "config age below the minimum names the key" "$(cat "$T/bad.log")" "[retention] receipt-days"
printf '[retention]\nreceipt-days = 30\nreceipts-days = 30\n' >"$T/unknown.ini"
rc=0
"$BIN" prune --db "$DB" --config "$T/unknown.ini" 2>"$T/bad.log" || rc=$?
expect_eq "unknown [retention] key: exit status" "$rc" 1
expect_contains "unknown [retention] key is named" "$(cat "$T/bad.log")" "unknown key 'receipts-days' in [retention]"
expect_eq "bad values removed nothing" "$(counts)" "$before"

# Config keys are honoured, the command line overrides them, absent keys keep forever.
printf '[retention]\nraw-days = 12\n' >"$T/raw.ini"
out=$("$BIN" prune --db "$DB" --config "$T/raw.ini" --dry-run --json)
expect_contains "config raw-days" "$out" '"raw_payloads":{"days":12,'
expect_contains "absent keys keep forever" "$out" '"receipts":{"days":0,"before":null,"rows":0}'
out=$("$BIN" prune --db "$DB" --config "$T/raw.ini" --raw-days 3 --dry-run --json)
expect_contains "the command line overrides the config" "$out" '"raw_payloads":{"days":3,'
out=$("$BIN" prune --db "$DB" --config /dev/null)
expect_contains "no policy: kept forever" "$out" "prune: raw payloads  (raw-days 0): kept forever"

# Concurrent mail filters while prune runs (with VACUUM): every filter that exited 0 is stored.
make_maildir "$T/bulk" 3000 0
ago 45 "$BIN" import --db "$DB" --json "$T/bulk" >/dev/null || fail "bulk import"
for id in $(seq 100001 100300); do make_mail $id >"$T/mail.$id"; done
ls "$T"/mail.* >"$T/list"
export BIN DB
: >"$T/prune.log"
(
  for i in 1 2 3 4 5 6; do
    "$BIN" prune --db "$DB" --busy-timeout 120000 $([ $((i % 2)) = 0 ] && echo --vacuum) >>"$T/prune.log" 2>&1 \
      || echo "prune exit $?" >>"$T/prune.log"
  done
) &
prune_pid=$!
xargs -P 4 -n 1 sh -c '"$BIN" mail --db "$DB" --busy-timeout 120000 <"$1" 2>/dev/null || echo "$1 exit $?"' _ \
  <"$T/list" >"$T/failures"
wait "$prune_pid"
expect_eq "filters during prune: non-zero exit statuses" "$(wc -l <"$T/failures" | tr -d ' ')" 0
expect_eq "prune runs during filters: failures" "$(grep -c 'exit' "$T/prune.log" || true)" 0
expect_contains "prune removed the old bulk" "$(cat "$T/prune.log")" "removed 3000, with 3000 receipts and 3000 outbox rows"
expect_eq "filters during prune: all stored" \
  "$(sql "$DB" "select count(*) from notifications where id between 100001 and 100300")" 300
expect_eq "filters during prune: all receipts" \
  "$(sql "$DB" "select count(*) from receipts where key in (select key from notifications where id between 100001 and 100300)")" 300
expect_eq "old bulk pruned" "$(sql "$DB" "select count(*) from pruned_keys")" 3005
expect_eq "integrity" "$(sql "$DB" "pragma integrity_check")" "ok"
finish
