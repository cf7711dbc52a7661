#!/usr/bin/env python3
"""record_oracle.py - an independent reference reader of the AutoDNS notification formats.

It shares nothing with autodns-notify but the documentation (../shared/seeds, DESIGN §3/§4,
docs/formats.md): Python's json, xml.etree, email and zoneinfo do the work. For each input it
derives the fields a reader can tell without interpretation -- id, kind, notify type, object
value, stid and created (XML times are Europe/Berlin wall-clock time) -- and compares them with
the expected records beside the input (INPUT.expected.jsonl). Fields the oracle cannot tell
for a record (a job's task name, EPP details) are left out of the comparison, never guessed.

    record_oracle.py check FILE...     compare with FILE.expected.jsonl; exit 1 on a mismatch
    record_oracle.py check-parse BIN FILE...
                                       compare with what `BIN parse FILE` prints (for inputs
                                       without goldens, such as samples/maildir)
    record_oracle.py show FILE...      print what the oracle reads, one JSON line per record

Inputs ending in .eml are mails: every leaf part is decoded with the email package (transfer
encoding and charset) and the first part that holds records gives them. Other inputs are bare
payloads (JSON, XML or EPP, or a Standard text with its XML inside).
"""
import datetime
import email
import email.policy
import json
import re
import sys
import xml.etree.ElementTree as ET

try:
    from zoneinfo import ZoneInfo
    BERLIN = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - tzdata is installed by scripts/bootstrap.sh
    BERLIN = None

OBJECT_TAGS = ("domain", "handle", "zone", "contact", "certificate", "ssl", "redirect", "user")


def as_int(v):
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def berlin_to_utc(text):
    """'2021-05-12 14:52:44' (Berlin wall-clock) -> '2021-05-12T12:52:44Z'."""
    if not text or BERLIN is None:
        return None
    m = re.fullmatch(r"\s*(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)\s*", text)
    if not m:
        return None
    local = datetime.datetime(*map(int, m.groups()), tzinfo=BERLIN)
    return local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_to_utc(text):
    """An ISO 8601 time with a zone (JSON, EPP) -> UTC 'Z' form, or None."""
    if not isinstance(text, str):
        return None
    t = text.strip().replace("Z", "+00:00")
    t = re.sub(r"\.\d+", "", t)
    t = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", t)
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        return None
    if d.tzinfo is None:
        return None
    return d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(**fields):
    return {k: v for k, v in fields.items() if v is not None}


# --- JSON ------------------------------------------------------------------------------------

def json_message(m):
    if not isinstance(m, dict):
        return None
    obj = m.get("object") if isinstance(m.get("object"), dict) else {}
    if isinstance(m.get("notify"), dict):
        return record(id=as_int(m.get("id")), kind="notify", type=m["notify"].get("type"),
                      object=(obj.get("value") or None), stid=m.get("stid"))
    if isinstance(m.get("job"), dict):
        return record(id=as_int(m.get("id")), kind="job", object=(obj.get("value") or None),
                      stid=m.get("stid"))
    return None


def read_json(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("data"), list):  # a poll reply: the outer stid belongs to the call
        out = []
        for item in doc["data"]:
            r = json_message(item.get("message", item) if isinstance(item, dict) else None)
            if r:
                out.append(r)
        return out
    if isinstance(doc.get("notification"), dict):  # a bare event without id
        n = doc["notification"]
        return [record(kind="notify", type=n.get("type"), object=n.get("domain") or n.get("zone"),
                       created=iso_to_utc(n.get("timestamp")))]
    r = json_message(doc)  # a push body
    return [r] if r else []


# --- XML -------------------------------------------------------------------------------------

def local(tag):
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def child(e, name):
    for c in e:
        if local(c.tag) == name:
            return c
    return None


def text_of(e, name):
    c = child(e, name) if e is not None else None
    return c.text.strip() if c is not None and c.text and c.text.strip() else None


def object_value(e):
    """The first object element below e (<domain><name>, <zone><name>, <handle><alias>...)."""
    if e is None:
        return None
    for c in e:
        if local(c.tag) in OBJECT_TAGS:
            return text_of(c, "name") or text_of(c, "alias") or (c.text or "").strip() or None
    return None


def xml_message(m, push):
    mid = as_int(text_of(m, "id"))
    created = berlin_to_utc(text_of(m, "created"))
    if child(m, "notify") is not None:
        n = child(m, "notify")
        return record(id=mid, kind="notify", type=text_of(n, "type") or text_of(m, "type"),
                      object=object_value(n), stid=text_of(m, "stid") or text_of(n, "stid"),
                      created=created)
    if child(m, "job") is not None:
        return record(id=mid, kind="job", object=object_value(child(m, "job")), created=created)
    if push and text_of(m, "type"):  # a push body: no <notify> wrapper
        return record(id=mid, kind="notify", type=text_of(m, "type"), object=object_value(m),
                      stid=text_of(m, "stid"), created=created)
    return None


def read_xml(text):
    text = text.strip().lstrip("\ufeff")
    if re.match(r"^(message|response|notification|epp)\b", text):  # '<' lost in the docs
        text = "<" + text
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        return None
    name = local(root.tag)
    if name == "response":
        data = child(child(root, "result") or root, "data") if child(root, "result") is not None else None
        out = []
        for m in (data if data is not None else []):
            if local(m.tag) == "message":
                r = xml_message(m, push=False)
                if r:
                    out.append(r)
        return out
    if name == "message":
        r = xml_message(root, push=True)
        return [r] if r else []
    if name == "notification":
        return [record(kind="notify", type=text_of(root, "type"), object=object_value(root)
                       or text_of(root, "zone") or text_of(root, "domain"))]
    if name == "epp":
        resp = child(root, "response")
        q = child(resp, "msgQ") if resp is not None else None
        if q is None or not q.get("id") or text_of(q, "qDate") is None:  # an ack: no message
            return []
        return [record(id=as_int(q.get("id")), created=iso_to_utc(text_of(q, "qDate")))]
    return []


# --- Inputs ----------------------------------------------------------------------------------

def read_payload(text):
    """The records of one body, or None when it holds none the oracle can read."""
    s = text.strip().lstrip("\ufeff")
    if s.startswith("{"):
        return read_json(s) or None
    got = read_xml(s)
    if got:
        return got
    # A Standard text: the XML document inside it.
    m = re.search(r"<(\?xml|response|message|epp|notification)\b", s)
    if m and m.start() > 0:
        return read_payload(s[m.start():])
    return None


def read_mail(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if part.is_multipart():
            continue
        raw_text = str(part.get_payload(decode=False))
        cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        # docs/mime.md: a character outside the base64 alphabet makes the body invalid, and a
        # text part keeps its raw text (Python's decoder would skip the character).
        if cte == "base64" and re.search(r"[^A-Za-z0-9+/=\s]", raw_text):
            got = read_payload(raw_text)
            if got:
                return got
            continue
        try:
            body = part.get_content()
        except Exception:
            payload = part.get_payload(decode=True) or b""
            body = payload.decode("utf-8", "replace")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if isinstance(body, email.message.EmailMessage):
            continue
        # Invalid base64 in a text part falls back to the raw text (DESIGN §5).
        got = read_payload(body) or read_payload(raw_text)
        if got:
            return got
    return []


def read_file(path):
    raw = open(path, "rb").read()
    if path.endswith(".eml") or "/maildir/" in path:
        return read_mail(raw)
    for enc in ("utf-8", "iso-8859-1"):
        try:
            return read_payload(raw.decode(enc)) or []
        except UnicodeDecodeError:
            continue
    return []


def expected(path):
    try:
        with open(path + ".expected.jsonl", encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return None


def parsed(binary, path):
    import subprocess
    out = subprocess.run([binary, "parse", path], capture_output=True).stdout.decode("utf-8")
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def compare(path, want=None, source="the golden"):
    """Mismatches between the oracle and FILE.expected.jsonl, or `want` read from `source`
    (empty when they agree)."""
    if want is None:
        want = expected(path)
    if want is None:
        return ["%s: no .expected.jsonl" % path]
    got = read_file(path)
    if len(got) != len(want):
        return ["%s: the oracle reads %d record(s), %s has %d" % (path, len(got), source, len(want))]
    bad = []
    for i, (g, w) in enumerate(zip(got, want)):
        golden = {"id": w.get("id"), "kind": w.get("kind"), "type": w.get("type"),
                  "object": (w.get("object") or {}).get("value"), "stid": w.get("stid"),
                  "created": w.get("created")}
        for field, value in g.items():
            mine = value.lower() if isinstance(value, str) and field == "object" else value
            theirs = golden[field]
            if isinstance(theirs, str) and field == "object":
                theirs = theirs.lower()
            if mine != theirs:
                bad.append("%s record %d: %s is %r in %s, the oracle reads %r"
                           % (path, i + 1, field, golden[field], source, value))
    return bad


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "check-parse", "show"):
        sys.stderr.write(__doc__)
        return 64
    if argv[1] == "show":
        for path in argv[2:]:
            for r in read_file(path):
                print(json.dumps(dict(r, file=path), sort_keys=True))
        return 0
    problems, compared = [], 0
    binary = argv[2] if argv[1] == "check-parse" else None
    for path in argv[3:] if binary else argv[2:]:
        if binary:
            problems += compare(path, parsed(binary, path), "the output of parse")
        else:
            problems += compare(path)
        compared += 1
    for p in problems:
        print(p)
    print("record_oracle: %d input(s) compared, %d mismatch(es)" % (compared, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
