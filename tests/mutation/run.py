#!/usr/bin/env python3
"""Mutation run: breaks each promise of tests/mutation/mutants.py in a scratch copy of the
repository and fails unless the tests meant to catch it fail.

    tests/mutation/run.py [--work DIR] [--jobs N] [--list] [NAME...]

The scratch copy lives in DIR/tree (default: build-mutation/ beside the sources, or
$MUTATION_DIR) with its own build in DIR/tree/build, kept between runs: only files that
changed are copied again, so a run rebuilds incrementally (ccache is used when installed).
First the unchanged copy is built and every selected test must pass there (a failing test
would make every mutant look caught). Then, for each mutant: apply it, rebuild its targets,
run its tests (ctest -R, with its environment), restore the file. A mutant is *caught* when a
test fails; it *survives* when they all pass; it is an *error* when it no longer applies
(its text is not found exactly once) or does not compile. Exit 0 only when every mutant was
caught. Logs: DIR/logs/NAME.log.
"""
import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutants import MUTANTS  # noqa: E402


def tracked_files():
    """The repository's files: git's list (tracked and new, not ignored), or without git every
    file outside the build directories."""
    try:
        out = subprocess.run(["git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(SOURCE):
            rel_root = os.path.relpath(root, SOURCE)
            dirs[:] = [d for d in dirs if not (rel_root == "." and (d.startswith("build")
                                                                    or d in (".git", "out")))
                       and d != "__pycache__"]
            files += [os.path.normpath(os.path.join(rel_root, n)) for n in names
                      if n != ".git" and not n.endswith(".pyc")]
    return [f for f in files if os.path.isfile(os.path.join(SOURCE, f))]


def same(a, b):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def sync_tree(tree):
    """Copies the repository into tree; unchanged files keep their times (no rebuild)."""
    files = tracked_files()
    wanted = set(files)
    for f in files:
        src, dst = os.path.join(SOURCE, f), os.path.join(tree, f)
        if not same(src, dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            # Stamped now, not with the source's time: a file a mutant had changed (a run that
            # was killed before it restored it) is older than its mutated object otherwise,
            # and make would keep the mutant built in.
            os.utime(dst)
    for top in ("src", "tests", "cmake", "samples"):  # stale files would change the globs
        for root, _, names in os.walk(os.path.join(tree, top)):
            for name in names:
                rel = os.path.relpath(os.path.join(root, name), tree)
                if rel not in wanted and "__pycache__" not in rel:
                    os.remove(os.path.join(root, name))


def build_env():
    env = dict(os.environ)
    if shutil.which("ccache"):
        # The copy has the sources' layout (tree/build beside tree/src), so with paths made
        # relative and the directory left out of the hash it shares the sources' cache.
        env.setdefault("CCACHE_BASEDIR", os.path.dirname(SOURCE))
        env.setdefault("CCACHE_NOHASHDIR", "true")
    return env


def configure(tree, build, log):
    if os.path.exists(os.path.join(build, "CMakeCache.txt")):
        return
    args = ["cmake", "-S", tree, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DAUTODNS_SANITIZE=OFF"]
    if shutil.which("ccache"):
        args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    run(args, log, env=build_env(), check=True)


def run(args, log, env=None, check=False, timeout=None):
    with open(log, "a") as out:
        out.write("$ " + " ".join(args) + "\n")
        out.flush()
        try:
            rc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                                timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write("timed out after %s s\n" % timeout)
            rc = 124
    if check and rc != 0:
        sys.exit("mutation: %s failed (see %s)" % (" ".join(args[:2]), log))
    return rc


def build(build_dir, targets, jobs, log):
    args = ["cmake", "--build", build_dir, "-j", str(jobs), "--target"] + sorted(set(targets))
    return run(args, log, env=build_env())


def ctest(build_dir, regex, env_extra, jobs, log, fail_fast=False):
    """Runs the tests matching regex. With fail_fast (a mutant: only whether a test fails
    matters) ctest stops at the first failing test and each test script at its first failed
    check (AUTODNS_TEST_FAIL_FAST, tests/integration/lib.sh)."""
    env = dict(os.environ)
    env.update(env_extra)
    args = ["ctest", "--test-dir", build_dir, "-R", regex, "-j", str(jobs),
            "--output-on-failure", "--timeout", "300"]
    if fail_fast:
        env["AUTODNS_TEST_FAIL_FAST"] = "1"
        args.append("--stop-on-failure")
    return run(args, log, env=env, timeout=900)


def find_target(tree, mutant):
    hits = []
    for f in tracked_files():
        if fnmatch.fnmatch(f, mutant["files"]):
            text = open(os.path.join(tree, f), encoding="utf-8").read()
            n = text.count(mutant["find"])
            if n:
                hits.append((f, n, text))
    if len(hits) != 1 or hits[0][1] != 1:
        where = ", ".join("%s (%d times)" % (f, n) for f, n, _ in hits) or "nowhere"
        return None, "its text is found %s in %s" % (where, mutant["files"])
    return hits[0], None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=os.environ.get("MUTATION_DIR",
                                                         os.path.join(SOURCE, "build-mutation")))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", os.cpu_count())))
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("names", nargs="*", help="only these mutants")
    opts = parser.parse_args()
    mutants = [m for m in MUTANTS if not opts.names or m["name"] in opts.names]
    if opts.list or not mutants:
        for m in MUTANTS:
            print("%-28s %s" % (m["name"], m["promise"]))
        return 0 if opts.list else 64

    work = os.path.abspath(opts.work)
    tree, logs = os.path.join(work, "tree"), os.path.join(work, "logs")
    build_dir = os.path.join(tree, "build")
    os.makedirs(logs, exist_ok=True)
    started = time.monotonic()
    sync_tree(tree)
    # The tests find the documentation seeds and the benchmark tools beside the repository.
    shared, link = os.path.join(os.path.dirname(SOURCE), "shared"), os.path.join(work, "shared")
    if os.path.isdir(shared) and not os.path.lexists(link):
        os.symlink(shared, link)
    base_log = os.path.join(logs, "baseline.log")
    open(base_log, "w").close()
    configure(tree, build_dir, base_log)
    all_targets = sorted({t for m in mutants for t in m["targets"]})
    if build(build_dir, all_targets, opts.jobs, base_log) != 0:
        sys.exit("mutation: the unchanged copy does not build (see %s)" % base_log)
    checked = set()
    for m in mutants:  # every test must pass on the unchanged code, each with its environment
        key = (m["tests"], tuple(sorted(m.get("env", {}).items())))
        if key in checked:
            continue
        checked.add(key)
        if ctest(build_dir, m["tests"], m.get("env", {}), opts.jobs, base_log) != 0:
            sys.exit("mutation: the tests of %s fail on the unchanged code (see %s)"
                     % (m["name"], base_log))
    print("mutation: baseline built and passing in %.0f s" % (time.monotonic() - started))

    results = []
    for m in mutants:
        t0 = time.monotonic()
        log = os.path.join(logs, m["name"] + ".log")
        open(log, "w").close()
        hit, why = find_target(tree, m)
        if not hit:
            results.append((m, "ERROR", why, 0.0))
            continue
        path, _, original = hit
        full = os.path.join(tree, path)
        try:
            with open(full, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"], 1))
            if build(build_dir, m["targets"], opts.jobs, log) != 0:
                verdict, detail = "ERROR", "does not compile (see %s)" % log
            elif ctest(build_dir, m["tests"], m.get("env", {}), opts.jobs, log, fail_fast=True) != 0:
                verdict, detail = "caught", "by " + m["tests"]
            else:
                verdict, detail = "SURVIVED", "no test of %s failed (see %s)" % (m["tests"], log)
        finally:
            with open(full, "w", encoding="utf-8") as f:
                f.write(original)
        results.append((m, verdict, detail, time.monotonic() - t0))
        print("mutation: %-28s %-8s %5.0f s  %s" % (m["name"], verdict, results[-1][3], detail),
              flush=True)

    # Leave the copy built as the sources are, for the next run.
    build(build_dir, all_targets, opts.jobs, base_log)
    bad = [r for r in results if r[1] != "caught"]
    print("mutation: %d mutants, %d caught, %d survived, %d errors, %.0f s" % (
        len(results), len(results) - len(bad), sum(r[1] == "SURVIVED" for r in bad),
        sum(r[1] == "ERROR" for r in bad), time.monotonic() - started))
    for m, verdict, detail, _ in bad:
        print("mutation: %s %s: %s -- %s" % (verdict, m["name"], m["promise"], detail))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
