#!/usr/bin/env bash
# bootstrap.sh — install what is missing (Debian 12, as root), build, and run.
#   scripts/bootstrap.sh demo   build, import samples/maildir into ./demo.sqlite, print the report
#   scripts/bootstrap.sh test   build and run the whole test suite (ctest); then the mutation
#                               run (tests/mutation/run.py in BUILD_DIR-mutation: each mutant
#                               breaks a promise, a test must catch it); then the suite
#                               again with ASan/UBSan (BUILD_DIR-asan), the tests that run
#                               threads with ThreadSanitizer (BUILD_DIR-tsan), the style
#                               checks (scripts/check-style.sh) and the Debian package test
#                               (tests/package/test_deb.sh)
#   scripts/bootstrap.sh build  only install and build
#   scripts/bootstrap.sh deb    build the Debian package (dpkg-buildpackage -us -uc -b) in a
#                               copy of the tree under DEB_DIR (default
#                               /tmp/autodns-notify-deb), then run lintian on it
# Environment: BUILD_DIR (default build), AUTODNS_SANITIZE=ON for an ASan/UBSan build,
# JOBS (default: number of cores), SANITIZED_TESTS=0 to skip the ASan/UBSan and TSan runs of
# `test`, PACKAGE_TEST=0 to skip its package test, MUTATION_TESTS=0 to skip the mutation run
# (ASAN_OPTIONS / UBSAN_OPTIONS / TSAN_OPTIONS from the environment are kept when set). Each
# phase of `test` prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
# The tests that run threads, for the ThreadSanitizer build (a ctest -R regex).
thread_tests='^(integration\.test_(import|serve|poll|handlers_exec|handlers_http|channel_handlers|faults)|handlers: .*|.*import.*)$'

packages=(
  build-essential cmake pkg-config
  libmimetic-dev libboost-program-options-dev libboost-dev libpugixml-dev nlohmann-json3-dev
  libsqlitecpp-dev libsqlite3-dev catch2 libhowardhinnant-date-dev tzdata
  libcpp-httplib-dev libssl-dev nettle-dev libpqxx-dev postgresql
  procmail maildrop python3 sqlite3 curl openssl faketime
  postfix dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve fetchmail
  chromium fonts-dejavu-core groff-base man-db systemd
  devscripts debhelper lintian fakeroot clang-format clang-tidy ccache
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

phase_start=$SECONDS
phase() {  # phase NAME: the time the previous phase took, then NAME
  echo "bootstrap: $(date -u +%H:%M:%S) ${1} (previous phase $((SECONDS - phase_start)) s)" >&2
  phase_start=$SECONDS
}

if [ "$mode" = deb ]; then
  # A copy of the tracked files (and of the working tree's changes to them), so that the
  # package build never meets a build directory of the tree; the .deb lands in DEB_DIR.
  deb_dir=${DEB_DIR:-/tmp/autodns-notify-deb}
  version=$(dpkg-parsechangelog -l debian/changelog -S Version)
  rm -rf "$deb_dir" && mkdir -p "$deb_dir/autodns-notify-$version"
  git ls-files -z --cached --others --exclude-standard | grep -zv '^build' |
    while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
    xargs -0 cp -P --parents -t "$deb_dir/autodns-notify-$version"
  (cd "$deb_dir/autodns-notify-$version" &&
    DEB_BUILD_OPTIONS="parallel=$jobs" dpkg-buildpackage -us -uc -b >"$deb_dir/build.log" 2>&1) ||
    { tail -40 "$deb_dir/build.log" >&2; echo "bootstrap: dpkg-buildpackage failed ($deb_dir/build.log)" >&2; exit 1; }
  deb=$(ls "$deb_dir"/autodns-notify_"$version"_*.deb)
  # lintian's errors fail the build; warnings and the rest are shown.
  lintian --fail-on error --tag-display-limit 0 "$deb"
  echo "$deb"
  exit 0
fi

phase "build in $build_dir"
# ccache (Debian's package) lets the mutation run's copy of the tree, built with the same
# flags, reuse these objects instead of compiling everything a second time.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$PWD")} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DAUTODNS_SANITIZE="${AUTODNS_SANITIZE:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

case "$mode" in
  build) ;;
  demo)
    # No config file, not even an installed /etc/autodns-notify/config.ini: its handlers would
    # get the sample records, and its sender policy (autodns.com) refuses the samples, which
    # come from autodns.example.
    export AUTODNS_NOTIFY_CONFIG=/dev/null
    rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
    "$build_dir/autodns-notify" import --db demo.sqlite samples/maildir
    "$build_dir/autodns-notify" report --db demo.sqlite --since 2000-01-01
    ;;
  test)
    # Sanitizer reports fail the test that triggers them (halt_on_error, leak check at exit).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    # tests/lsan.supp: a leak inside Debian's libpqxx 6.4 on a lost connection (fixed upstream).
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
    # tests/tsan.supp: reports from inside Debian's uninstrumented libcpp-httplib left out.
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}
    # The test runs leave much of the CPU idle (they wait on processes, sockets and timers).
    # So the next build always runs beside the current tests, at the lowest CPU priority
    # (nice 19): it takes only what the tests leave, and the tests see no slower machine. The
    # style checks run beside the first suite, the Debian package build beside the second.
    logs=$build_dir/ci-logs
    mkdir -p "$logs"
    # A failing step ends the run: the builds still going beside it end with it (each job
    # with the processes it started).
    kill_tree() {
      local child
      for child in $(pgrep -P "$1"); do kill_tree "$child"; done
      kill "$1" 2>/dev/null || true
    }
    trap 'for job in $(jobs -p); do kill_tree "$job"; done' EXIT
    sanitized=0
    [ "${SANITIZED_TESTS:-1}" = 1 ] && [ "${AUTODNS_SANITIZE:-OFF}" != ON ] && sanitized=1
    asan_dir=$build_dir-asan
    tsan_dir=$build_dir-tsan
    # Sanitizer builds: -O1 without debug information, which builds faster than -O2 -g; the
    # reports still name the functions (from the symbol table), without line numbers.
    sanitizer_build() {  # sanitizer_build DIR SANITIZE [TARGETS...]: configure and build, niced
      local dir=$1 sanitize=$2
      shift 2
      cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
        -DAUTODNS_SANITIZE="$sanitize" >/dev/null &&
        nice -n 19 cmake --build "$dir" -j "$jobs" ${1:+--target "$@"}
    }
    wait_for() {  # wait_for PID LOG WHAT: wait for a background step; its log, then fail on error
      local status=0
      wait "$1" || status=$?
      if [ "$status" != 0 ]; then
        tail -40 "$2" >&2
        echo "bootstrap: $3 failed ($2)" >&2
        exit 1
      fi
    }
    if [ "$sanitized" = 1 ]; then
      sanitizer_build "$asan_dir" ON >"$logs/asan-build.log" 2>&1 &
      asan_build=$!
    fi

    phase "the test suite in $build_dir; beside it the style checks and the ASan/UBSan build"
    nice -n 10 scripts/check-style.sh >"$logs/check-style.log" 2>&1 &
    style=$!
    suite=0
    (cd "$build_dir" && ctest --output-on-failure -j "$jobs") || suite=$?
    style_status=0
    wait "$style" || style_status=$?
    cat "$logs/check-style.log" >&2
    [ "$suite" = 0 ] || { echo "bootstrap: the test suite failed" >&2; exit 1; }
    [ "$style_status" = 0 ] || { echo "bootstrap: style checks failed" >&2; exit 1; }
    if [ "${MUTATION_TESTS:-1}" = 1 ]; then
      phase "the mutation run in $build_dir-mutation"
      python3 tests/mutation/run.py --work "$build_dir-mutation" --jobs "$jobs"
    fi
    if [ "$sanitized" = 1 ]; then
      phase "waiting for the ASan/UBSan build in $asan_dir"
      wait_for "$asan_build" "$logs/asan-build.log" "the ASan/UBSan build"
      # ThreadSanitizer: only what runs threads (the import's workers, the push receiver's
      # and the poll client's threads, the dispatcher and the handlers).
      sanitizer_build "$tsan_dir" thread unit_tests autodns-notify autodns-notify-net \
        autodns-notify-http >"$logs/tsan-build.log" 2>&1 &
      tsan_build=$!
    fi
    package=
    if [ "${PACKAGE_TEST:-1}" = 1 ]; then
      nice -n 19 scripts/bootstrap.sh deb >"$logs/deb.log" 2>&1 &
      package=$!
    fi
    if [ "$sanitized" = 1 ]; then
      phase "the test suite with ASan/UBSan; beside it the TSan build and the Debian package"
      (cd "$asan_dir" && ctest --output-on-failure -j "$jobs")
      phase "waiting for the TSan build in $tsan_dir"
      wait_for "$tsan_build" "$logs/tsan-build.log" "the TSan build"
      phase "the thread tests with TSan"
      (cd "$tsan_dir" && ctest --output-on-failure -j "$jobs" -R "$thread_tests")
    fi
    if [ -n "$package" ]; then
      phase "the Debian package test"
      wait_for "$package" "$logs/deb.log" "the Debian package build"
      cat "$logs/deb.log" >&2
      DEB=$(tail -1 "$logs/deb.log") tests/package/test_deb.sh
    fi
    phase "done"
    ;;
  *) echo "usage: $0 demo|test|build|deb" >&2; exit 64 ;;
esac
