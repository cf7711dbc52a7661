#!/usr/bin/env bash
# bootstrap.sh — install what is missing (Debian 12, as root), build, and run.
#   scripts/bootstrap.sh demo   build, import samples/maildir into ./demo.sqlite, print the report
#   scripts/bootstrap.sh test   build and run the whole test suite (ctest), then build it
#                               again with ASan/UBSan (BUILD_DIR-asan) and run it there too
#   scripts/bootstrap.sh build  only install and build
# Environment: BUILD_DIR (default build), AUTODNS_SANITIZE=ON for an ASan/UBSan build,
# JOBS (default: number of cores), SANITIZED_TESTS=0 to skip the second, sanitized run of
# `test` (ASAN_OPTIONS / UBSAN_OPTIONS from the environment are kept when set).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config
  libmimetic-dev libboost-dev libboost-program-options-dev libpugixml-dev nlohmann-json3-dev
  libsqlitecpp-dev libsqlite3-dev catch2 libhowardhinnant-date-dev tzdata
  libcpp-httplib-dev libssl-dev nettle-dev
  procmail maildrop python3 sqlite3 curl openssl faketime
  postfix dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve fetchmail
  chromium fonts-dejavu-core groff-base man-db systemd
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is only started by the tests, each with its own configuration directory.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAUTODNS_SANITIZE="${AUTODNS_SANITIZE:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

case "$mode" in
  build) ;;
  demo)
    rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
    "$build_dir/autodns-notify" import --db demo.sqlite samples/maildir
    "$build_dir/autodns-notify" report --db demo.sqlite --since 2000-01-01
    ;;
  test)
    # Sanitizer reports fail the test that triggers them (halt_on_error, leak check at exit).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    (cd "$build_dir" && ctest --output-on-failure -j "$jobs")
    if [ "${SANITIZED_TESTS:-1}" = 1 ] && [ "${AUTODNS_SANITIZE:-OFF}" != ON ]; then
      asan_dir=$build_dir-asan
      echo "bootstrap: the suite again with ASan/UBSan in $asan_dir" >&2
      cmake -S . -B "$asan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUTODNS_SANITIZE=ON >/dev/null
      cmake --build "$asan_dir" -j "$jobs"
      (cd "$asan_dir" && ctest --output-on-failure -j "$jobs")
    fi
    ;;
  *) echo "usage: $0 demo|test|build" >&2; exit 64 ;;
esac
