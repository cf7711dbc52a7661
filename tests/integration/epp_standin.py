#!/usr/bin/env python3
"""A local stand-in for an EPP server with a message queue (RFC 5730/5734), for tests only.

    epp_standin.py --cert PEM --key PEM --db DB --port-file FILE --log FILE
                   [--listen 127.0.0.N] [--client-ca PEM] [--user U --password P] [--fault WHEN=KIND ...]
                   [--hook WHEN=CMD ...] MESSAGE...

Listens on a free loopback port with TLS (Python's ssl; --client-ca: a client certificate
signed by that CA is required). Each connection gets a greeting; <login> checks clID and pw
(2200 when wrong); <poll op="req"/> answers the head of the queue (the MESSAGE files, EPP
responses with msgQ as AutoDNS sends them, trID/clTRID replaced by the command's) or 1300
when it is empty; <poll op="ack" msgID="N"/> removes N and answers 1000 (2303 for an id that
is not the head). At every ack it looks into the client's database DB (an SQLite file or a
PostgreSQL URI, see standin_store.py): an ack for a message that is not stored there yet is a
violation of "store, then ack". <hello/> answers
the greeting, <logout/> 1500 and closes. The log gets one line per event:
    CONNECT  LOGIN ok|refused  POLL <id>|empty|<fault>  ACK <id> ok|VIOLATION|<fault>
    HELLO  LOGOUT
Faults: WHEN is pollN or ackN (the N-th poll req / ack over all connections, from 1); KIND is
drop (close without answer), garbage (a frame that is not XML), liar (a header announcing
more bytes than follow, then close), 2400 ("command failed"; on ack the message stays queued).
Hooks: WHEN is pollN or ackN as above, or ack (every ack); the shell command CMD runs to its
end before that command is handled (an ack's before the store is looked at), e.g. to crash the
client's database server at that moment; the log gets "HOOK WHEN".
"""
import argparse
import os
import re
import socket
import socketserver
import ssl
import struct
import sys
import threading

import standin_store

NS = 'xmlns="urn:ietf:params:xml:ns:epp-1.0"'
GREETING = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp %s><greeting>"
            "<svID>EPP stand-in</svID><svDate>2024-01-01T00:00:00.0Z</svDate><svcMenu>"
            "<version>1.0</version><lang>en</lang>"
            "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
            "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>"
            "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI>"
            "<svcExtension><extURI>urn:org:domainrobot:ns:ext-1.0</extURI></svcExtension>"
            "</svcMenu><dcp><access><all/></access><statement><purpose><admin/><prov/></purpose>"
            "<recipient><ours/></recipient><retention><stated/></retention></statement></dcp>"
            "</greeting></epp>") % NS


def result(code, text, cltrid, extra=""):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp %s><response><result code=\"%d\">"
            "<msg>%s</msg></result>%s<trID><clTRID>%s</clTRID><svTRID>standin-sv</svTRID></trID>"
            "</response></epp>") % (NS, code, text, extra, cltrid)


def message_id(doc):
    m = re.search(rb'<(?:\w+:)?msgQ[^>]*\sid="(\d+)"', doc)
    return int(m.group(1)) if m else None


class State:
    def __init__(self, args):
        self.args = args
        self.queue = [open(p, "rb").read() for p in args.messages]
        self.lock = threading.Lock()
        self.counts = {"poll": 0, "ack": 0}
        self.faults = dict(f.split("=", 1) for f in args.fault)
        self.hooks = dict(h.split("=", 1) for h in args.hook)

    def log(self, line):
        with open(self.args.log, "a") as f:
            f.write(line + "\n")

    def next_fault(self, what):
        """Counts the command, runs its hooks; returns its fault (or None)."""
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


def read_frame(sock):
    header = b""
    while len(header) < 4:
        chunk = sock.recv(4 - len(header))
        if not chunk:
            return None
        header += chunk
    (total,) = struct.unpack(">I", header)
    if total < 5 or total > 1 << 20:
        return None
    body = b""
    while len(body) < total - 4:
        chunk = sock.recv(total - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def send_frame(sock, data):
    data = data.encode() if isinstance(data, str) else data
    sock.sendall(struct.pack(">I", len(data) + 4) + data)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        st = self.server.state
        try:
            conn = st.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            st.log("TLS-REFUSED %s" % type(e).__name__)
            return
        conn.settimeout(30)
        st.log("CONNECT")
        logged_in = False
        try:
            send_frame(conn, GREETING)
            while True:
                frame = read_frame(conn)
                if frame is None:
                    return
                m = re.search(rb"<clTRID>([^<]*)</clTRID>", frame)
                cltrid = m.group(1).decode() if m else ""
                if b"<hello/>" in frame:
                    st.log("HELLO")
                    send_frame(conn, GREETING)
                elif b"<login>" in frame:
                    user = re.search(rb"<clID>([^<]*)</clID>", frame)
                    pw = re.search(rb"<pw>([^<]*)</pw>", frame)
                    good = (user and pw and user.group(1).decode() == st.args.user
                            and pw.group(1).decode() == st.args.password)
                    st.log("LOGIN %s" % ("ok" if good else "refused"))
                    if good:
                        logged_in = True
                        send_frame(conn, result(1000, "Command completed successfully", cltrid))
                    else:
                        send_frame(conn, result(2200, "Authentication error", cltrid))
                elif b"<logout/>" in frame:
                    st.log("LOGOUT")
                    send_frame(conn, result(1500, "Command completed successfully; ending "
                                                  "session", cltrid))
                    return
                elif not logged_in:
                    send_frame(conn, result(2002, "Command use error", cltrid))
                elif b'op="req"' in frame:
                    fault = st.next_fault("poll")
                    with st.lock:
                        head = st.queue[0] if st.queue else None
                    if fault == "drop":
                        st.log("POLL drop")
                        return
                    if fault == "garbage":
                        st.log("POLL garbage")
                        send_frame(conn, b"\x00\x01 this is not XML \xff")
                        continue
                    if fault == "2400":
                        st.log("POLL 2400")
                        send_frame(conn, result(2400, "Command failed", cltrid))
                        continue
                    if fault == "liar":
                        st.log("POLL liar")
                        body = head or b"<epp/>"
                        conn.sendall(struct.pack(">I", len(body) + 4 + 1000) + body)
                        return
                    if head is None:
                        st.log("POLL empty")
                        send_frame(conn, result(1300, "Command completed successfully; no "
                                                      "messages", cltrid))
                        continue
                    st.log("POLL %s" % message_id(head))
                    doc = re.sub(rb"(<trID>\s*<clTRID>)[^<]*(</clTRID>)",
                                 lambda mm: mm.group(1) + cltrid.encode() + mm.group(2), head)
                    send_frame(conn, doc)
                elif b'op="ack"' in frame:
                    mm = re.search(rb'msgID="(\d+)"', frame)
                    mid = int(mm.group(1)) if mm else -1
                    fault = st.next_fault("ack")
                    if fault == "drop":
                        st.log("ACK %d drop" % mid)
                        return
                    if fault == "2400":
                        st.log("ACK %d 2400" % mid)
                        send_frame(conn, result(2400, "Command failed", cltrid))
                        continue
                    with st.lock:
                        head_id = message_id(st.queue[0]) if st.queue else None
                        if head_id != mid:
                            verdict = "unknown"
                        else:
                            verdict = "ok" if st.stored(mid) else "VIOLATION"
                            st.queue.pop(0)
                    st.log("ACK %d %s" % (mid, verdict))
                    if verdict == "unknown":
                        send_frame(conn, result(2303, "Object does not exist", cltrid))
                    else:
                        extra = '<msgQ count="%d" id="%d"/>' % (len(st.queue), mid)
                        send_frame(conn, result(1000, "Command completed successfully",
                                                cltrid, extra))
                else:
                    send_frame(conn, result(2000, "Unknown command", cltrid))
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--client-ca")
    p.add_argument("--db", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--user", default="user")
    p.add_argument("--password", default="secret")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--hook", action="append", default=[])
    p.add_argument("--listen", default="127.0.0.1", help="loopback address to listen on")
    p.add_argument("messages", nargs="*")
    args = p.parse_args()
    state = State(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    state.context = ctx
    server = Server((args.listen, 0), Handler)
    server.state = state
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))

    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
