#!/usr/bin/env bash
# The report of a known store is what the program printed before the report moved to
# streamed, database-side work (constant memory, bounded listings): report_samples.golden.json
# is `report --format json` of the program as of commit 6576802 over samples/maildir imported
# at a frozen clock (2026-06-01 12:00 UTC), without "generated_at" and "database". Every
# listing of that store is under the default limit, so nothing may differ (locators are
# compared from samples/ on).
source "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || { fail "faketime not installed (scripts/bootstrap.sh installs faketime)"; finish; }
at() {  # at CMD...: the binary at the frozen clock of the golden file
  FAKETIME_DONT_FAKE_MONOTONIC=1 with_clock -f "2026-06-01 12:00:00" "$@"
}
at "$BIN" import --db "$T/s.sqlite" --no-progress "$SRC/samples/maildir" >"$T/import.out"
expect_contains "import" "$(cat "$T/import.out")" "229 mails, 219 notifications, 182 new"
at "$BIN" report --db "$T/s.sqlite" --format json --since 2000-01-01 --until 2026-06-02 \
  --output "$T/report.json"
diff=$(python3 - "$T/report.json" "$SRC/tests/integration/report_samples.golden.json" <<'PY'
import json, re, sys
def plain(v):  # locators name the Maildir's files: from samples/ on, whatever the checkout
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, str): return re.sub(r"^.*?(samples/maildir/)", r"\1", v)
    return v
got = plain(json.load(open(sys.argv[1])))
want = plain(json.load(open(sys.argv[2])))
for k in ("generated_at", "database"):
    got.pop(k, None)
for k in sorted(set(got) | set(want)):
    if got.get(k) != want.get(k):
        print("%s: got %s, want %s" % (k, json.dumps(got.get(k))[:300], json.dumps(want.get(k))[:300]))
PY
)
expect_eq "the report equals the golden one" "$diff" ""
finish
