#!/usr/bin/env bash
# The import against a ground truth the program does not make: a Maildir written by the
# benchmark's generator (../shared/bench/gen_maildir.py, deterministic for a seed), whose
# per-mail truth (<out>.truth.jsonl) and expected counts (<out>.manifest.json) are checked
# with the generator's own verifier (verify_db.py) and mail by mail: every mail ends as a
# stored record or a recognized duplicate (a receipt naming its file) or, when the generator
# broke it, in quarantine.
source "$(dirname "$0")/lib.sh"
export AUTODNS_NOTIFY_CONFIG=/dev/null
BENCH=${AUTODNS_SHARED_BENCH:-$SRC/../shared/bench}
for tool in gen_maildir.py verify_db.py; do
  [ -f "$BENCH/$tool" ] || { echo "FAIL: $BENCH/$tool is missing" >&2; exit 1; }
done

MD=$T/md
python3 "$BENCH/gen_maildir.py" --count 400 --seed 7 --jobs 1 --out "$MD" >/dev/null
DB=$T/truth.sqlite
status=0
"$BIN" import --db "$DB" --json --no-progress "$MD" >"$T/summary" 2>"$T/err" || status=$?
expect_eq "import exit" "$status" 0

# The manifest's expected counts against the import's summary.
expect_eq "summary against the manifest" "$(python3 - "$MD.manifest.json" "$T/summary" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))["expected"]
got = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
pairs = [("mails", want["parsed"] + want["failed"]), ("new", want["new"]),
         ("duplicate", want["duplicate"]), ("quarantined", want["failed"])]
bad = ["%s: got %s, want %s" % (k, got.get(k), v) for k, v in pairs if got.get(k) != v]
print("; ".join(bad) or "ok")
PY
)" ok

# The generator's verifier, with the query bench/run.sh uses for this schema.
query="SELECT id, kind, COALESCE(json_extract(record,'\$.job_type'), type), status_code, object_value FROM notifications WHERE id IS NOT NULL"
status=0
verdict=$(python3 "$BENCH/verify_db.py" --truth "$MD.truth.jsonl" --db "$DB" --query "$query") || status=$?
expect_eq "verify_db.py: exit ($verdict)" "$status" 0
expect_contains "verify_db.py: verdict" "$verdict" "missing 0, extra 0, field mismatches 0, repeated ids 0"

# Mail by mail: where did each file end?
expect_eq "every mail accounted for" "$(python3 - "$MD.truth.jsonl" "$DB" <<'PY'
import json, os, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
receipts = {}
for key, locator in db.execute("SELECT key, locator FROM receipts"):
    receipts.setdefault(os.path.basename(locator), []).append(key)
quarantined = {os.path.basename(l) for (l,) in db.execute("SELECT locator FROM quarantine")}
bad = []
for line in open(sys.argv[1], encoding="utf-8"):
    t = json.loads(line)
    name = os.path.basename(t["file"])
    if t["malformed"]:
        if name not in quarantined:
            bad.append("%s (broken: %s) not quarantined" % (name, t["malformed"]))
        if name in receipts:
            bad.append("%s (broken) has a receipt" % name)
    elif t["id"] is not None:
        if receipts.get(name) != ["id:" + t["id"]]:
            bad.append("%s: receipts %s, want [id:%s]" % (name, receipts.get(name), t["id"]))
    elif name not in receipts:
        bad.append("%s (no id) has no receipt" % name)
print("; ".join(bad[:5]) or "ok")
PY
)" ok

# A second import changes nothing: every mail is recognized.
status=0
"$BIN" import --db "$DB" --json --no-progress "$MD" >"$T/summary2" 2>/dev/null || status=$?
expect_eq "second import exit" "$status" 0
expect_contains "second import: nothing new" "$(tail -n 1 "$T/summary2")" '"new":0,'
expect_eq "second import: the notifications unchanged" "$(sql "$DB" "select count(*) from notifications")" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expected"]["new"])' "$MD.manifest.json")"
finish
