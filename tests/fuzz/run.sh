#!/usr/bin/env bash
# run.sh TARGET|all SECONDS — build the libFuzzer targets (if needed) and fuzz.
#
#   tests/fuzz/run.sh fuzz_mail 600        one target for 10 minutes
#   tests/fuzz/run.sh all 300              every target for 5 minutes each
#   tests/fuzz/run.sh list                 the target names
#   tests/fuzz/run.sh keep TARGET|all      minimize the grown corpus with -merge=1 into
#                                          tests/fuzz/corpus/TARGET/ (kept in the repository and
#                                          replayed by the unit tests), replacing what is there
#
# Environment:
#   FUZZ_BUILD_DIR  build directory (default build-fuzz; configured with clang and
#                   -DAUTODNS_FUZZ=ON)
#   FUZZ_WORK_DIR   corpora and crash artifacts (default $FUZZ_BUILD_DIR/work): TARGET/corpus
#                   grows across runs, TARGET/artifacts holds crash-*, leak-*, timeout-*, oom-*
#   FUZZ_PARALLEL   targets fuzzed at the same time by `all` (default 1)
#   FUZZ_JOBS       build parallelism (default 2)
#   AUTODNS_SEEDS_DIR  the documentation seeds (default ../shared/seeds beside the repository)
# Seeds come from samples/ (mail/, payloads/), tests/data/ and the documentation seeds. A
# crash found here belongs in tests/fuzz/regressions/TARGET/ (replayed by the unit tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
work=${FUZZ_WORK_DIR:-$build/work}
parallel=${FUZZ_PARALLEL:-1}
seeds_dir=${AUTODNS_SEEDS_DIR:-$repo/../shared/seeds}
targets=(fuzz_mail fuzz_push fuzz_parse_json fuzz_parse_xml fuzz_parse_epp fuzz_parse_standard)

usage() { echo "usage: $0 TARGET|all SECONDS (targets: ${targets[*]})" >&2; exit 64; }
[ "${1:-}" = list ] && { printf '%s\n' "${targets[@]}"; exit 0; }
[ $# -eq 2 ] || usage
keep=0
if [ "$1" = keep ]; then keep=1; shift; set -- "$1" 0; fi
[[ "$2" =~ ^[0-9]+$ ]] || usage
if [ "$1" = all ]; then
  selected=("${targets[@]}")
else
  [[ " ${targets[*]} " == *" $1 "* ]] || usage
  selected=("$1")
fi
seconds=$2

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAUTODNS_FUZZ=ON -DAUTODNS_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target "${selected[@]}"

# max_len: a notification mail is a few KiB (the largest sample is 6 KiB); payloads less.
max_len() {
  case $1 in
    fuzz_mail) echo 65536 ;;
    fuzz_parse_standard) echo 65536 ;;
    *) echo 16384 ;;
  esac
}
dict() {
  case $1 in
    fuzz_mail) echo "$here/dict/mail.dict" ;;
    fuzz_parse_json) echo "$here/dict/json.dict" ;;
    *) echo "$here/dict/xml.dict" ;;
  esac
}

# Fills DIR with the seed inputs of a target.
seed() {
  local target=$1 dir=$2 f
  rm -rf "$dir"; mkdir -p "$dir"
  shopt -s nullglob
  case $target in
    fuzz_mail)
      for f in "$repo"/samples/mail/*.eml "$repo"/samples/mail/*/*.eml; do cp "$f" "$dir/"; done ;;
    fuzz_parse_json)
      for f in "$repo"/samples/payloads/*.json "$repo"/tests/data/*.json; do cp "$f" "$dir/"; done ;;
    fuzz_parse_xml)
      for f in "$repo"/samples/payloads/*.xml "$repo"/tests/data/*.xml; do cp "$f" "$dir/"; done ;;
    fuzz_parse_epp)
      for f in "$repo"/samples/payloads/*epp*.xml; do cp "$f" "$dir/"; done ;;
    fuzz_parse_standard)
      for f in "$repo"/tests/data/*.txt "$seeds_dir"/*.txt; do cp "$f" "$dir/"; done
      for f in "$repo"/samples/mail/standard-*.eml; do
        sed '1,/^\r\?$/d' "$f" >"$dir/body-$(basename "$f")"
      done ;;
    fuzz_push)
      for f in "$repo"/samples/payloads/*.json "$repo"/tests/data/*.json; do
        { echo "application/json"; cat "$f"; } >"$dir/$(basename "$f")"
      done
      for f in "$repo"/samples/payloads/*.xml "$repo"/tests/data/*.xml; do
        { echo "text/xml; charset=utf-8"; cat "$f"; } >"$dir/$(basename "$f")"
      done ;;
  esac
  shopt -u nullglob
}

run_one() {
  local target=$1 dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  seed "$target" "$dir/seeds"
  echo "fuzz: $target for ${seconds}s (corpus $dir/corpus)" >&2
  # Leaks are reported at exit of each input's run only when detect_leaks is on (the default
  # of libFuzzer with ASan); ptrace-restricted sandboxes make LeakSanitizer fail: see
  # docs/security.md.
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    "$build/tests/fuzz/$target" -max_len="$(max_len "$target")" -timeout=10 \
    -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1 \
    -dict="$(dict "$target")" -artifact_prefix="$dir/artifacts/" \
    "$dir/corpus" "$dir/seeds" >"$dir/last.log" 2>&1
  local status=$?
  grep -E '^(stat::|Done)' "$dir/last.log" | sed "s/^/$target: /" >&2
  echo "$target: corpus $(find "$dir/corpus" -type f | wc -l) inputs," \
    "$(du -sk "$dir/corpus" | cut -f1) KiB; exit $status" >&2
  return $status
}

# keep: the seeds and the grown corpus, minimized to the inputs that add coverage, under
# names that are their content's SHA-1 (libFuzzer's own naming), into tests/fuzz/corpus/.
keep_one() {
  local target=$1 dir="$work/$1" kept="$repo/tests/fuzz/corpus/$1"
  [ -d "$dir/corpus" ] || { echo "fuzz: $target has not run yet (no $dir/corpus)" >&2; return 1; }
  seed "$target" "$dir/seeds"
  rm -rf "$kept.new"; mkdir -p "$kept.new"
  "$build/tests/fuzz/$target" -merge=1 -max_len="$(max_len "$target")" -timeout=10 \
    -rss_limit_mb=2048 "$kept.new" "$dir/corpus" "$dir/seeds" >"$dir/merge.log" 2>&1 || {
    echo "fuzz: merging $target failed; see $dir/merge.log" >&2; return 1; }
  rm -rf "$kept"; mv "$kept.new" "$kept"
  echo "$target: kept $(find "$kept" -type f | wc -l) inputs, $(du -sk "$kept" | cut -f1) KiB" >&2
}
if [ "$keep" = 1 ]; then
  status=0
  for target in "${selected[@]}"; do keep_one "$target" || status=1; done
  exit $status
fi

status=0
running=0
for target in "${selected[@]}"; do
  if [ "$parallel" -le 1 ]; then
    run_one "$target" || status=1
  else
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then wait -n || status=1; running=$((running - 1)); fi
  fi
done
while [ "$running" -gt 0 ]; do wait -n || status=1; running=$((running - 1)); done
if [ "$status" -ne 0 ]; then
  echo "fuzz: a target failed; see $work/*/last.log and $work/*/artifacts/" >&2
fi
exit $status
