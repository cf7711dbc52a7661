#!/usr/bin/env bash
# check-style.sh — the style checks CI runs (scripts/bootstrap.sh test), 0 findings wanted:
#   clang-format --dry-run -Werror over every tracked C++ file (.clang-format), and
#   clang-tidy (.clang-tidy) over every translation unit under src/, from the compilation
#   database of a build directory of its own (configured here, nothing compiled).
#   scripts/check-style.sh [format|tidy]      default: both
# Environment: TIDY_BUILD_DIR (default build-tidy), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=${JOBS:-$(nproc)}
status=0

if [ "$what" = all ] || [ "$what" = format ]; then
  mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.hpp' '*.h' '*.cc')
  if clang-format --dry-run -Werror "${files[@]}"; then
    echo "check-style: clang-format: ${#files[@]} files, 0 findings" >&2
  else
    echo "check-style: clang-format: findings above (fix with clang-format -i FILE)" >&2
    status=1
  fi
fi

if [ "$what" = all ] || [ "$what" = tidy ]; then
  tidy_dir=${TIDY_BUILD_DIR:-build-tidy}
  cmake -S . -B "$tidy_dir" -DAUTODNS_TESTS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  # run-clang-tidy prints each finding; its exit status is non-zero when there is one
  # (WarningsAsErrors in .clang-tidy).
  if run-clang-tidy -p "$tidy_dir" -j "$jobs" -quiet "$PWD/src/" >"$tidy_dir/clang-tidy.log" 2>&1; then
    echo "check-style: clang-tidy: $(grep -c '"file"' "$tidy_dir/compile_commands.json") files, 0 findings" >&2
  else
    grep -E 'error:|warning:' "$tidy_dir/clang-tidy.log" | sort -u >&2 || tail -20 "$tidy_dir/clang-tidy.log" >&2
    echo "check-style: clang-tidy: findings above ($tidy_dir/clang-tidy.log)" >&2
    status=1
  fi
fi
exit $status
