#!/usr/bin/env python3
"""check_rooms.py — the rooms of src/ include only rooms below them (docs/architecture.md).

Usage: check_rooms.py [SRC_DIR]     exit 0 when every #include keeps the order, else 1 with
                                    one line per offence: FILE:LINE: what and why

A room is a folder of src/ (store/sqlite and store/postgres are rooms of their own; the two
mains at the top of src/ form the room "main"). ROOMS below is the order, lowest first; rooms
on one line are peers and may not include each other. A file may include its own room and
any room on a lower line. THIRD_PARTY says which rooms may include a library's headers
("third-party types stay inside their room"). Every quoted include must name a file that
exists under src/, and every folder of src/ must be a declared room. When a CMakeLists.txt
sits beside SRC_DIR, every .cpp under it must be named there (the rooms' source lists are
explicit: a file missing from them would silently not be built).
"""

import os
import re
import sys

# Lowest first. One list per level; the rooms of a level are peers.
ROOMS = [
    ["util"],  # strings, charset, time, numbers, files, JSON writer, thread pool
    ["core"],  # Notification, Payload, errors: types only
    ["mail", "parse"],  # MIME, mailboxes, sender policy | JSON, XML, EPP, sniffing
    ["store"],  # the store contract, its value types and its factory
    ["store/sqlite", "store/postgres"],  # the two backends
    ["ingest"],  # the pipeline: payload -> records -> store; the import engine
    ["handlers"],  # handler interface, outbox dispatcher, exec/jsonl/http
    ["net", "report"],  # poll clients, push receiver | reconciliation model, renderers
    ["app"],  # one file per subcommand
    ["main"],  # src/main.cpp, src/main_net.cpp
]

# File -> rooms above its own that it may include, with the reason.
EXCEPTIONS = {
    # The factory opens the embedded default backend by path; the PostgreSQL backend is
    # registered by main_net.cpp, so that libpq never loads into the mail filter.
    "store/store.cpp": {"store/sqlite"},
}

# Header prefix -> rooms that may include it.
THIRD_PARTY = {
    "pqxx/": {"store/postgres"},
    "SQLiteCpp/": {"store/sqlite"},
    "sqlite3.h": {"store/sqlite"},
    "mimetic/": {"mail"},
    "pugixml.hpp": {"parse"},
    "nlohmann/": {"parse"},
    "httplib.h": {"net", "handlers"},
    "boost/asio": {"net"},
    "boost/beast": {"net"},
    "openssl/": {"net"},
    "boost/program_options": {"app", "main"},
    "date/": {"util"},
    "nettle/": {"core"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def level_of():
    levels = {}
    for i, peers in enumerate(ROOMS):
        for room in peers:
            levels[room] = i
    return levels


def room_of(rel):
    """The room of a path relative to src/ ("store/sqlite/x.cpp" -> "store/sqlite")."""
    parts = rel.split("/")
    if len(parts) == 1:
        return "main"
    if parts[0] == "store" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def check(src):
    levels = level_of()
    offences = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, src)
        if rel_dir != "." and room_of(rel_dir + "/x") not in levels:
            offences.append(f"{rel_dir}/: a folder that is not a declared room")
        for name in sorted(filenames):
            if not name.endswith((".cpp", ".hpp", ".h")):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            room = room_of(rel)
            if room not in levels:
                continue  # reported for its folder
            with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    where = f"{rel}:{number}"
                    target = m.group(2)
                    if m.group(1) == "<":
                        for prefix, allowed in THIRD_PARTY.items():
                            if target.startswith(prefix) and room not in allowed:
                                offences.append(
                                    f"{where}: <{target}> outside its room"
                                    f" ({', '.join(sorted(allowed))}), room {room}")
                        continue
                    if not os.path.isfile(os.path.join(src, target)):
                        offences.append(f'{where}: "{target}" is no file under src/')
                        continue
                    to = room_of(target)
                    if to == room or to in EXCEPTIONS.get(rel, ()):
                        continue
                    if to not in levels:
                        offences.append(f'{where}: "{target}" is in no declared room')
                    elif levels[to] == levels[room]:
                        offences.append(f'{where}: room {room} includes its peer {to}'
                                        f' ("{target}")')
                    elif levels[to] > levels[room]:
                        offences.append(f'{where}: room {room} includes {to}, a room above'
                                        f' it ("{target}")')
    return offences


def unlisted(src):
    """The .cpp files under `src` that the CMakeLists.txt beside it does not name."""
    cmake = os.path.join(src, "..", "CMakeLists.txt")
    if not os.path.isfile(cmake):
        return []
    with open(cmake, encoding="utf-8") as f:
        named = set(re.findall(r"[\w./-]+\.cpp", f.read()))
    missing = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".cpp"):
                rel = os.path.relpath(os.path.join(dirpath, name), src)
                if rel not in named and "src/" + rel not in named:
                    missing.append(f"{rel}: not in any source list of CMakeLists.txt")
    return missing


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
    if not os.path.isdir(src):
        print(f"check_rooms: {src}: no such directory", file=sys.stderr)
        return 2
    offences = check(src) + unlisted(src)
    for o in offences:
        print(o)
    if offences:
        print(f"check_rooms: {len(offences)} include(s) break the order of the rooms"
              " (docs/architecture.md)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
