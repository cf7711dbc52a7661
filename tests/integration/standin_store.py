"""What the AutoDNS stand-ins (autodns_standin.py, epp_standin.py) know of the client's store.

stored(db, key): is the notification KEY stored (committed) in DB? DB is the client's SQLite
file, or a PostgreSQL URI (postgresql://..., postgres://...), asked with psql ($PSQL, else
$PG_BINDIR/psql, else psql on $PATH) in a session of its own, so that only committed rows
count. Anything that keeps the answer from being "yes" (no file, no table, the server down)
is "no": a confirm then is a violation of "store, then confirm".

run_hook(cmd): runs a shell command the test gave (e.g. "crash the server now") and waits for
it; its output goes to the stand-in's stderr.
"""
import os
import sqlite3
import subprocess


def is_postgres(db):
    return db.startswith("postgresql://") or db.startswith("postgres://")


def psql():
    if os.environ.get("PSQL"):
        return os.environ["PSQL"]
    bindir = os.environ.get("PG_BINDIR")
    if bindir and os.access(os.path.join(bindir, "psql"), os.X_OK):
        return os.path.join(bindir, "psql")
    return "psql"


def stored(db, key):
    if is_postgres(db):
        quoted = "'" + key.replace("'", "''") + "'"
        try:
            out = subprocess.run(
                [psql(), "-X", "-q", "-A", "-t", "-d", db, "-c",
                 "SELECT count(*) FROM notifications WHERE key = %s" % quoted],
                capture_output=True, text=True, timeout=30,
                env=dict(os.environ, PGCONNECT_TIMEOUT="5"))
        except (OSError, subprocess.TimeoutExpired):
            return False
        return out.returncode == 0 and out.stdout.strip() not in ("", "0")
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    except sqlite3.Error:
        return False
    try:
        return con.execute("SELECT count(*) FROM notifications WHERE key = ?",
                           (key,)).fetchone()[0] > 0
    except sqlite3.Error:
        return False
    finally:
        con.close()


def run_hook(cmd):
    if cmd:
        subprocess.run(["sh", "-c", cmd], check=False)
