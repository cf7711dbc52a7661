#!/usr/bin/env python3
"""Known content for tests/integration/test_report.sh.

  report_fixture.py mails DIR NOW     write the notification mails (created relative to NOW)
  report_fixture.py seed DB NOW       push/poll arrivals and outbox rows, as the push receiver,
                                      the poller and the dispatcher would write them
  report_fixture.py expect DB NOW     print the expected figures as JSON (delays from the
                                      receipts the binary wrote)

Times are Unix seconds. XML times are Europe/Berlin wall-clock time, as AutoDNS writes them.
"""
import json
import os
import sqlite3
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

H = 3600
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(t):
    return datetime.fromtimestamp(t, BERLIN).strftime("%Y-%m-%d %H:%M:%S")


def from_berlin(text):
    """The instant a Berlin wall-clock time denotes; in the autumn fold the earlier one (CEST),
    as docs/formats.md says the parser reads it."""
    local = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BERLIN, fold=0)
    return int(local.timestamp())


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def push_mail(mid, msg_id, type_, domain, created, status=("S0102", "success", "")):
    code, stype, text = status
    text_xml = "<text>%s</text>" % text if text else ""
    return (
        "Message-ID: <%s@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n"
        "Subject: AutoDNS notification %s\nContent-Type: text/xml; charset=utf-8\n\n"
        "<message><domain><name>%s</name></domain><type>%s</type><status><code>%s</code>"
        "<type>%s</type>%s</status><id>%d</id><stid>stid-%d</stid><created>%s</created>"
        "</message>\n" % (msg_id, type_, domain, type_, code, stype, text_xml, mid, mid, berlin(created))
    )


def job_mail(mid, job_id, domain, created, code, stype):
    return (
        "Message-ID: <job-%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n"
        "Subject: AutoDNS job %d\nContent-Type: text/xml\n\n"
        "<response><result><data><message><id>%d</id><owner><user>ops</user><context>4</context>"
        "</owner><job><job_id>%d</job_id><status><code>%s</code><type>%s</type><object>"
        "<type>domain</type><value>%s</value></object></status><stid>stid-%d</stid></job>"
        "<created>%s</created></message></data><status><code>S0905</code><type>success</type>"
        "</status></result></response>\n"
        % (mid, mid, mid, job_id, code, stype, domain, mid, berlin(created))
    )


def mails(out, now):
    os.makedirs(out, exist_ok=True)
    m = {
        "01-a": push_mail(9000001, "a", "autoupdate_dns_success", "late.example", now - 30 * H),
        "02-a-again": push_mail(9000001, "a2", "autoupdate_dns_success", "late.example", now - 30 * H),
        "03-b": push_mail(9000002, "b", "autoupdate_dns_success", "quick.example", now - 2 * H),
        "04-c": push_mail(9000003, "c", "transfer_start", "pushed.example", now - 26 * H),
        "05-d": push_mail(9000004, "d", "autoupdate_dns_success", "polled.example", now - 5 * H),
        "06-e": push_mail(9000006, "e", "autoupdate_dns_error", "example.de", now - 3 * H,
                          ("E0102", "error", "Zone check failed")),
        "07-e2": push_mail(9000007, "e2", "autoupdate_dns_error", "example.net", now - 3 * H,
                           ("E0102", "error", "Zone check failed")),
        "08-g": job_mail(9100001, 777, "open.example", now - 3 * H, "N0101", "notify"),
        "09-h1": job_mail(9100002, 778, "closed.example", now - 6 * H, "N0101", "notify"),
        "10-h2": job_mail(9100003, 778, "closed.example", now - 1 * H, "S0101", "success"),
    }
    for name, text in m.items():
        with open(os.path.join(out, name + ".eml"), "w") as f:
            f.write(text)


def seed(db, now):
    con = sqlite3.connect(db, timeout=30)
    rows = [
        # key, id, type, object, created, channel, arrivals
        (9000003, "transfer_start", "pushed.example", now - 26 * H, "push", [now - 25 * H]),
        (9000004, "autoupdate_dns_success", "polled.example", now - 5 * H, "poll", [now - 4 * H]),
        (9200001, "transfer_start", "pollonly.example", now - 49 * H, "poll", [now - 48 * H, now - 47 * H]),
        (9200002, "autoupdate_dns_success", "pushonly.example", now - 11 * H, "push", [now - 10 * H]),
    ]
    for mid, type_, domain, created, channel, arrivals in rows:
        key = "id:%d" % mid
        record = {"key": key, "id": mid, "kind": "notify", "type": type_, "task": None,
                  "status": {"type": None, "code": None, "text": None},
                  "object": {"type": "domain", "value": domain}, "created": iso(created),
                  "format": "json", "job_id": None}
        con.execute(
            "INSERT INTO notifications (key, id, kind, type, object_type, object_value, created, "
            "format, record, raw_payload, first_channel, first_received_at) VALUES "
            "(?, ?, 'notify', ?, 'domain', ?, ?, 'json', ?, '{}', ?, ?)",
            (key, mid, type_, domain, iso(created), json.dumps(record), channel, iso(arrivals[0])))
        for t in arrivals:
            con.execute("INSERT INTO receipts (key, channel, locator, received_at) VALUES (?, ?, ?, ?)",
                        (key, channel, channel + "-test", iso(t)))
    con.execute(
        "INSERT INTO outbox (key, handler, state, attempts, next_attempt_at, last_error, created_at) "
        "VALUES ('id:9000002', 'ticket', 'dead', 5, ?, 'exit status 2: ticket system down', ?)",
        (now, now - H))
    con.execute(
        "INSERT INTO outbox (key, handler, state, attempts, next_attempt_at, created_at) "
        "VALUES ('id:9200002', 'ticket', 'pending', 0, ?, ?)", (now, now))
    con.commit()


def expect(db, now):
    con = sqlite3.connect(db, timeout=30)

    def first_mail(key):
        return con.execute("SELECT min(received_at) FROM receipts WHERE key = ? AND channel = 'mail'",
                           (key,)).fetchone()[0]

    def unix(text):
        return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())

    # What each mail says, read back from its Berlin wall-clock time, so that a fixture time
    # in the autumn fold gives the instant the mail denotes, not the one it was made from.
    ago = {9000001: 30, 9000002: 2, 9000003: 26, 9000004: 5, 9000006: 3, 9000007: 3,
           9100001: 3, 9100002: 6, 9100003: 1}
    created = {mid: from_berlin(berlin(now - h * H)) for mid, h in ago.items()}
    created[1005491840] = unix("2021-05-12T12:52:44Z")
    delays = {mid: unix(first_mail("id:%d" % mid)) - c for mid, c in created.items()}
    ordered = sorted(delays.values())
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) // 2
    push_9000003 = now - 25 * H  # the seeded push arrival
    after_push = unix(first_mail("id:9000003")) - push_9000003
    d = delays[9000001]
    json.dump({"delays": {str(k): v for k, v in delays.items()}, "median": median,
               "max": ordered[-1], "created": {str(k): v for k, v in created.items()},
               "after_push_9000003": after_push,
               "delay_9000001_text": "%dh %02dm" % (d // H, d % H // 60)}, sys.stdout)


if __name__ == "__main__":
    cmd, path, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"mails": mails, "seed": seed, "expect": expect}[cmd](path, now)
