#!/usr/bin/env python3
"""mime_oracle.py - reference MIME extraction with Python's standard `email` package.

Prints, for each mail file, one line holding a JSON object
  {"file": <path>, "subject": <decoded subject or null>,
   "candidates": [{"content_type": ..., "filename": ..., "text": <decoded UTF-8 text>}, ...]}
listing the leaf parts that autodns-notify's extract_mail() offers as candidate bodies, with
the same selection and text rules (documented in docs/mime.md), but with Python's MIME parser,
transfer decoders and codecs doing the work. tests/unit/test_mail_extract.cpp ([oracle]) compares the
two. Standard library only.

Usage: mime_oracle.py MAIL.eml...
"""
import codecs
import email
import email.header
import email.policy
import json
import re
import sys
from html.parser import HTMLParser

ALIASES = {
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8",
    "us": "us-ascii", "ascii": "us-ascii", "ansi_x3.4-1968": "us-ascii", "iso646-us": "us-ascii",
    "latin1": "iso-8859-1", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1",
    "iso_8859-1": "iso-8859-1", "l1": "iso-8859-1", "cp819": "iso-8859-1",
    "latin9": "iso-8859-15", "iso8859-15": "iso-8859-15",
    "cp1252": "windows-1252", "win-1252": "windows-1252", "x-cp1252": "windows-1252",
}
BLOCKS = {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
          "blockquote", "hr"}
SKIPPED = {"head", "title", "script", "style"}


def canonical(label):
    label = (label or "").strip().strip("\"'").lower().split("*")[0]
    return ALIASES.get(label, label)


def guess(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def to_text(data, label):
    cs = canonical(label)
    if cs in ("", "us-ascii"):
        return guess(data)
    if cs == "utf-8":
        return data.decode("utf-8", "replace")
    try:
        codecs.lookup(cs)
    except LookupError:
        return guess(data)
    return data.decode(cs, "replace")


class TextOfHtml(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = None

    def handle_starttag(self, tag, attrs):
        if self.skip:
            return
        if tag in SKIPPED:
            self.skip = tag
        elif tag == "br":
            self.out.append("\n")
        elif tag in BLOCKS:
            self.newline()

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip:
                self.skip = None
            return
        if tag in BLOCKS:
            self.newline()

    def newline(self):
        text = "".join(self.out)
        if text and not text.endswith("\n"):
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data.replace("\xa0", " "))


def html_to_text(s):
    p = TextOfHtml()
    p.feed(s)
    p.close()
    return "".join(p.out)


XML_DECL = re.compile(r"""(<\?xml\s[^>]{0,500}?encoding\s*=\s*)(["'])([^"']*)\2""")


def fix_xml_decl(text):
    return XML_DECL.sub(lambda m: m.group(0) if canonical(m.group(3)) == "utf-8"
                        else m.group(1) + m.group(2) + "UTF-8" + m.group(2), text)


def xml_declared_encoding(data):
    m = re.match(rb"""(?:\xef\xbb\xbf)?[ \t\n]*<\?xml\s[^>]{0,500}?encoding\s*=\s*["']([^"']*)["']""", data)
    return m.group(1).decode("latin-1") if m else ""


def textual(ctype):
    main, _, sub = ctype.partition("/")
    if main == "text" or sub.endswith("+xml") or sub.endswith("+json"):
        return True
    return ctype in ("application/json", "application/xml", "application/x-json")


def looks_textual(data):
    head = data[:8192]
    return not any((c < 0x20 and c not in (9, 10, 12, 13)) or c == 0x7F for c in head)


def unflow(text, delsp):
    """RFC 3676 section 4.2 reader, written from the RFC: joins soft-broken lines (ending in a
    space, not the signature separator) with the next line of the same quote depth."""
    lines = text.split("\n")
    out, para, para_depth = [], None, 0
    for i, line in enumerate(lines):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        soft = content.endswith(" ") and content != "-- " and i + 1 < len(lines)
        if soft and delsp:
            content = content[:-1]
        if para is not None and depth != para_depth:
            out.append(para)
            para = None
        if para is None:  # quoted lines come back as "> text" (one space after the marks)
            para, para_depth = (">" * depth + " " if depth else "") + content, depth
        else:
            para += content
        if not soft:
            out.append(para)
            para = None
    if para is not None:
        out.append(para)
    return "\n".join(out)


def leaves(msg, in_report=False):
    """Leaf parts in document order with whether a multipart/report encloses them; the blocks
    of a message/delivery-status (which `email` parses as messages) are not leaves."""
    ctype = msg.get_content_type()
    if ctype == "message/delivery-status":
        return
    if msg.is_multipart():
        inner = in_report or ctype == "multipart/report"
        for sub in msg.get_payload():
            yield from leaves(sub, inner)
    else:
        yield msg, in_report


def candidates(msg):
    out = []
    for part, in_report in leaves(msg):
        ctype = part.get_content_type()
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # no boundary line found: the body as text
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename() or ""
        if not textual(ctype):
            if ctype != "application/octet-stream":
                continue
            if not filename.lower().endswith((".json", ".xml", ".txt")) and not looks_textual(data):
                continue
        label = part.get_content_charset()
        if "content-type" not in part:
            label = "us-ascii"
        if not label:
            if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                label = "utf-16"
            else:
                label = xml_declared_encoding(data)
        text = to_text(data, label).replace("\r\n", "\n")
        if text.startswith("\ufeff"):
            text = text[1:]
        if ctype == "text/html":
            text = html_to_text(text)
        if ctype == "text/plain" and (part.get_param("format") or "").lower() == "flowed":
            text = unflow(text, (part.get_param("delsp") or "").lower() == "yes")
        out.append({"content_type": ctype, "filename": filename, "text": fix_xml_decl(text),
                    "in_report": in_report})
    return out


def extract(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    subject = msg["subject"]
    if subject is not None:
        subject = str(email.header.make_header(email.header.decode_header(subject)))
    return {"file": path, "subject": subject, "candidates": candidates(msg)}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__.split("\n\n")[-1])
    for path in argv[1:]:
        json.dump(extract(path), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
