#!/usr/bin/env bash
# The man page is the reference: every option of every command's --help, every key of the
# config file (autodns-notify --config-keys, from the program's own schema) in its section,
# and the exit statuses of the program's own list, which the user guide's table repeats and
# each command's --help draws from.
source "$(dirname "$0")/lib.sh"
MAN=$SRC/docs/autodns-notify.1
# Every secret the program can be given, set: no --help may show one (finish() searches the
# help texts written below).
export AUTODNS_PASSWORD=$(secret -poll) AUTODNS_PUSH_PASSWORD=$(secret -push)
export AUTODNS_PUSH_TOKEN=$(secret -token)
printf '[poll]\npassword = %s\n[serve]\npath-token = %s\n' "$(secret -cfg-poll)" "$(secret -cfg-token)" \
  >"$T/secrets.ini"
holds_secret "$T/secrets.ini"
export AUTODNS_NOTIFY_CONFIG=$T/secrets.ini
for cmd in parse mail import serve poll dispatch report prune backup; do
  "$BIN" "$cmd" --help >"$T/help.$cmd" 2>&1 || fail "$cmd --help exit status"
done
"$BIN" --help >"$T/help.top"
"$BIN" --config-keys >"$T/keys"
out=$(python3 - "$MAN" "$T" "$SRC/docs/user-guide.md" <<'PY'
import glob, os, re, sys
man_path, tmp, guide_path = sys.argv[1:4]
man = open(man_path).read()
bad = []
def plain(text):
    return re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\(em", "-")
plain_man = plain(man)
# 1. Options of every command.
for path in sorted(glob.glob(os.path.join(tmp, "help.*"))):
    cmd = path.rsplit(".", 1)[1]
    if cmd == "top": continue
    for line in open(path):
        for opt in re.findall(r"^\s+(?:-[a-z], )?(--[a-z][a-z0-9-]*)", line):
            if not re.search(re.escape(opt) + r"(?![a-z0-9-])", plain_man):
                bad.append("%s %s: not in the man page" % (cmd, opt))
# 2. Config keys, each in its section of CONFIGURATION.
conf = plain(man.split(".SH CONFIGURATION", 1)[1].split("\n.SH ", 1)[0])
blocks = {}
for block in conf.split("\n.TP\n")[1:]:
    head, _, body = block.partition("\n")
    m = re.match(r"^\.B \[(.*)\]$", head)
    name = m.group(1) if m else ("" if head.strip() == "top level" else head.strip())
    blocks[name] = body
for key in open(os.path.join(tmp, "keys")).read().split():
    section, _, word = key.rpartition(".")
    body = blocks.get(section)
    if body is None:
        bad.append("config key %s: no section [%s] in CONFIGURATION" % (key, section)); continue
    if not re.search(r"(?<![a-z0-9-])" + re.escape(word) + r"(?![a-z0-9-])", body):
        bad.append("config key %s: not listed under [%s]" % (key, section or "top level"))
# 3. Exit statuses: the program's list, the man page and the user guide's table agree.
top = open(os.path.join(tmp, "help.top")).read().split("Exit status:", 1)[1]
program = sorted(int(x) for x in re.findall(r"^\s+(\d+)\s", top, re.M))
section = man.split(".SH EXIT STATUS", 1)[1].split("\n.SH ", 1)[0]
in_man = sorted(int(x) for x in re.findall(r"^\.TP\n\.B (\d+)$", section, re.M))
guide = re.split(r"\n## [0-9.]* *Exit statuses\n", open(guide_path).read(), 1)[1].split("\n## ", 1)[0]
in_guide = sorted(int(x) for x in re.findall(r"^\| (\d+) \|", guide, re.M))
if in_man != program: bad.append("exit statuses: man page %s, program %s" % (in_man, program))
if in_guide != program: bad.append("exit statuses: user guide %s, program %s" % (in_guide, program))
if len(program) < 5: bad.append("exit statuses: only %s found in --help" % program)
# 4. Each command's own --help lists its exit statuses, all of them from the program's list; a
#    status the program's list gives to one command ("parse: ...") is in no other command's.
commands = [p.rsplit(".", 1)[1] for p in glob.glob(os.path.join(tmp, "help.*"))]
only_for = dict((int(c), w) for c, w in re.findall(r"^\s+(\d+)\s+([a-z]+):", top, re.M)
                if w in commands)
for path in sorted(glob.glob(os.path.join(tmp, "help.*"))):
    cmd = path.rsplit(".", 1)[1]
    if cmd == "top": continue
    text = open(path).read()
    if "\nExit status:\n" not in text:
        bad.append("%s --help: no 'Exit status:' list" % cmd); continue
    own = [int(x) for x in re.findall(r"^  (\d+) +\S", text.split("\nExit status:\n", 1)[1], re.M)]
    for code in own:
        if code not in program: bad.append("%s --help: exit status %d is not in the program's list" % (cmd, code))
        if code in only_for and only_for[code] != cmd:
            bad.append("%s --help: exit status %d is %s's alone" % (cmd, code, only_for[code]))
    for code in (0, 64):
        if code not in own: bad.append("%s --help: exit status %d missing" % (cmd, code))
print("\n".join(bad) if bad else "ok")
PY
)
expect_eq "man page complete" "$out" "ok"
finish
