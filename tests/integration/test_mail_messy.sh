#!/usr/bin/env bash
# Mail as mailboxes hold it, through the binary: several notifications in one mail (a record
# and a receipt each, each with its own part's payload), list footers, format=flowed,
# digests, bounces and automatic replies, the sender policy on forwarded messages.
source "$(dirname "$0")/lib.sh"
export AUTODNS_NOTIFY_CONFIG=/dev/null
DB=$T/notify.sqlite
M=$SRC/samples/mail/messy
run_mail() { set +e; "$BIN" mail --db "$DB" -v "$@" 2>"$T/stderr"; status=$?; set -e; }

run_mail <"$M/two-json-attachments-two-ids.eml"
expect_eq "two attachments: exit" "$status" 0
expect_contains "two attachments: log" "$(cat "$T/stderr")" "stored id:1005491844"
expect_contains "two attachments: log names both" "$(cat "$T/stderr")" "id:1012057877"
expect_contains "two attachments: -v names the second part" "$(cat "$T/stderr")" \
  'found in part 3 application/json; filename="1012057877.json"'
expect_eq "two attachments: records" "$(sql "$DB" 'select count(*) from notifications')" 2
expect_eq "two attachments: receipts" "$(sql "$DB" 'select count(*) from receipts')" 2
for pair in 1005491844:003-autoupdate_dns_success-push.json 1012057877:003-autoupdate_dns_error-push.json; do
  expect_eq "two attachments: id ${pair%%:*} stored with its own part" \
    "$(sql "$DB" "select hex(raw_payload) from notifications where key = 'id:${pair%%:*}'")" \
    "$(od -An -v -tx1 "$SRC/samples/payloads/${pair#*:}" | tr -d ' \n' | tr a-f A-F)"
done

run_mail <"$M/json-mailman-footer.eml"
expect_eq "footer: exit" "$status" 0
expect_contains "footer: duplicate of the first mail's" "$(cat "$T/stderr")" "duplicate id:1005491844"
expect_contains "footer: -v counts the ignored bytes" "$(cat "$T/stderr")" \
  "194 bytes of text after the document ignored"

run_mail <"$M/json-flowed-delsp.eml"
expect_contains "flowed: duplicate" "$(cat "$T/stderr")" "duplicate id:1012057877"

run_mail <"$M/digest-three-entries.eml"
expect_contains "digest: the new entry stored" "$(cat "$T/stderr")" "stored id:1005452977"
expect_eq "digest: receipts" "$(sql "$DB" "select count(*) from receipts where key = 'id:1005452977'")" 1

for mail in dsn-bounce-carrying-notification autoreply-quoting-json; do
  before=$(sql "$DB" 'select count(*) from receipts')
  run_mail --pass-through <"$M/$mail.eml"
  expect_eq "$mail: passed on as not a notification" "$status" 65
  expect_eq "$mail: no receipt" "$(sql "$DB" 'select count(*) from receipts')" "$before"
done

# The forwarder is allowed, the forwarded message's sender is not: quarantined, nothing stored.
run_mail --allow-from example-hosting.de <"$M/forward-attached-rfc822.eml"
expect_eq "forward, inner sender not allowed: exit" "$status" 0
expect_contains "forward, inner sender not allowed: reason" \
  "$(sql "$DB" 'select reason from quarantine')" \
  "untrusted: the message embedded as part 2: From domain autodns.example is not allowed"
run_mail --allow-from example-hosting.de --allow-from autodns.example <"$M/forward-attached-rfc822.eml"
expect_contains "forward, both allowed" "$(cat "$T/stderr")" "duplicate id:1005491844"
finish
