#!/usr/bin/env bash
# cmake --install into a temporary prefix: binary, man page, docs, examples, procmail recipe,
# systemd units (checked with systemd-analyze verify when available), a man page that
# renders without warnings, and every installed ELF file hardened as Debian builds packages
# (hardening-check from devscripts: PIE, stack protector, FORTIFY, RELRO, BIND_NOW).
source "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$BIN")
P=$T/inst
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install: $(tail -3 "$T/install.log")"

for f in bin/autodns-notify share/man/man1/autodns-notify.1 \
  share/doc/autodns-notify/README.md share/doc/autodns-notify/user-guide.md \
  share/doc/autodns-notify/report.md share/doc/autodns-notify/formats.md \
  share/doc/autodns-notify/examples/config.ini share/doc/autodns-notify/examples/mda/maildroprc \
  share/doc/autodns-notify/examples/mda/fetchmailrc share/doc/autodns-notify/examples/mda/postfix-master.cf \
  share/doc/autodns-notify/examples/mda/dovecot-sieve.sieve share/doc/autodns-notify/procmail/procmailrc \
  share/doc/autodns-notify/examples/mda/dovecot-90-autodns-notify.conf \
  share/doc/autodns-notify/examples/mda/postfix-main.cf \
  lib/systemd/system/autodns-notify-retry-import@.service lib/systemd/system/autodns-notify-retry-import@.timer \
  lib/systemd/system/autodns-notify-serve.service lib/systemd/system/autodns-notify-poll.service \
  lib/systemd/system/autodns-notify-poll-once.service lib/systemd/system/autodns-notify-poll-once.timer \
  lib/systemd/system/autodns-notify-dispatch.service lib/systemd/system/autodns-notify-dispatch.timer \
  lib/systemd/system/autodns-notify-metrics.service lib/systemd/system/autodns-notify-metrics.timer \
  lib/systemd/system/autodns-notify-prune.service lib/systemd/system/autodns-notify-prune.timer \
  lib/systemd/system/autodns-notify-backup.service lib/systemd/system/autodns-notify-backup.timer \
  lib/sysusers.d/autodns-notify.conf; do
  if [ -s "$P/$f" ]; then ok; else fail "not installed: $f"; fi
done
if [ -x "$P/bin/autodns-notify" ]; then ok; else fail "installed binary not executable"; fi
expect_contains "installed binary runs" "$("$P/bin/autodns-notify" --help)" "report"

# Hardening: every installed ELF file passes hardening-check. Not its control-flow check: the
# build compiles with -fcf-protection, but Debian 12's C start files (Scrt1.o, crti.o) carry
# no IBT/SHSTK property, so no program linked there is marked (bookworm's dpkg-buildflags does
# not ask for it either). A sanitizer build is not the hardened default (the sanitizer takes
# FORTIFY's place), so FORTIFY is not required there.
command -v hardening-check >/dev/null || fail "hardening-check not installed (devscripts)"
sanitized=$(sed -n 's/^AUTODNS_SANITIZE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
elves=0
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  elves=$((elves + 1))
  if [ -n "$sanitized" ] && [ "$sanitized" != OFF ]; then
    out=$(hardening-check --nocfprotection --nofortify "$f" 2>&1) && ok || fail "hardening-check $f: $out"
  elif [[ "$f" == *.so ]]; then
    # The http module's few libc calls (snprintf into arrays of known size) are all proven in
    # bounds at compile time, so FORTIFY leaves no checked call for hardening-check to find;
    # that it was compiled with FORTIFY is checked from its flags instead.
    out=$(hardening-check --nocfprotection --nofortify "$f" 2>&1) && ok || fail "hardening-check $f: $out"
    expect_contains "module compiled with FORTIFY" \
      "$(cat "$BUILD/CMakeFiles/autodns-notify-http.dir/flags.make")" "-D_FORTIFY_SOURCE=2"
  else
    out=$(hardening-check --nocfprotection "$f" 2>&1) && ok || fail "hardening-check $f: $out"
  fi
done < <(find "$P" -type f -print0)
expect_eq "installed ELF files (program, helper, module)" "$elves" 3
# Debian's shared libraries, not copies of them: a security update of SQLite or pugixml
# reaches the program (AUTODNS_STATIC_DEPS=OFF is the default).
if [ "$(sed -n 's/^AUTODNS_STATIC_DEPS:BOOL=//p' "$BUILD/CMakeCache.txt")" != ON ]; then
  needed=$(readelf -d "$P/bin/autodns-notify" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  for lib in libsqlite3.so libpugixml.so libmimetic.so libnettle.so libboost_program_options.so \
    libstdc++.so; do
    expect_contains "autodns-notify links the shared $lib" "$needed" "$lib"
  done
fi

# The man page: no groff warnings, and man(1) renders it.
warnings=$(groff -ww -z -man "$P/share/man/man1/autodns-notify.1" 2>&1)
expect_eq "groff warnings" "$warnings" ""
page=$(MANWIDTH=80 man -l "$P/share/man/man1/autodns-notify.1" 2>&1)
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS CONFIGURATION "EXIT STATUS" FILES \
  ENVIRONMENT EXAMPLES "SEE ALSO"; do
  expect_contains "man page section $section" "$page" "$section"
done
expect_contains "man page documents exit 75" "$page" "EX_TEMPFAIL"

# The example configuration is accepted (every section, known and unknown to this command).
DB=$T/notify.sqlite
"$BIN" mail --db "$DB" <"$SRC/samples/mail/xml-push-1005491840-utf8-7bit-body.eml" 2>/dev/null
rc=0
out=$("$BIN" report --config "$P/share/doc/autodns-notify/examples/config.ini" --db "$DB" \
  --format json 2>&1) || rc=$?
expect_eq "report with the example configuration" "$rc" 0
expect_contains "report read the database" "$out" '"arrivals": 1'

# systemd units: syntax, directives and the binary they start.
if command -v systemd-analyze >/dev/null; then
  mkdir "$T/units"
  for u in "$P"/lib/systemd/system/*; do
    # A template is verified as an instance.
    sed "s|/usr/bin/autodns-notify|$P/bin/autodns-notify|g" "$u" >"$T/units/$(basename "$u" | sed 's/@\./@nobody./')"
  done
  out=$(cd "$T/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./*.service ./*.timer 2>&1) \
    && ok || fail "systemd-analyze verify: $out"
  expect_eq "systemd-analyze output" "$out" ""
  for s in serve poll poll-once dispatch metrics prune backup; do
    unit=$(cat "$T/units/autodns-notify-$s.service")
    for directive in "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service" \
      "CapabilityBoundingSet=" "StateDirectory=autodns-notify"; do
      expect_contains "$s unit has $directive" "$unit" "$directive"
    done
  done
else
  skip_block "unit verification: systemd-analyze is not installed (scripts/bootstrap.sh installs systemd)"
fi
finish
