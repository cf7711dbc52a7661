#!/usr/bin/env python3
"""A loopback HTTP receiver for the handler tests.

Binds 127.0.0.1 on a free port (port 0), writes the port to PORT_FILE once it listens, and
appends one JSON line per request to LOG: path, Idempotency-Key, Content-Type, the record key
from the body, and the status it answered. The first FAIL requests get HTTP 500; with DELAY,
each request waits that many seconds before it is answered.

usage: http_receiver.py PORT_FILE LOG [FAIL] [DELAY]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_path = sys.argv[1], sys.argv[2]
fail_left = int(sys.argv[3]) if len(sys.argv) > 3 else 0
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
lock = threading.Lock()
log = open(log_path, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global fail_left
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            key = json.loads(body).get("key")
        except ValueError:
            key = None
        if delay:
            time.sleep(delay)
        with lock:
            status = 500 if fail_left > 0 else 200
            if fail_left > 0:
                fail_left -= 1
            log.write(json.dumps({"path": self.path,
                                  "idempotency_key": self.headers.get("Idempotency-Key"),
                                  "content_type": self.headers.get("Content-Type"),
                                  "authorization": self.headers.get("Authorization"),
                                  "key": key, "status": status}) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        reply = b"ok\n" if status == 200 else b"temporarily broken\n"
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
