#!/usr/bin/env python3
"""A local stand-in for the AutoDNS poll API (JSON REST and XML gateway), for tests only.

    autodns_standin.py --protocol json|xml --db DB --port-file FILE --log FILE
                       [--user U --password P --context C] [--fault WHEN=KIND ...]
                       [--hook WHEN=CMD ...] REPLY...

Serves the poll replies REPLY... (files as AutoDNS sends them, e.g. samples/payloads/*-poll.*)
as a FIFO queue on a free loopback port: a fetch (GET /v1/poll, or task 0905) returns the head,
a confirm (PUT /v1/poll/{id}, or task 0906 with <message><id>) removes that id. At every
confirm it looks into the client's database DB (an SQLite file or a PostgreSQL URI, see
standin_store.py): a confirm for an id that is not stored there yet is a violation of "store,
then confirm". The log gets one line per event:
    FETCH <id>|empty|<fault>     CONFIRM <id> ok|VIOLATION|unknown     AUTH-FAILED
Faults: WHEN is fetchN or confirmN (the N-th fetch/confirm, counting from 1); KIND is
500 (HTTP 500), drop (close without answer), slow (answer after 3 s), garbage (200 with a
body that is neither JSON nor XML), lost (confirm: apply it, then drop the answer).
Hooks: WHEN is fetchN or confirmN as above, or confirm (every confirm); the shell command CMD
runs to its end before that request is handled (a confirm's before the store is looked at),
e.g. to crash the client's database server at that moment; the log gets "HOOK WHEN".
"""
import argparse
import base64
import json
import os
import re
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standin_store

EMPTY_JSON = json.dumps({"stid": "standin-empty", "status": {
    "code": "S0905", "text": "The notification was polled successfully.", "type": "SUCCESS"},
    "object": {"type": "Message", "summary": 0}})
EMPTY_XML = ("<response><result><data><summary>0</summary></data><status><code>S0905</code>"
             "<text>The notification was polled successfully.</text><type>success</type>"
             "</status></result><stid>standin-empty</stid></response>")


def message_id(doc):
    m = re.search(rb'"id"\s*:\s*(\d+)', doc) or re.search(rb"<id>\s*(\d+)\s*</id>", doc)
    return int(m.group(1)) if m else None


class State:
    def __init__(self, args):
        self.args = args
        self.queue = [open(p, "rb").read() for p in args.replies]
        self.lock = threading.Lock()
        self.counts = {"fetch": 0, "confirm": 0}
        self.faults = dict(f.split("=", 1) for f in args.fault)
        self.hooks = dict(h.split("=", 1) for h in args.hook)

    def log(self, line):
        with open(self.args.log, "a") as f:
            f.write(line + "\n")

    def next_fault(self, what):
        """Counts the event, runs its hooks; returns its fault (or None)."""
        with self.lock:
            self.counts[what] += 1
            when = "%s%d" % (what, self.counts[what])
        for name in (what, when):
            if name in self.hooks:
                self.log("HOOK %s" % name)
                standin_store.run_hook(self.hooks[name])
        return self.faults.get(when)

    def stored(self, mid):
        return standin_store.stored(self.args.db, "id:%d" % mid)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up (a "slow" fault outlasting its timeout)
            pass
        self.close_connection = True

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def fault(self, kind, ctype):
        """Applies a fault before the normal answer; True when the request is finished."""
        if kind == "500":
            self.answer(500, "internal server error", "text/plain")
            return True
        if kind == "drop":
            self.drop()
            return True
        if kind == "garbage":
            self.answer(200, b"\x00\x01 this is not a reply \xff", ctype)
            return True
        if kind == "slow":
            time.sleep(3)
        return False

    def fetch(self, ctype, empty):
        st = self.server.state
        kind = st.next_fault("fetch")
        if kind:
            st.log("FETCH %s" % kind)
        if self.fault(kind, ctype):
            return
        with st.lock:
            head = st.queue[0] if st.queue else None
        st.log("FETCH %s" % (message_id(head) if head else "empty"))
        self.answer(200, head if head else empty, ctype)

    def confirm(self, mid, ok_body, ctype):
        st = self.server.state
        kind = st.next_fault("confirm")
        if kind:
            st.log("CONFIRM-FAULT %s" % kind)
        if kind != "lost" and self.fault(kind, ctype):
            return
        with st.lock:
            ids = [message_id(d) for d in st.queue]
            if mid not in ids:
                st.log("CONFIRM %s unknown" % mid)
                known = False
            else:
                st.log("CONFIRM %s %s" % (mid, "ok" if st.stored(mid) else "VIOLATION"))
                del st.queue[ids.index(mid)]
                known = True
        if kind == "lost":
            self.drop()
            return
        if known:
            self.answer(200, ok_body, ctype)
        elif ctype.startswith("application/json"):
            self.answer(404, json.dumps({"status": {"code": "E0906", "type": "ERROR",
                                                    "text": "Message not found."}}), ctype)
        else:
            self.answer(200, "<response><result><status><code>E0906</code><type>error</type>"
                             "<text>Message not found.</text></status></result></response>",
                        ctype)

    def json_auth_ok(self):
        a = self.server.state.args
        want = "Basic " + base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
        return (self.headers.get("Authorization") == want and
                self.headers.get("X-Domainrobot-Context") == a.context)

    def do_GET(self):
        st = self.server.state
        if st.args.protocol != "json" or self.path != "/v1/poll":
            return self.answer(404, "not found", "text/plain")
        if not self.json_auth_ok():
            st.log("AUTH-FAILED")
            return self.answer(401, json.dumps({"status": {"code": "E0011", "type": "ERROR",
                               "text": "Authentication failed."}}), "application/json")
        self.fetch("application/json", EMPTY_JSON)

    def do_PUT(self):
        st = self.server.state
        m = re.fullmatch(r"/v1/poll/(\d+)", self.path)
        if st.args.protocol != "json" or not m:
            return self.answer(404, "not found", "text/plain")
        if not self.json_auth_ok():
            st.log("AUTH-FAILED")
            return self.answer(401, "{}", "application/json")
        mid = int(m.group(1))
        ok = json.dumps({"stid": "standin", "status": {"code": "S0906", "type": "SUCCESS",
                         "text": "The notification was confirmed successfully."},
                         "object": {"type": "message", "value": str(mid)}})
        self.confirm(mid, ok, "application/json")

    def do_POST(self):
        st = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if st.args.protocol != "xml" or self.path != "/":
            return self.answer(404, "not found", "text/plain")
        try:
            req = ET.fromstring(body)
        except ET.ParseError:
            return self.answer(200, "<response><result><status><code>E0001</code><type>error"
                               "</type></status></result></response>", "text/xml")
        a = st.args
        if (req.findtext("auth/user"), req.findtext("auth/password"),
                req.findtext("auth/context")) != (a.user, a.password, a.context):
            st.log("AUTH-FAILED")
            return self.answer(200, "<response><result><status><code>E0011</code><type>error"
                               "</type><text>Authentication failed.</text></status></result>"
                               "</response>", "text/xml")
        code = req.findtext("task/code")
        if code == "0905":
            return self.fetch("text/xml", EMPTY_XML)
        if code == "0906":
            mid = int(req.findtext("task/message/id") or "0")
            ok = ("<response><result><data><summary>0</summary><message><id>%d</id></message>"
                  "</data><status><code>S0906</code><text>The notification was confirmed "
                  "successfully.</text><type>success</type></status></result></response>" % mid)
            return self.confirm(mid, ok, "text/xml")
        self.answer(200, "<response><result><status><code>E0000</code><type>error</type>"
                    "</status></result></response>", "text/xml")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--protocol", choices=["json", "xml"], default="json")
    p.add_argument("--db", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--user", default="user")
    p.add_argument("--password", default="secret")
    p.add_argument("--context", default="4")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--hook", action="append", default=[])
    p.add_argument("replies", nargs="*")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
