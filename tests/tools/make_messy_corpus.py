#!/usr/bin/env python3
"""make_messy_corpus.py - writes samples/mail/messy/: notification mails as other software
leaves them in a mailbox (list footers, flowed text, forwards, signatures, digests, bounces,
auto-replies, several notifications per mail), each with what it must give beside it.

The expected records are NOT produced by autodns-notify. Each mail carries payloads from
samples/payloads/, whose records (samples/payloads/*.expected.jsonl) are the golden records
of those payloads, checked there. The expected records of a mail are those lines, copied,
in the order the documented rule gives (docs/mime.md, "Several notifications in one mail"),
each key once, with exactly these changes, made here by hand and visible below:
  - a payload found after prose (an inline forward) is the Standard format: "format" becomes
    "standard";
  - the cp1252 mail replaces the payload's notice by a text with a euro sign, in the mail as
    it would be encoded in windows-1252, in the record as UTF-8.
A mail that must give no record gets an .expected-error file (verdict, part of the reason).

Python's `email` package (tests/tools/mime_oracle.py) checks the MIME structure and the
decoded text of every mail here ([oracle] in tests/unit/test_mail_extract.cpp).

Usage: make_messy_corpus.py [OUT_DIR]   (default: samples/mail/messy beside this repository)
Deterministic: run it again and `git diff` shows nothing.
"""
import base64
import json
import os
import quopri
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAYLOADS = os.path.join(ROOT, "samples", "payloads")

AUTODNS_HEADER = """\
Return-Path: <bounce-7f3a9c21@autodns.example>
Authentication-Results: mx1.example-hosting.de;
\tdkim=pass header.d=autodns.example header.s=mail2021 header.b=Qx7vK2pL
Message-ID: <{mid}@autodns.example>
Date: {date}
From: AutoDNS <noreply@autodns.example>
To: hostmaster@example-hosting.de
Subject: {subject}
MIME-Version: 1.0
"""


def payload(name):
    with open(os.path.join(PAYLOADS, name), encoding="utf-8") as f:
        return f.read()


def records(name):
    with open(os.path.join(PAYLOADS, name + ".expected.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dump(record):
    # The program writes records with sorted keys, no spaces, non-ASCII as UTF-8.
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def b64(text, charset="utf-8"):
    data = base64.b64encode(text.encode(charset)).decode("ascii")
    return "\n".join(data[i:i + 76] for i in range(0, len(data), 76)) + "\n"


def autodns_mail(mid, subject, content_headers, body, date="Wed, 12 May 2021 14:58:07 +0200"):
    return AUTODNS_HEADER.format(mid=mid, subject=subject, date=date) + content_headers + "\n" + body


def flow(text, width, delsp):
    """RFC 3676 encoder: soft-wraps lines longer than `width` (a trailing space marks the soft
    break; with delsp the space is added by the break and removed by the reader)."""
    out = []
    for line in text.split("\n"):
        if line.startswith((" ", ">", "From ")):
            line = " " + line  # space stuffing (4.4)
        while len(line) > width:
            if delsp:
                cut = width  # break anywhere, the reader deletes the added space
                out.append(line[:cut] + " ")
                line = line[cut:]
            else:
                cut = line.rfind(" ", 1, width)
                if cut <= 0:
                    break
                out.append(line[:cut + 1])  # the space stays at the end: soft break
                line = line[cut + 1:]
            if line.startswith((" ", ">", "From ")):
                line = " " + line
        out.append(line.rstrip(" "))
    return "\n".join(out)


MAILMAN_FOOTER = """\
_______________________________________________
registrar-ops mailing list -- registrar-ops@lists.example-hosting.de
To unsubscribe send an email to registrar-ops-leave@lists.example-hosting.de
"""
GOOGLE_FOOTER = """\
--\x20
You received this message because you are subscribed to the Google Groups "registrar-ops" group.
To unsubscribe from this group and stop receiving emails from it, send an email to registrar-ops+unsubscribe@googlegroups.com.
To view this discussion on the web visit https://groups.google.com/d/msgid/registrar-ops/1620824287.1a2b3c4d.app3%40autodns.example.
"""
LIST_HEADERS = """\
List-Id: <registrar-ops.lists.example-hosting.de>
List-Unsubscribe: <mailto:registrar-ops-leave@lists.example-hosting.de>
Precedence: list
"""


def build():
    j44 = payload("003-autoupdate_dns_success-push.json")        # id 1005491844
    j77 = payload("003-autoupdate_dns_error-push.json")          # id 1012057877, long notice
    x40 = payload("003-autoupdate_dns_success-push.xml")         # id 1005491840
    x77 = payload("003-autoupdate_deferred_success-push.xml")    # id 1005452977
    if x40.startswith("message>"):  # the seed's example lacks its first '<'
        x40 = "<" + x40
    if x77.startswith("message>"):
        x77 = "<" + x77
    r44 = records("003-autoupdate_dns_success-push.json")
    r77 = records("003-autoupdate_dns_error-push.json")
    r40 = records("003-autoupdate_dns_success-push.xml")
    r52 = records("003-autoupdate_deferred_success-push.xml")
    mails = {}

    # --- several notifications in one mail
    bnd = "==two_json_1844_7877"
    mails["two-json-attachments-two-ids.eml"] = (autodns_mail(
        "1620824300.two", "AutoDNS: 2 notifications",
        'Content-Type: multipart/mixed; boundary="%s"\n' % bnd,
        "--%s\nContent-Type: text/plain; charset=utf-8\n\nTwo notifications are attached.\n\n"
        "--%s\nContent-Type: application/json; name=\"1005491844.json\"\n"
        "Content-Disposition: attachment; filename=\"1005491844.json\"\n"
        "Content-Transfer-Encoding: base64\n\n%s"
        "--%s\nContent-Type: application/json; name=\"1012057877.json\"\n"
        "Content-Disposition: attachment; filename=\"1012057877.json\"\n"
        "Content-Transfer-Encoding: base64\n\n%s--%s--\n" % (bnd, bnd, b64(j44), bnd, b64(j77), bnd)),
        r44 + r77)
    bnd = "==same_json_twice"
    mails["same-json-in-body-and-attached.eml"] = (autodns_mail(
        "1620824301.same", "AutoDNS notification (copy attached)",
        'Content-Type: multipart/mixed; boundary="%s"\n' % bnd,
        "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n"
        "--%s\nContent-Type: application/json\n"
        "Content-Disposition: attachment; filename=\"notification.json\"\n\n%s\n--%s--\n"
        % (bnd, j44, bnd, j44, bnd)),
        r44)
    bnd = "==standard_copy"
    mails["standard-text-and-xml-attachment.eml"] = (autodns_mail(
        "1620824312.standard", "AutoDNS Benachrichtigung: autoupdate_dns_success",
        'Content-Type: multipart/mixed; boundary="%s"\n' % bnd,
        "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        "Sehr geehrte Damen und Herren,\n\nf\u00fcr Ihre Domain liegt folgende Nachricht vor:\n\n"
        "%s\nMit freundlichen Gr\u00fc\u00dfen\nIhr AutoDNS-Team\n"
        "--%s\nContent-Type: application/xml; name=\"notification.xml\"\n"
        "Content-Transfer-Encoding: base64\n\n%s--%s--\n" % (bnd, x40, bnd, b64(x40), bnd)),
        r40)  # the Standard text and its XML copy: one record, the attachment's (rank first)
    bnd = "==good_and_cut"
    mails["one-good-one-cut-attachment.eml"] = (autodns_mail(
        "1620824302.cut", "AutoDNS: notifications",
        'Content-Type: multipart/mixed; boundary="%s"\n' % bnd,
        "--%s\nContent-Type: application/json; name=\"a.json\"\n\n%s\n"
        "--%s\nContent-Type: application/json; name=\"b.json\"\n\n%s\n--%s--\n"
        % (bnd, j77[:400], bnd, j44, bnd)),
        r44)

    # --- trailing text after a complete document
    mails["json-mailman-footer.eml"] = (autodns_mail(
        "1620824303.mailman", "[registrar-ops] AutoDNS notification",
        LIST_HEADERS + "Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 7bit\n",
        j44 + MAILMAN_FOOTER),
        r44)
    mails["xml-google-groups-footer.eml"] = (autodns_mail(
        "1620824304.gg", "[registrar-ops] AutoDNS notification",
        LIST_HEADERS + "Content-Type: text/plain; charset=UTF-8\n", x40 + "\n" + GOOGLE_FOOTER),
        r40)
    mails["json-sent-from-my-phone-qp.eml"] = (autodns_mail(
        "1620824305.phone", "Fwd: AutoDNS notification",
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
        quopri.encodestring((j44 + "\n\nSent from my iPhone\n").encode()).decode("ascii")),
        r44)
    mails["xml-cut-off-before-footer.eml"] = (autodns_mail(
        "1620824306.cutfooter", "[registrar-ops] AutoDNS notification",
        LIST_HEADERS + "Content-Type: text/plain; charset=utf-8\n", x40[:600] + "\n" + MAILMAN_FOOTER),
        ("malformed", "truncated XML"))

    # --- RFC 3676 format=flowed
    mails["json-flowed.eml"] = (autodns_mail(
        "1620824307.flowed", "AutoDNS notification",
        "Content-Type: text/plain; charset=utf-8; format=flowed\nContent-Transfer-Encoding: 8bit\n",
        flow(j77, 72, False) + "\n"),
        r77)
    mails["json-flowed-delsp.eml"] = (autodns_mail(
        "1620824308.delsp", "AutoDNS notification",
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n",
        flow(j77, 60, True) + "\n"),
        r77)

    # --- cp1252 with a euro sign in the notice
    notice = "Verl\u00e4ngerung f\u00fcr 12,50 \u20ac \u2013 bitte pr\u00fcfen"
    doc = json.loads(j77)
    j77e = j77.replace(json.dumps(doc["notice"]), json.dumps(notice, ensure_ascii=False))
    assert j77e != j77
    r77e = [dict(r, notice=notice) for r in r77]
    mails["json-cp1252-euro-qp.eml"] = (autodns_mail(
        "1620824309.cp1252", "AutoDNS notification",
        "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n",
        quopri.encodestring(j77e.encode("cp1252")).decode("ascii")),
        r77e)

    # --- forwards
    forwarded = autodns_mail("1620824287.1a2b3c4d.app3", "AutoDNS notification: autoupdate_dns_success",
                             "Content-Type: text/plain; charset=utf-8\n", j44)
    mails["forward-inline-xml.eml"] = ("""\
Message-ID: <fwd-inline-1@example-hosting.de>
Date: Wed, 12 May 2021 15:10:00 +0200
From: Jana Weber <j.weber@example-hosting.de>
To: hostmaster@example-hosting.de
Subject: Fwd: AutoDNS notification
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

FYI, see below.

---------- Forwarded message ---------
From: AutoDNS <noreply@autodns.example>
Date: Wed, May 12, 2021 at 2:58 PM
Subject: AutoDNS notification
To: <hostmaster@example-hosting.de>

""" + x40 + "\n", [dict(r, format="standard") for r in r40])
    bnd = "==fwd_attached"
    mails["forward-attached-rfc822.eml"] = ("""\
Message-ID: <fwd-attached-1@example-hosting.de>
Date: Wed, 12 May 2021 15:12:00 +0200
From: Jana Weber <j.weber@example-hosting.de>
To: hostmaster@example-hosting.de
Subject: Fwd: AutoDNS notification: autoupdate_dns_success
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="%s"

--%s
Content-Type: text/plain; charset=utf-8

Forwarded as attachment.

--%s
Content-Type: message/rfc822
Content-Disposition: attachment; filename="AutoDNS notification.eml"

%s
--%s--
""" % (bnd, bnd, bnd, forwarded, bnd), r44)
    inner = forwarded
    for level in (1, 2, 3):
        b = "==fwd_level_%d" % level
        inner = """\
Message-ID: <fwd-level-%d@example-hosting.de>
From: Ops Level %d <ops%d@example-hosting.de>
Subject: Fwd: AutoDNS notification
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="%s"

--%s
Content-Type: text/plain

level %d

--%s
Content-Type: message/rfc822

%s
--%s--
""" % (level, level, level, b, b, level, b, inner, b)
    mails["forward-attached-three-levels.eml"] = ("Date: Wed, 12 May 2021 16:00:00 +0200\n" + inner, r44)

    # --- signed
    bnd = "==smime_signed"
    mails["smime-signed-json.eml"] = (AUTODNS_HEADER.format(
        mid="1620824310.smime", subject="AutoDNS notification", date="Wed, 12 May 2021 14:58:07 +0200") +
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\n'
        '\tboundary="%s"\n\nThis is an S/MIME signed message\n\n'
        "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n%s\n"
        "--%s\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\n"
        "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"smime.p7s\"\n\n%s"
        "--%s--\n" % (bnd, bnd, j44, bnd,
                      base64.encodebytes(bytes(range(256)) * 4).decode("ascii"), bnd),
        r44)
    bnd, inner_bnd = "==pgp_signed", "==pgp_mixed"
    mails["pgp-mime-signed-xml-attachment.eml"] = (AUTODNS_HEADER.format(
        mid="1620824311.pgp", subject="AutoDNS notification", date="Wed, 12 May 2021 14:58:07 +0200") +
        'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";\n'
        '\tboundary="%s"\n\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n'
        "--%s\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n"
        "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        "Sehr geehrte Damen und Herren,=0A=0Aanbei die Benachrichtigung.\n"
        "--%s\nContent-Type: application/xml; name=\"notification.xml\"\n"
        "Content-Transfer-Encoding: base64\n\n%s--%s--\n\n"
        "--%s\nContent-Type: application/pgp-signature; name=\"OpenPGP_signature.asc\"\n"
        "Content-Description: OpenPGP digital signature\n\n"
        "-----BEGIN PGP SIGNATURE-----\n\nwnsEARYIACMWIQTexampleexampleexampleexampleAAoJEexample\n"
        "=abcd\n-----END PGP SIGNATURE-----\n\n--%s--\n"
        % (bnd, bnd, inner_bnd, inner_bnd, inner_bnd, b64(x40), inner_bnd, bnd, bnd),
        r40)

    # --- digest
    bnd = "==digest_vol12"
    entry_x = AUTODNS_HEADER.format(mid="1620830000.digest2", subject="AutoDNS notification",
                                    date="Wed, 12 May 2021 16:20:00 +0200") + \
        "Content-Type: text/xml; charset=utf-8\n\n" + x77
    entry_j = AUTODNS_HEADER.format(mid="1620824287.1a2b3c4d.app3", subject="AutoDNS notification",
                                    date="Wed, 12 May 2021 14:58:07 +0200") + \
        "Content-Type: application/json\n\n" + j44
    mails["digest-three-entries.eml"] = ("""\
Message-ID: <digest.12.3@lists.example-hosting.de>
Date: Thu, 13 May 2021 00:00:01 +0200
From: registrar-ops-request@lists.example-hosting.de
To: registrar-ops@lists.example-hosting.de
Subject: registrar-ops Digest, Vol 12, Issue 3
MIME-Version: 1.0
""" + LIST_HEADERS + """\
Content-Type: multipart/mixed; boundary="==digest_outer"

--==digest_outer
Content-Type: text/plain; charset="us-ascii"

Today's Topics:

   1. Maintenance tonight (Jana Weber)
   2. AutoDNS notification (AutoDNS)
   3. AutoDNS notification (AutoDNS)

--==digest_outer
Content-Type: multipart/digest; boundary="%s"

--%s

Message-ID: <maint-1@example-hosting.de>
From: Jana Weber <j.weber@example-hosting.de>
Subject: Maintenance tonight
Content-Type: text/plain; charset=utf-8

The resolver cluster is patched tonight at 22:00.

--%s

%s
--%s

%s
--%s--

--==digest_outer--
""" % (bnd, bnd, bnd, entry_x, bnd, entry_j, bnd), r52 + r44)

    # --- bounce carrying the original
    bnd = "==dsn_report"
    mails["dsn-bounce-carrying-notification.eml"] = ("""\
Message-ID: <20210512130010.AB12C3D4@mx1.example-hosting.de>
Date: Wed, 12 May 2021 15:00:10 +0200
From: MAILER-DAEMON@mx1.example-hosting.de (Mail Delivery System)
To: hostmaster@example-hosting.de
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="%s"

--%s
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<ops-archive@example.net>: host mx.example.net[198.51.100.7] said: 552 5.2.2
    mailbox full

--%s
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example-hosting.de
Arrival-Date: Wed, 12 May 2021 14:58:07 +0200

Final-Recipient: rfc822; ops-archive@example.net
Action: failed
Status: 5.2.2

--%s
Content-Description: Undelivered Message
Content-Type: message/rfc822

%s
--%s--
""" % (bnd, bnd, bnd, bnd, forwarded, bnd), ("not_notification", "multipart/report"))

    # --- automatic replies
    quoted = "\n".join("> " + line for line in j44.rstrip("\n").split("\n"))
    mails["autoreply-quoting-json.eml"] = ("""\
Message-ID: <ooo-1@example-hosting.de>
Date: Wed, 12 May 2021 14:58:09 +0200
From: Jana Weber <j.weber@example-hosting.de>
To: AutoDNS <noreply@autodns.example>
Subject: Automatic reply: AutoDNS notification: autoupdate_dns_success for example.aq
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I am out of the office until May 17th. Your message:

""" + quoted + "\n", ("not_notification", "automatic reply"))
    mails["autoreply-x-autoreply-full-copy.eml"] = ("""\
Message-ID: <ooo-2@example-hosting.de>
Date: Wed, 12 May 2021 14:58:09 +0200
From: Support <support@example-hosting.de>
To: AutoDNS <noreply@autodns.example>
Subject: Re: AutoDNS notification
X-Autoreply: yes
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thank you for your mail. We will answer within one working day.

-----Original Message-----
""" + x40 + "\n", ("not_notification", "automatic reply"))
    mails["reply-quoting-json.eml"] = ("""\
Message-ID: <reply-1@example-hosting.de>
Date: Wed, 12 May 2021 15:30:00 +0200
From: Jana Weber <j.weber@example-hosting.de>
To: hostmaster@example-hosting.de
Subject: Re: AutoDNS notification
In-Reply-To: <1620824287.1a2b3c4d.app3@autodns.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed

Done, the name servers are fixed.

On 12.05.21 14:58, AutoDNS wrote:
""" + quoted + "\n", ("not_notification", "no JSON or XML notification"))
    return mails


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(ROOT, "samples", "mail", "messy")
    os.makedirs(out, exist_ok=True)
    for name, (text, expected) in sorted(build().items()):
        path = os.path.join(out, name)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        for suffix in (".expected.jsonl", ".expected-error"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        if isinstance(expected, tuple):
            with open(path + ".expected-error", "w", encoding="utf-8") as f:
                f.write("%s\n%s\n" % expected)
        else:
            seen, lines = set(), []
            for r in expected:
                if r["key"] not in seen:
                    seen.add(r["key"])
                    lines.append(dump(r))
            with open(path + ".expected.jsonl", "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))


if __name__ == "__main__":
    main(sys.argv)
