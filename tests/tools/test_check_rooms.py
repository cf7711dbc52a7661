#!/usr/bin/env python3
"""test_check_rooms.py — check_rooms.py finds each kind of offence in a small tree of its
own and passes a tree that keeps the order."""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_rooms.py")

CLEAN = {
    "util/text.hpp": "#include <string>\n",
    "core/notification.hpp": '#include "util/text.hpp"\n',
    "mail/extract.cpp": '#include <mimetic/mimetic.h>\n#include "core/notification.hpp"\n',
    "parse/parse.hpp": '#include "core/notification.hpp"\n',
    "store/store.hpp": '#include "core/notification.hpp"\n',
    "store/store.cpp": '#include "store/store.hpp"\n#include "store/sqlite/sqlite_store.hpp"\n',
    "store/sqlite/sqlite_store.hpp": '#include "store/store.hpp"\n#include "parse/parse.hpp"\n',
    "ingest/pipeline.hpp": '#include "mail/extract.cpp"\n#include "store/store.hpp"\n',
    "app/cmd.cpp": '#include "ingest/pipeline.hpp"\n#include <boost/program_options.hpp>\n',
    "main.cpp": '#include "app/cmd.cpp"\n',
}

# One offence each: file -> (added line, the words the report must hold).
OFFENCES = {
    "core/up.hpp": ('#include "ingest/pipeline.hpp"\n', "room core includes ingest, a room above"),
    "mail/peer.hpp": ('#include "parse/parse.hpp"\n', "room mail includes its peer parse"),
    "parse/lib.cpp": ("#include <mimetic/mimetic.h>\n", "<mimetic/mimetic.h> outside its room"),
    "util/gone.cpp": ('#include "util/missing.hpp"\n', '"util/missing.hpp" is no file under src/'),
    "store/other.cpp": ('#include "store/sqlite/sqlite_store.hpp"\n',
                        "room store includes store/sqlite, a room above"),
    "attic/old.cpp": ("\n", "attic/: a folder that is not a declared room"),
    "../CMakeLists.txt": ("add_library(x src/main.cpp app/cmd.cpp src/store/store.cpp)\n",
                          "mail/extract.cpp: not in any source list of CMakeLists.txt"),
}


# The clean tree's build file names each .cpp of it.
CMAKE = ("add_library(x src/main.cpp app/cmd.cpp mail/extract.cpp src/store/store.cpp\n"
         "  parse/lib.cpp util/gone.cpp store/other.cpp attic/old.cpp)\n")


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def run(root):
    p = subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as top:
        clean = os.path.join(top, "src")
        write_tree(clean, CLEAN)
        write_tree(top, {"CMakeLists.txt": CMAKE})
        rc, out = run(clean)
        if rc != 0 or out:
            print(f"FAIL: a tree that keeps the order: exit {rc}, reported:\n{out}")
            failures += 1
        else:
            print("ok: a tree that keeps the order passes")
    for rel, (line, want) in OFFENCES.items():
        with tempfile.TemporaryDirectory() as top:
            root = os.path.join(top, "src")
            write_tree(root, CLEAN)
            write_tree(top, {"CMakeLists.txt": CMAKE})
            write_tree(root, {rel: line})
            rc, out = run(root)
            lines = out.splitlines()
            if rc == 1 and len(lines) == 1 and want in lines[0]:
                print(f"ok: {rel}: {lines[0]}")
            else:
                print(f"FAIL: {rel}: want exit 1 and one line with {want!r}; got exit {rc}:\n{out}")
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
