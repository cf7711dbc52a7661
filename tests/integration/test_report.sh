#!/usr/bin/env bash
# report: a database with known content, built with the real binary (mail, import) plus the
# push/poll arrivals and outbox rows those rooms write; every format must show the same figures.
source "$(dirname "$0")/lib.sh"
FIX="$SRC/tests/integration/report_fixture.py"
DB=$T/notify.sqlite
NOW=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# Quarantine: three ordinary mails. This also creates the database with its schema.
"$BIN" import --db "$DB" --no-progress "$SRC/samples/mail/other" >/dev/null
python3 "$FIX" seed "$DB" "$NOW"
python3 "$FIX" mails "$T/mails" "$NOW"
for m in "$T"/mails/*.eml; do
  rc=0
  "$BIN" mail --db "$DB" <"$m" 2>>"$T/mail.log" || rc=$?
  expect_eq "mail $(basename "$m")" "$rc" 0
done
"$BIN" import --db "$DB" --no-progress "$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml" >/dev/null
python3 "$FIX" expect "$DB" "$NOW" >"$T/expected.json"

# A fixed window of exactly eight whole UTC days that ends at the first midnight at least ten
# minutes after NOW (the mails below arrive at the real time, a little after NOW): the per-day
# table has eight days at every hour of the day.
UNTIL_T=$(( (NOW + 600) / 86400 * 86400 + 86400 ))
SINCE=$(iso $((UNTIL_T - 8 * 86400)))
UNTIL=$(iso "$UNTIL_T")
report() { "$BIN" report --db "$DB" --since "$SINCE" --until "$UNTIL" "$@"; }

# --- JSON: the full set of figures.
report --format json --output "$T/report.json"
out=$(python3 - "$T/report.json" "$T/expected.json" "$NOW" "$UNTIL_T" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2])); now = int(sys.argv[3])
until = int(sys.argv[4])
bad = []
def check(what, got, want):
    if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
check("schema", (r["schema"], r["schema_version"]), ("autodns-notify-report", 1))
check("window by", r["window"]["by"], "arrival")
t = r["totals"]
check("totals", (t["notifications"], t["new_notifications"], t["arrivals"], t["quarantined"],
                 t["errors"], t["open_jobs"], t["outbox"]),
      (12, 12, 16, 3, 2, 1, {"pending": 1, "done": 0, "dead": 1}))
ch = {c["channel"]: c for c in r["channels"]}
check("channel order", [c["channel"] for c in r["channels"]], ["mail", "push", "poll", "file"])
for name, want in {"mail": (11, 10, 3, 8, 3), "push": (2, 2, 0, 2, 0), "poll": (3, 2, 1, 2, 0),
                   "file": (0, 0, 0, 0, 0)}.items():
    c = ch[name]
    check("channel " + name, (c["arrivals"], c["notifications"], c["duplicates"],
                              c["first_arrivals"], c["quarantined"]), want)
check("file last arrival", ch["file"]["last_arrival"], None)
check("per_day total", sum(d["total"] for d in r["per_day"]), 16)
check("per_day days", len(r["per_day"]), 8)
check("per_day poll", sum(d["channels"]["poll"] for d in r["per_day"]), 3)
f = r["fallback"]; s = f["summary"]
check("fallback summary", (s["count"], s["mail_only"], s["after_push"], s["after_poll"],
                           s["fallback_24h"], s["with_delay"]), (10, 8, 1, 1, 2, 10))
check("median delay", s["median_delay_seconds"], e["median"])
check("max delay", s["max_delay_seconds"], e["max"])
rows = {x["id"]: x for x in f["rows"]}
check("fallback ids", sorted(rows), sorted(int(k) for k in e["delays"]))
for mid, d in e["delays"].items():
    check("delay %s" % mid, rows[int(mid)]["delay_seconds"], d)
check("flagged", sorted(i for i, x in rows.items() if x["fallback_24h"]), [9000001, 1005491840])
check("9000003 class", rows[9000003]["class"], "after push")
check("9000004 class", rows[9000004]["class"], "after poll")
check("9000003 first push", rows[9000003]["first_push"] is not None, True)
check("9000003 after push", rows[9000003]["after_first_seconds"], e["after_push_9000003"])
check("errors", [(g["status_code"], g["count"]) for g in r["errors"]], [("E0102", 2)])
check("error objects", sorted(n["object"]["value"] for n in r["errors"][0]["notifications"]),
      ["example.de", "example.net"])
check("error text", r["errors"][0]["notifications"][0]["status_text"], "Zone check failed")
check("open jobs", (r["open_jobs"]["total"], [j["key"] for j in r["open_jobs"]["rows"]],
                    r["open_jobs"]["rows"][0]["job_id"]), (1, ["id:9100001"], "777"))
check("open job age", r["open_jobs"]["rows"][0]["age_seconds"], until - e["created"]["9100001"])
q = r["quarantine"]
check("quarantine", (q["total"], q["by_class"]), (3, [{"class": "not a notification", "count": 3}]))
check("quarantine latest", len(q["latest"]), 3)
dl = r["dead_letters"]
check("dead letters", (dl["total"], dl["rows"][0]["handler"], dl["rows"][0]["attempts"],
                       dl["rows"][0]["last_error"], dl["rows"][0]["object"]["value"]),
      (1, "ticket", 5, "exit status 2: ticket system down", "quick.example"))
types = {(x["kind"], x["type"]): x["count"] for x in r["types"]}
check("type DomainCreate", types.get(("job", "DomainCreate")), 3)
check("type autoupdate_dns_success", types.get(("notify", "autoupdate_dns_success")), 5)
print("\n".join(bad) if bad else "ok")
PY
)
expect_eq "json figures" "$out" "ok"

# --- text: the same figures in aligned tables.
text=$(report)
expect_contains "text window" "$text" "window     $SINCE to $UNTIL"
expect_contains "text mail row" "$text" "  mail           11             10           3         8            3"
expect_contains "text poll row" "$text" "  poll            3              2           1         2            0"
expect_contains "text fallback summary" "$text" \
  "10 came by mail without or after push/poll: 8 mail only (2 fallback after 24 h), 1 after push, 1 after poll."
expect_contains "text fallback: the import note" "$text" \
  "A mail imported from an archive arrives at its import, so an old one counts as a fallback after 24 h here."
expect_contains "text flagged row" "$text" "late.example (domain)"
flagged=$(grep -cE "id:[0-9]+ +mail only +[0-9]+[dh] [0-9]+[hm] +fallback after 24 h " <<<"$text" || true)
expect_eq "text flagged rows" "$flagged" 2
expect_contains "text errors" "$text" "E0102      2  Zone check failed  example.de (autoupdate_dns_error), example.net (autoupdate_dns_error)"
expect_contains "text open job" "$text" "id:9100001  777     DomainCreate  notify N0101"
expect_contains "text dead letter" "$text" "exit status 2: ticket system down"
expect_contains "text quarantine" "$text" "not a notification      3"

# --- CSV: long form, one cell per line.
report --format csv --output "$T/report.csv"
out=$(python3 - "$T/report.csv" "$T/expected.json" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
e = json.load(open(sys.argv[2]))
bad = []
if rows[0] != ["section", "row", "column", "value"]: bad.append("header %r" % rows[0])
cells = {}
for section, row, column, value in rows[1:]:
    cells[(section, int(row), column)] = value
def check(what, got, want):
    if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
check("summary arrivals", cells[("summary", 1, "arrivals")], "16")
check("summary fallback_24h", cells[("summary", 1, "fallback_24h")], "2")
check("channel 1", [cells[("channels", 1, c)] for c in ("channel", "arrivals", "duplicates")],
      ["mail", "11", "3"])
fb = {}
for (section, row, column), value in cells.items():
    if section == "fallback": fb.setdefault(row, {})[column] = value
by_key = {r["key"]: r for r in fb.values()}
check("fallback rows", len(fb), 10)
check("delay 9000001", by_key["id:9000001"]["delay_seconds"], str(e["delays"]["9000001"]))
check("flag 9000001", by_key["id:9000001"]["flag"], "fallback after 24 h")
check("no human-only column", "delay" in by_key["id:9000001"], False)
check("errors", (cells[("errors", 1, "status_code")], cells[("errors", 1, "count")]), ("E0102", "2"))
check("dead letter", cells[("dead_letters", 1, "handler")], "ticket")
print("\n".join(bad) if bad else "ok")
PY
)
expect_eq "csv figures" "$out" "ok"

# --- HTML: one self-contained page, rendered by a real headless browser.
report --format html --output "$T/report.html"
html=$(cat "$T/report.html")
expect_eq "html has no script, link or external source" \
  "$(grep -ciE '<script|<link|src=|url\(|@import' "$T/report.html" || true)" 0
expect_eq "html only URL is the SVG namespace" \
  "$(grep -oE 'https?://[^"]*' "$T/report.html" | sort -u)" "http://www.w3.org/2000/svg"
if command -v chromium >/dev/null; then
  browse() {  # browse ARGS...: headless chromium with a fresh profile, no network services
    # Without a clock shim (test_report_clock.sh runs this file under libfaketime): the browser
    # only renders the page, and libfaketime's shared semaphore is not reachable from all of
    # chromium's processes.
    env -u LD_PRELOAD -u FAKETIME -u FAKETIME_SHARED timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
      --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
      --user-data-dir="$(mktemp -d "$T/chromium-XXXXXX")" --window-size=1200,1600 "$@" \
      "file://$T/report.html" 2>>"$T/chromium.log"
  }
  browse --screenshot="$T/report.png" >/dev/null || true
  size=$(stat -c %s "$T/report.png" 2>/dev/null || echo 0)
  expect_eq "screenshot is a PNG" "$(head -c 8 "$T/report.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
    "89504e470d0a1a0a"
  if [ "$size" -gt 30000 ]; then ok; else fail "screenshot only $size bytes (chromium log: $(tail -3 "$T/chromium.log"))"; fi
  browse --dump-dom >"$T/dom.html" || true
  out=$(python3 - "$T/dom.html" "$T/expected.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[2]))
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__(); self.bars = {}; self.tables = {}; self.table = None; self.row = None
        self.cell = None; self.cards = {}; self.card = None; self.svg = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("id") == "chart-per-day": self.svg = True
        if tag == "rect" and a.get("class") == "bar":
            self.bars[a["data-channel"]] = self.bars.get(a["data-channel"], 0) + int(a["data-count"])
        if tag == "table": self.table = a.get("id"); self.tables[self.table] = []
        if tag == "tr" and self.table: self.row = {}
        if tag == "td" and self.row is not None: self.cell = a.get("data-col"); self.row[self.cell] = ""
        if tag == "div" and a.get("id", "").startswith("card-"): self.card = a["id"][5:]
    def handle_endtag(self, tag):
        if tag == "tr" and self.row: self.tables[self.table].append(self.row)
        if tag == "tr": self.row = None
        if tag == "td": self.cell = None
        if tag == "table": self.table = None
    def handle_data(self, data):
        if self.cell and self.row is not None: self.row[self.cell] += data
        if self.card and data.strip() and self.card not in self.cards:
            self.cards[self.card] = data.strip(); self.card = None
p = Page(); p.feed(open(sys.argv[1]).read())
bad = []
def check(what, got, want):
    if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
check("chart present", p.svg, True)
check("chart bars per channel", p.bars, {"mail": 11, "push": 2, "poll": 3})
ch = {r["channel"]: r for r in p.tables.get("t-channels", [])}
check("channels table", [(c, ch[c]["arrivals"], ch[c]["duplicates"]) for c in ("mail", "push", "poll")],
      [("mail", "11", "3"), ("push", "2", "0"), ("poll", "3", "1")])
fb = p.tables.get("t-fallback", [])
check("fallback rows", len(fb), 10)
check("fallback flags", sum(1 for r in fb if r.get("flag") == "fallback after 24 h"), 2)
check("fallback 9000001", [(r["class"], r["delay"]) for r in fb if r["key"] == "id:9000001"],
      [("mail only", e["delay_9000001_text"])])
check("errors table", [(r["status_code"], r["count"]) for r in p.tables.get("t-errors", [])], [("E0102", "2")])
check("dead letters table", [r["handler"] for r in p.tables.get("t-dead_letters", [])], ["ticket"])
check("cards", (p.cards.get("notifications"), p.cards.get("fallback_24h"), p.cards.get("outbox_dead")),
      ("12", "2", "1"))
print("\n".join(bad) if bad else "ok")
PY
)
  expect_eq "html in a browser" "$out" "ok"
else
  skip_block "browser check: chromium is not installed (scripts/bootstrap.sh installs it)"
fi

# --- Prometheus: totals since the database began, written atomically, valid exposition.
mkdir "$T/textfile"
"$BIN" report --db "$DB" --format prometheus --output "$T/textfile/autodns.prom"
expect_eq "prometheus no temporary file left" "$(ls "$T/textfile")" "autodns.prom"
# A named pipe (like /dev/null or /dev/stdout) is written in place, not renamed over.
mkfifo "$T/pipe"
timeout 30 cat "$T/pipe" >"$T/from-pipe" &
reader=$!
"$BIN" report --db "$DB" --format json --output "$T/pipe"
wait "$reader" || true
expect_eq "--output to a named pipe: still a pipe" "$(stat -c %F "$T/pipe")" "fifo"
expect_contains "--output to a named pipe: the report came through" "$(head -c 200 "$T/from-pipe")" '"schema": "autodns-notify-report"'
out=$(python3 - "$T/textfile/autodns.prom" "$NOW" <<'PY'
import re, sys
now = int(sys.argv[2])
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
sample_re = re.compile(r'^(%s)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
                       r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? '
                       r'(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$' % name_re)
help_seen, type_of, samples, bad = set(), {}, {}, []
for n, line in enumerate(open(sys.argv[1]).read().split("\n"), 1):
    if line == "": continue
    if line.startswith("# HELP "):
        name = line.split()[2]; help_seen.add(name); continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        if name in type_of: bad.append("line %d: second TYPE for %s" % (n, name))
        if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
            bad.append("line %d: type %s" % (n, kind))
        type_of[name] = kind; continue
    if line.startswith("#"): continue
    m = sample_re.match(line)
    if not m: bad.append("line %d: not a sample: %r" % (n, line)); continue
    name = m.group(1)
    if name not in type_of or name not in help_seen: bad.append("line %d: no HELP/TYPE" % n)
    if type_of.get(name) == "counter" and not name.endswith("_total"):
        bad.append("counter %s without _total" % name)
    samples[(name, m.group(2) or "")] = float(m.group(3))
def check(what, got, want):
    if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
p = "autodns_notify_"
check("mail arrivals", samples.get((p + "arrivals_total", '{channel="mail"}')), 11)
check("poll duplicates", samples.get((p + "duplicates_total", '{channel="poll"}')), 1)
check("fallback 24h", samples.get((p + "fallback_24h_total", "")), 2)
check("after push", samples.get((p + "fallback_mail_total", '{class="after_push"}')), 1)
check("quarantined", samples.get((p + "quarantined_total", '{reason="not a notification"}')), 3)
check("dead", samples.get((p + "dead_letters", "")), 1)
check("outbox pending", samples.get((p + "outbox", '{state="pending"}')), 1)
check("errors", samples.get((p + "errors_total", '{code="E0102"}')), 2)
check("open jobs", samples.get((p + "open_jobs", "")), 1)
last_poll = samples.get((p + "last_arrival_timestamp_seconds", '{channel="poll"}'))
check("last poll arrival", last_poll, float(now - 4 * 3600))
check("no file arrival", (p + "last_arrival_timestamp_seconds", '{channel="file"}') in samples, False)
mail_last = samples.get((p + "last_arrival_timestamp_seconds", '{channel="mail"}'), 0)
check("last mail arrival recent", now - 5 <= mail_last <= now + 600, True)
print("\n".join(bad) if bad else "ok")
PY
)
expect_eq "prometheus exposition" "$out" "ok"

# --- usage errors name the input and the reason.
rc=0; err=$("$BIN" report --db "$DB" --since yesterday 2>&1) || rc=$?
expect_eq "bad --since exit" "$rc" 64
expect_contains "bad --since message" "$err" "cannot read --since 'yesterday'"
rc=0; err=$("$BIN" report --db "$DB" --format prometheus --since 7d 2>&1) || rc=$?
expect_eq "prometheus with window exit" "$rc" 64
rc=0; err=$("$BIN" report --db "$T/missing.sqlite" 2>&1) || rc=$?
expect_eq "missing database exit" "$rc" 1
expect_contains "missing database message" "$err" "$T/missing.sqlite"
expect_eq "missing database not created" "$(ls "$T"/missing* 2>/dev/null | wc -l)" 0
# Relative windows: 36h back includes the 9000003 push (25 h ago), not the poll-only 48 h one.
recent=$("$BIN" report --db "$DB" --since 36h --format json | python3 -c \
  'import json,sys; r=json.load(sys.stdin); print(r["totals"]["notifications"], {c["channel"]: c["arrivals"] for c in r["channels"]}["poll"])')
expect_eq "36h window" "$recent" "11 1"

finish
