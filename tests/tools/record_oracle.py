#!/usr/bin/env python3
"""record_oracle.py - an independent reference reader of the AutoDNS notification formats.

It shares nothing with autodns-notify but the documentation (../shared/seeds, DESIGN §3/§4,
docs/formats.md): Python's json, xml.etree, email and zoneinfo do the work. For each input it
derives the fields a reader can tell without interpretation -- id, kind, notify type, object
value, stid and created (XML times are Europe/Berlin wall-clock time), the status code, text
and type, a job's task and task name (by longest prefix of the status code's digits in the
task table of seed 000, which the oracle reads from $AUTODNS_SEEDS_DIR itself), and for EPP
the fields of docs/formats.md §3 (object from miscData's argument or the resData element's
namespace, status from the AutoDNS code or paResult/trStatus, stid/ctid from paTRID or the
domainrobot extension, notice from msgQ/msg) -- and compares them with the expected records
beside the input (INPUT.expected.jsonl). A field the oracle cannot tell for a record is left
out of the comparison, never guessed; a field it knows to be absent (NULL) must be null.

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


# A field the oracle knows to be null (a job whose status code is not in the task table has no
# task name): kept by record(), unlike None (not known), and compared as null.
NULL = "\0null"


def record(**fields):
    return {k: v for k, v in fields.items() if v is not None}


def task_table():
    """{digits: name} of the task table in seed 000 ("0102008DomainNameserverUpdate" lines)."""
    import glob
    import os
    seeds = os.environ.get("AUTODNS_SEEDS_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "seeds")
    paths = glob.glob(os.path.join(seeds, "000_*.txt"))
    if not paths:
        sys.exit("record_oracle: no seed 000 (the task table) in %s; set AUTODNS_SEEDS_DIR" % seeds)
    table = {}
    with open(paths[0], encoding="utf-8") as f:
        for line in f:
            m = re.fullmatch(r"(\d{4,7})([A-Z][A-Za-z]+)", line.strip())
            if m:
                table[m.group(1)] = m.group(2)
    return table


TASKS = None


def task_of(code):
    """(task, task name) of a job's status code: the longest table code that starts its digits
    (docs/formats.md "Task codes"); the digits and NULL when none does; (None, NULL) without
    a code."""
    global TASKS
    if TASKS is None:
        TASKS = task_table()
    digits = re.sub(r"^[A-Za-z]+", "", code.strip()) if isinstance(code, str) else ""
    if not digits:
        return None, NULL
    for n in range(len(digits), 3, -1):
        if digits[:n] in TASKS:
            return digits[:n], TASKS[digits[:n]]
    return digits, NULL


def json_status(st):
    """docs/formats.md, "status": a message's status object -> (code, type lower-cased, text);
    the code may be spelled resultCode. None when there is no status object."""
    if not isinstance(st, dict):
        return None
    code = st.get("code", st.get("resultCode"))
    text = st.get("text")
    return (code if isinstance(code, str) and code.strip() else None,
            st["type"].lower() if isinstance(st.get("type"), str) and st["type"].strip() else None,
            text if isinstance(text, str) and text.strip() else NULL)


def xml_status(e):
    """The same for an XML <status> element (code, type lower-cased, text)."""
    if e is None:
        return None
    code, typ = text_of(e, "code"), text_of(e, "type")
    return (code or None, typ.lower() if typ else None, text_of(e, "text") or NULL)


def with_status(r, status):
    """r with status_code / status_type / status_text from a (code, type, text) triple
    (nothing when None); a job also gets its task and task name from the code."""
    if r is not None and status is not None:
        r.update(record(status_code=status[0], status_type=status[1], status_text=status[2]))
    if r is not None and r.get("kind") == "job":
        task, name = task_of(status[0] if status else None)
        r.update(record(task=task, type=name))
    elif r is not None and r.get("kind") == "notify":
        r["task"] = NULL
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
        status = m.get("status") if isinstance(m.get("status"), dict) else m["job"].get("status")
        return with_status(record(id=as_int(m.get("id")), kind="job",
                                  object=(obj.get("value") or None), stid=m.get("stid")),
                           json_status(status))
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
        return epp_message(root)
    return []


# --- EPP (RFC 5730 poll replies; docs/formats.md §3 and §5) ----------------------------------

RESDATA_OBJECTS = ("panData", "trnData", "infData", "creData", "renData")


def namespace_word(tag):
    """The object type of an EPP element: its prefix ("domain:panData"), else the word of its
    namespace URI ("{urn:ietf:params:xml:ns:contact-1.0}panData" -> "contact")."""
    if tag.startswith("{"):
        m = re.search(r"([A-Za-z]+)-\d+(\.\d+)*$", tag[1:tag.index("}")])
        return m.group(1).lower() if m else None
    return tag.split(":")[0].lower() if ":" in tag else None


def epp_message(root):
    resp = child(root, "response")
    q = child(resp, "msgQ") if resp is not None else None
    if q is None or not q.get("id") or text_of(q, "qDate") is None:  # an ack: no message
        return []
    res = child(resp, "resData")
    res = list(res) if res is not None else []
    misc = next((e for e in res if local(e.tag) == "miscData"), None)
    message = child(misc, "message") if misc is not None else None
    code = message.get("code") if message is not None else None
    text = text_of(message, "text") if message is not None else None
    otype = ovalue = None
    argument = child(message, "argument") if message is not None else None
    if argument is not None and (argument.text or "").strip():
        otype, ovalue = (argument.get("type") or "").lower() or None, argument.text.strip()
    else:
        for e in res:
            if local(e.tag) in RESDATA_OBJECTS:
                otype = namespace_word(e.tag)
                ovalue = text_of(e, "name") or text_of(e, "id") or text_of(e, "roid")
                break
    pan = next((e for e in res if local(e.tag) == "panData"), None)
    trn = next((e for e in res if local(e.tag) == "trnData"), None)
    trid = child(pan, "paTRID") if pan is not None else None
    stid, ctid = text_of(trid, "svTRID"), text_of(trid, "clTRID")
    ext = child(resp, "extension")
    for e in (ext if ext is not None else []):  # an AutoDNS extension fills what is empty
        for x in [e] + list(e):
            code = code or x.get("code") or text_of(x, "code")
            text = text or text_of(x, "text")
            stid, ctid = stid or text_of(x, "stid"), ctid or text_of(x, "ctid")
    stype = None
    if code:
        stype = {"S": "success", "E": "error", "N": "notify"}.get(code.strip()[:1].upper())
    elif pan is not None:
        result = next((c.get("paResult") for c in pan if c.get("paResult") is not None), None)
        stype = {"1": "success", "0": "error", "true": "success", "false": "error"}.get(
            (result or "").strip().lower())
    elif trn is not None:
        st = text_of(trn, "trStatus") or ""
        if st in ("clientApproved", "serverApproved"):
            stype = "success"
        elif st.endswith("Rejected") or st.endswith("Cancelled"):
            stype = "error"
        elif st == "pending":
            stype = "notify"
    task, name = task_of(code)
    return [record(id=as_int(q.get("id")), kind="job", created=iso_to_utc(text_of(q, "qDate")),
                   notice=text_of(q, "msg") or NULL, object=ovalue, object_type=otype,
                   stid=stid or NULL, ctid=ctid or NULL, status_code=code or NULL,
                   status_text=text or NULL, status_type=stype, task=task or NULL, type=name)]


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
                  "status_type": (w.get("status") or {}).get("type"),
                  "status_text": (w.get("status") or {}).get("text"),
                  "object_type": (w.get("object") or {}).get("type"),
                  "ctid": w.get("ctid"), "task": w.get("task")}
        for field, value in g.items():
            mine, theirs = (None if value == NULL else value), golden[field]
            if field == "object":
                mine, theirs = lower(mine), lower(theirs)
            if field in ("notice", "status_text"):  # trimmed lines: compare the words
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
                shown = {k: (None if v == NULL else v) for k, v in r.items()}
                print(json.dumps(dict(shown, file=path), sort_keys=True))
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
