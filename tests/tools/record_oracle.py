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

Inputs ending in .eml are mails, read by the rules of docs/mime.md ("Candidates", "From
candidates to notifications") on top of the email package: every leaf part is transfer- and
charset-decoded, format=flowed unwrapped (RFC 3676, delsp), HTML turned into text; JSON/XML
parts come first, then text/plain, text/html, the rest; every distinct notification of the mail
is kept once (by id); of a multipart/alternative only the first alternative that gives counts;
a complete document followed by other text is read (json.JSONDecoder.raw_decode, expat finds the
end of the root element) unless that text is a second document; nothing inside a
multipart/report and nothing of an automatic reply (RFC 3834 Auto-Submitted: auto-replied,
X-Autoreply, X-Autorespond) counts. A mail without records has a verdict: malformed when a
part starts like JSON/XML and cannot be read, else not_notification; FILE.expected-error (its
first line) must name it. Other inputs are bare payloads (JSON, XML or EPP, or a Standard text
with its XML inside), read strictly.
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


def json_status(st):
    """docs/formats.md, "status": a message's status object -> (code, type lower-cased); the
    code may be spelled resultCode. None when there is no status object."""
    if not isinstance(st, dict):
        return None
    code = st.get("code", st.get("resultCode"))
    return (code if isinstance(code, str) and code.strip() else None,
            st["type"].lower() if isinstance(st.get("type"), str) and st["type"].strip() else None)


def xml_status(e):
    """The same for an XML <status> element (code, type lower-cased)."""
    if e is None:
        return None
    code, typ = text_of(e, "code"), text_of(e, "type")
    return (code or None, typ.lower() if typ else None)


def with_status(r, status):
    """r with status_code / status_type from a (code, type) pair (nothing when None)."""
    if r is not None and status is not None:
        r.update(record(status_code=status[0], status_type=status[1]))
    return r


def other_call_success(code):
    """docs/formats.md: a success reply (an S status code) of another call than the poll
    (S0905) lists objects, it is a call's answer and no notification."""
    return isinstance(code, str) and re.fullmatch(r"S\d+", code.strip()) is not None \
        and code.strip() != "S0905"


# --- JSON ------------------------------------------------------------------------------------

def json_message(m):
    if not isinstance(m, dict):
        return None
    obj = m.get("object") if isinstance(m.get("object"), dict) else {}
    if isinstance(m.get("notify"), dict):
        return with_status(
            record(id=as_int(m.get("id")), kind="notify", type=m["notify"].get("type"),
                   object=(obj.get("value") or None), stid=m.get("stid"),
                   notice=m.get("notice") if isinstance(m.get("notice"), str) else None),
            json_status(m.get("status")))
    if isinstance(m.get("job"), dict):
        return with_status(record(id=as_int(m.get("id")), kind="job",
                                  object=(obj.get("value") or None), stid=m.get("stid")),
                           json_status(m.get("status")))
    return None


def read_json(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return read_json_doc(doc)


def read_json_doc(doc):
    """The records of one decoded JSON document, or None when it is no object."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("data"), list):  # a poll reply: the outer stid belongs to the call
        if other_call_success(doc.get("status", {}).get("code")
                              if isinstance(doc.get("status"), dict) else None):
            return []
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
        return with_status(
            record(id=mid, kind="notify", type=text_of(n, "type") or text_of(m, "type"),
                   object=object_value(n), stid=text_of(m, "stid") or text_of(n, "stid"),
                   created=created),
            xml_status(child(n, "status")))
    if child(m, "job") is not None:
        return with_status(
            record(id=mid, kind="job", object=object_value(child(m, "job")), created=created),
            xml_status(child(child(m, "job"), "status")))
    if push and text_of(m, "type"):  # a push body: no <notify> wrapper
        return with_status(
            record(id=mid, kind="notify", type=text_of(m, "type"), object=object_value(m),
                   stid=text_of(m, "stid"), created=created),
            xml_status(child(m, "status")))
    return None


def parse_without_namespaces(data):
    """The element tree of a well-formed XML document whose prefixes are not all declared
    (an AutoDNS EPP example uses domainrobot: undeclared; docs/formats.md matches elements by
    local name): expat without namespace processing feeds ElementTree's TreeBuilder."""
    import xml.parsers.expat
    builder = ET.TreeBuilder()
    p = xml.parsers.expat.ParserCreate()
    p.StartElementHandler = builder.start
    p.EndElementHandler = builder.end
    p.CharacterDataHandler = builder.data
    try:
        p.Parse(data, True)
        return builder.close()
    except (xml.parsers.expat.ExpatError, AssertionError):
        return None


def read_xml(text):
    text = text.strip().lstrip("\ufeff")
    if re.match(r"^(message|response|notification|epp)\b", text):  # '<' lost in the docs
        text = "<" + text
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        root = parse_without_namespaces(text.encode("utf-8"))
        if root is None:
            return None
    name = local(root.tag)
    if name == "response":
        result = child(root, "result")
        if result is not None and other_call_success(text_of(child(result, "status"), "code")):
            return []
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

class Malformed(Exception):
    """A body that looks like a notification format but cannot be read."""


def split_json(s, trailing_ok):
    """The JSON document at the start of s; with trailing_ok, text after it is ignored unless
    it is a second complete JSON document (docs/mime.md)."""
    try:
        doc, end = json.JSONDecoder().raw_decode(s)
    except ValueError:
        raise Malformed("JSON")
    rest = s[end:].strip()
    if rest and not trailing_ok:
        raise Malformed("text after the JSON document")
    if rest.startswith("{"):
        try:
            json.JSONDecoder().raw_decode(rest)
            raise Malformed("a second JSON document")
        except ValueError:
            pass
    return doc


def xml_document_end(data):
    """Byte offset just past the root element of the XML document in `data` (bytes), or None
    when the document is not complete (expat decides, not a regular expression)."""
    import xml.parsers.expat
    p = xml.parsers.expat.ParserCreate()
    depth = [0]
    found = [None]

    def start(*_):
        depth[0] += 1

    def stop(_):
        depth[0] -= 1
        if depth[0] == 0 and found[0] is None:
            found[0] = data.index(b">", p.CurrentByteIndex) + 1

    p.StartElementHandler = start
    p.EndElementHandler = stop
    try:
        p.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        pass
    return found[0]


def read_xml_lenient(text, trailing_ok):
    """read_xml, with text after the root element ignored (when trailing_ok) unless it starts a
    second complete XML document."""
    got = read_xml(text)
    if got is not None or not trailing_ok:
        return got
    t = text.strip().lstrip("\ufeff")
    if re.match(r"^(message|response|notification|epp)\b", t):
        t = "<" + t
    data = t.encode("utf-8")
    end = xml_document_end(data)
    if end is None:
        return None
    rest = data[end:].strip()
    if rest.startswith(b"<") and xml_document_end(rest) is not None:
        raise Malformed("a second XML document")
    return read_xml(data[:end].decode("utf-8"))


def read_payload(text, trailing_ok=False):
    """The records of one body, or None when it holds none the oracle can read. Raises
    Malformed for a body that starts like JSON or XML but cannot be read."""
    s = text.strip().lstrip("\ufeff")
    if s.startswith("{"):
        return read_json_doc(split_json(s, trailing_ok)) or None
    got = read_xml_lenient(s, trailing_ok)
    if got:
        return got
    # A Standard text: the XML document inside it.
    m = re.search(r"<(\?xml|response|message|epp|notification)\b", s)
    if m and m.start() > 0:
        return read_payload(s[m.start():], trailing_ok)
    if got is None and re.match(r"<(\?xml|response|message|epp|notification)\b", s):
        raise Malformed("XML")
    return None


# --- Mail (docs/mime.md "Candidates" and "From candidates to notifications") -----------------

JSON_XML_TYPES = ("application/json", "application/xml", "application/x-json", "text/xml",
                  "text/json")
SKIPPED_TYPES = ("message/delivery-status", "application/pkcs7-signature",
                 "application/pgp-signature", "application/pdf")


def ctype(part):
    """The content type; a multipart whose boundary never appears is read as text/plain."""
    ct = part.get_content_type()
    return "text/plain" if ct.startswith("multipart/") and not part.is_multipart() else ct


def is_json_xml(part):
    ct = ctype(part)
    name = (part.get_filename() or "").lower()
    return (ct in JSON_XML_TYPES or ct.endswith("+xml") or ct.endswith("+json")
            or name.endswith(".json") or name.endswith(".xml"))


def is_candidate(part, body):
    ct = ctype(part)
    if ct.startswith(("image/", "audio/", "video/")) or ct in SKIPPED_TYPES:
        return False
    if ct.startswith("text/") or is_json_xml(part):
        return True
    if ct == "application/octet-stream":
        name = (part.get_filename() or "").lower()
        if name.endswith((".json", ".xml", ".txt")):
            return True
        head = body[:8192]
        return not any(b < 32 and b not in (9, 10, 12, 13) for b in head)
    return False


def rank(part):
    """JSON/XML parts first, then text/plain, then text/html, then the rest."""
    if is_json_xml(part):
        return 0
    ct = ctype(part)
    return {"text/plain": 1, "text/html": 2}.get(ct, 3)


def decode_charset(part, body):
    """Bytes -> text: the charset parameter; without one a BOM or the XML declaration; else
    UTF-8 when valid, else ISO-8859-1. An unknown charset is read the same way."""
    import codecs
    cs = part.get_param("charset")
    if cs is not None:
        cs = str(cs).strip().strip('"')
        try:
            codecs.lookup(cs)
            if cs.lower().replace("-", "").replace("_", "") in ("usascii", "ascii"):
                raise LookupError  # 8-bit bytes in US-ASCII: read like a part without one
            return body.decode(cs, "replace")
        except LookupError:
            cs = None
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace")
    m = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", body)
    if m:
        try:
            return body.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("iso-8859-1")


def unflow(text, delsp):
    """RFC 3676 section 4: join soft-broken lines (ending in a space) with the next line of the
    same quote depth, remove space stuffing, with delsp=yes the soft break's space too. The
    signature separator '-- ' is never a soft break."""
    out, cur, cur_depth = [], None, None
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space stuffing (or the space after the quote marks)
        if cur is not None and depth != cur_depth:
            out.append(">" * cur_depth + cur)
            cur = None
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        cur = content if cur is None else cur + content
        cur_depth = depth
        if not flowed:
            out.append(">" * depth + cur)
            cur = None
    if cur is not None:
        out.append(">" * cur_depth + cur)
    return "\n".join(out)


def html_to_text(html):
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.out, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            if tag in ("head", "title", "script", "style"):
                self.skip += 1
            elif tag in ("br", "p", "div", "tr", "li", "pre"):
                self.out.append("\n")

        def handle_endtag(self, tag):
            if tag in ("head", "title", "script", "style"):
                self.skip = max(0, self.skip - 1)
            elif tag in ("p", "div", "tr", "li", "pre"):
                self.out.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)

    t = Text()
    t.feed(html)
    t.close()
    return "".join(t.out)


def part_texts(part):
    """The decoded texts of one leaf to try, best first (invalid base64 keeps the raw text)."""
    raw_text = str(part.get_payload(decode=False))
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte == "base64" and re.search(r"[^A-Za-z0-9+/=\s]", raw_text):
        return None, [raw_text]
    body = part.get_payload(decode=True) or b""
    text = decode_charset(part, body)
    if ctype(part) == "text/plain" and \
            str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, str(part.get_param("delsp") or "").lower() == "yes")
    if ctype(part) == "text/html":
        text = html_to_text(text)
    return body, [text, raw_text] if cte == "base64" else [text]


def is_auto_reply(msg):
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    return (auto.split(";")[0].strip() == "auto-replied" or msg.get("X-Autoreply") is not None
            or msg.get("X-Autorespond") is not None)


def leaves(entity, alts, out):
    """Leaf parts in document order with the multipart/alternative choices around them;
    nothing inside a multipart/report."""
    ct = entity.get_content_type()
    if ct == "multipart/report":
        out.append(("report", None))
        return
    if entity.is_multipart():
        for i, sub in enumerate(entity.get_payload()):
            leaves(sub, alts + ((id(entity), i),) if ct == "multipart/alternative" else alts, out)
        return
    out.append((entity, alts))


def analyze_mail(raw):
    """(records, verdict): verdict is None when records were read, else 'malformed' or
    'not_notification'."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if is_auto_reply(msg):
        return [], "not_notification"
    found = []
    leaves(msg, (), found)
    cands = []
    for n, (part, alts) in enumerate(found):
        if part == "report":
            continue
        cands.append((rank(part), n, part, alts))
    cands.sort(key=lambda c: (c[0], c[1]))
    chosen, keys, out, malformed = {}, set(), [], False
    for _, _, part, alts in cands:
        if any(chosen.get(a, i) != i for a, i in alts):
            continue  # another alternative of the same content gave the notifications
        body, texts = part_texts(part)
        if body is not None and not is_candidate(part, body):
            continue
        got = None
        for t in texts:
            try:
                got = read_payload(t, trailing_ok=True)
            except Malformed:
                malformed = True
                got = None
            if got:
                break
        if not got:
            continue
        for a, i in alts:
            chosen[a] = i
        for r in got:
            key = "id:%s" % r["id"] if "id" in r else "hash:" + json.dumps(r, sort_keys=True)
            if key not in keys:
                keys.add(key)
                out.append(r)
    if out:
        return out, None
    return [], "malformed" if malformed else "not_notification"


def read_mail(raw):
    return analyze_mail(raw)[0]


def read_file(path):
    raw = open(path, "rb").read()
    if is_mail(path):
        return read_mail(raw)
    for enc in ("utf-8", "iso-8859-1"):
        try:
            return read_payload(raw.decode(enc)) or []
        except UnicodeDecodeError:
            continue
        except Malformed:
            return []
    return []


def expected(path):
    try:
        with open(path + ".expected.jsonl", encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return None


def expected_verdict(path):
    """The verdict of FILE.expected-error (its first line), or None."""
    try:
        with open(path + ".expected-error", encoding="utf-8") as f:
            return f.readline().strip() or None
    except FileNotFoundError:
        return None


def is_mail(path):
    return path.endswith(".eml") or "/maildir/" in path


def parsed(binary, path):
    import subprocess
    out = subprocess.run([binary, "parse", path], capture_output=True).stdout.decode("utf-8")
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def lower(v):
    return v.lower() if isinstance(v, str) else v


def words(v):
    return " ".join(v.split()) if isinstance(v, str) else v


def compare(path, want=None, source="the golden"):
    """Mismatches between the oracle and FILE.expected.jsonl, or `want` read from `source`
    (empty when they agree)."""
    verdict = None
    if want is None:
        want = expected(path)
        # A mail that gives no record: FILE.expected-error holds its verdict (an empty
        # .expected.jsonl beside it is optional).
        verdict = expected_verdict(path) if not want else None
        if want is None and verdict is None:
            return ["%s: neither .expected.jsonl nor .expected-error" % path]
        want = want or []
    if verdict is not None and is_mail(path):
        got, mine = analyze_mail(open(path, "rb").read())
        if mine != verdict:
            return ["%s: the verdict is %s in the .expected-error, the oracle reads %s (%d record(s))"
                    % (path, verdict, mine or "notifications", len(got))]
    got = read_file(path)
    if len(got) != len(want):
        return ["%s: the oracle reads %d record(s), %s has %d" % (path, len(got), source, len(want))]
    bad = []
    for i, (g, w) in enumerate(zip(got, want)):
        golden = {"id": w.get("id"), "kind": w.get("kind"), "type": w.get("type"),
                  "object": (w.get("object") or {}).get("value"), "stid": w.get("stid"),
                  "created": w.get("created"), "notice": w.get("notice"),
                  "status_code": (w.get("status") or {}).get("code"),
                  "status_type": (w.get("status") or {}).get("type")}
        for field, value in g.items():
            mine, theirs = value, golden[field]
            if field == "object":
                mine, theirs = lower(mine), lower(theirs)
            if field == "notice":  # the program trims the notice's lines: compare the words
                mine, theirs = words(mine), words(theirs)
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
