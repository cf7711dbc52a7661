#!/usr/bin/env bash
# The goldens against an oracle that shares no code with the program: tests/tools/
# record_oracle.py (Python's json, xml.etree, email and zoneinfo, reading the documented
# formats) checks every samples/payloads and samples/mail golden field by field (id, kind,
# type, task, object, stid, created, notice, status code, type and text; for EPP also the
# object type and ctid), the verdict of every mail with an .expected-error, and every mail of
# samples/maildir against what `autodns-notify parse` prints for it. The oracle itself must see a golden that is wrong.
source "$(dirname "$0")/lib.sh"
export AUTODNS_NOTIFY_CONFIG=/dev/null
ORACLE=$SRC/tests/tools/record_oracle.py

inputs=()
for f in "$SRC"/samples/payloads/*.expected.jsonl "$SRC"/samples/mail/*.expected.jsonl \
  "$SRC"/samples/mail/*/*.expected.jsonl; do
  inputs+=("${f%.expected.jsonl}")
done
expect_eq "goldens found" "$((${#inputs[@]} >= 60))" 1
# A mail that gives no record has its verdict in .expected-error (an empty .expected.jsonl
# beside it is optional): the oracle must read no record from it and come to the same verdict
# (malformed or not_notification).
errors=0
for f in "$SRC"/samples/mail/*.expected-error "$SRC"/samples/mail/*/*.expected-error; do
  [ -e "$f" ] || continue
  errors=$((errors + 1))
  [ -e "${f%.expected-error}.expected.jsonl" ] || inputs+=("${f%.expected-error}")
done
expect_eq "mails with an .expected-error found" "$((errors >= 10))" 1
status=0
python3 "$ORACLE" check "${inputs[@]}" >"$T/goldens.out" || status=$?
expect_eq "samples/payloads and samples/mail: the goldens agree with the oracle ($(tail -n 3 "$T/goldens.out" | tr '\n' ' '))" "$status" 0

maildir=("$SRC"/samples/maildir/cur/* "$SRC"/samples/maildir/new/*)
expect_eq "samples/maildir mails" "$((${#maildir[@]} >= 200))" 1
status=0
python3 "$ORACLE" check-parse "$BIN" "${maildir[@]}" >"$T/maildir.out" || status=$?
expect_eq "samples/maildir: parse agrees with the oracle ($(tail -n 3 "$T/maildir.out" | tr '\n' ' '))" "$status" 0
expect_contains "samples/maildir: every mail compared" "$(tail -n 1 "$T/maildir.out")" "${#maildir[@]} input(s) compared"

# The oracle is not blind: a golden with a wrong id, a wrong time, a wrong type or a wrong
# status code or status type fails it.
f=$SRC/samples/payloads/003-autoupdate_dns_success-push.xml
for change in 's/"id":1005491840/"id":1005491841/' 's/12:52:44Z/13:52:44Z/' 's/"type":"autoupdate_dns_success"/"type":"autoupdate_dns_error"/' \
  's/"code":"S0102"/"code":"S0103"/' 's/"type":"success"/"type":"error"/'; do
  cp "$f" "$T/probe.xml"
  sed "$change" "$f.expected.jsonl" >"$T/probe.xml.expected.jsonl"
  status=0
  python3 "$ORACLE" check "$T/probe.xml" >/dev/null || status=$?
  expect_eq "the oracle sees a golden changed by $change" "$status" 1
done
# The same for a job's task and task name, a status text and the EPP fields (object type,
# transaction ids, notice, a status taken from paResult or from the extension's code).
probe() { # FILE SED-CHANGE: the oracle must fail the golden of FILE changed by SED-CHANGE
  local ext=${1##*.} status=0
  cp "$1" "$T/probe.$ext"
  sed "$2" "$1.expected.jsonl" >"$T/probe.$ext.expected.jsonl"
  expect_eq "$(basename "$1"): $2 changes the golden" "$(cmp -s "$1.expected.jsonl" "$T/probe.$ext.expected.jsonl"; echo $?)" 1
  python3 "$ORACLE" check "$T/probe.$ext" >/dev/null || status=$?
  expect_eq "the oracle sees $(basename "$1")'s golden changed by $2" "$status" 1
}
P=$SRC/samples/payloads
probe "$P/001-domaincreate-poll.json" 's/"type":"DomainCreate"/"type":"DomainUpdate"/'
probe "$P/001-domaincreate-poll.xml" 's/"task":"0101"/"task":"0102"/'
probe "$P/003-autoupdate_dns_error-push.json" 's/"task":null/"task":"0102"/'
probe "$P/epp-domain_create_error-poll.xml" 's/registered.","type":"error"/not registered.","type":"error"/'
probe "$P/epp-domain_create_error-poll.xml" 's/"type":"DomainCreate"/"type":null/'
probe "$P/epp-host_update-infdata-extension-poll.xml" 's/"type":"host"/"type":"domain"/'
probe "$P/epp-host_update-infdata-extension-poll.xml" 's/"ctid":"host-update-99"/"ctid":null/'
probe "$P/epp-host_update-infdata-extension-poll.xml" 's/"code":"S0102008","text"/"code":"S0102","text"/'
probe "$P/epp-contact_create-pandata-poll.xml" 's/"stid":"20240701-app2-5150"/"stid":null/'
probe "$P/epp-contact_create-pandata-poll.xml" 's/"type":"success"/"type":"error"/'
probe "$P/epp-domain_transfer_out-trndata-poll.xml" 's/"notice":"Transfer requested."/"notice":null/'
probe "$P/001-epp-poll-reply.xml" 's/"notice":null/"notice":"Command completed successfully"/'

# ... and a mail golden that lost one of the mail's notifications, or a changed verdict.
m=$SRC/samples/mail/messy/digest-three-entries.eml
cp "$m" "$T/probe.eml"
head -n 1 "$m.expected.jsonl" >"$T/probe.eml.expected.jsonl"
status=0
python3 "$ORACLE" check "$T/probe.eml" >/dev/null || status=$?
expect_eq "the oracle sees a digest golden with one of its two records" "$status" 1
m=$SRC/samples/mail/messy/xml-cut-off-before-footer.eml
rm -f "$T/probe.eml.expected.jsonl"
cp "$m" "$T/probe.eml"
printf 'not_notification\ntruncated XML\n' >"$T/probe.eml.expected-error"
status=0
python3 "$ORACLE" check "$T/probe.eml" >/dev/null || status=$?
expect_eq "the oracle sees a malformed mail's verdict changed to not_notification" "$status" 1
finish
