#!/usr/bin/env bash
# bench/startup_variants.sh — builds of `autodns-notify` that put back, one at a time, the
# start-up measures the program once had, relinked from the objects of the default
# (hardened) build, for a side-by-side measurement of `mail` in one bench/run.sh run:
#   bench/startup_variants.sh [OUT]         default OUT: $BUILD_DIR/variants
#   FILTER_VARIANTS="$(bench/startup_variants.sh)" IMPORT=0 bench/run.sh 2000
# Prints "NAME=PROGRAM" pairs. The variants (docs/performance.md has their figures):
#   static-deps     mimetic, pugixml, Boost, SQLite and nettle from their static archives
#   no-pie          a position-dependent executable (-no-pie)
#   static-runtime  the C++ runtime linked in (-static-libstdc++ -static-libgcc)
#   lazy-libm       libm bound at its first use (--wrap for each libm function)
#   prefault        the program's, the C library's and the heap's pages populated with madvise
#                   before main, and SQLite's WAL index mapped populated
#   all-of-them     all five together: the build before these measures were removed
#   one-program     the HTTP libraries (cpp-httplib, OpenSSL) loaded by the filter too, as a
#                   single executable would: what the separate autodns-notify-net saves
# The removed sources come from git history (REF, default the last commit that had them).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
out=${1:-$build/variants}
ref=${REF:-da23c04}
mkdir -p "$out"
out=$(cd "$out" && pwd)
link=$(cat "$build/CMakeFiles/autodns-notify.dir/link.txt")
flags=$(sed -n 's/^CXX_FLAGS = //p' "$build/CMakeFiles/autodns-notify.dir/flags.make")
main_o=CMakeFiles/autodns-notify.dir/src/main.cpp.o

git show "$ref:src/util/lazy_libm.cpp" >"$out/lazy_libm.cpp"
mkdir -p "$out/util"
git show "$ref:src/util/prefault.hpp" >"$out/util/prefault.hpp"
git show "$ref:src/util/prefault.cpp" >"$out/prefault.cpp"
git show "$ref:src/main.cpp" >"$out/main_prefault.cpp"
# SQLite's WAL index through the populating mmap, as the store once installed it.
cat >>"$out/main_prefault.cpp" <<'CPP'
#include <sqlite3.h>
namespace {
__attribute__((constructor(102))) void populate_wal_index(int argc, char** argv, char**) {
    if (argc > 1 && argv[1] != nullptr && std::strcmp(argv[1], "mail") == 0) {
        sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
        if (vfs != nullptr && vfs->iVersion >= 3 && vfs->xSetSystemCall != nullptr)
            vfs->xSetSystemCall(vfs, "mmap", reinterpret_cast<sqlite3_syscall_ptr>(
                                                 &autodns::mmap_populating_shared_writes));
    }
}
}  // namespace
CPP
# shellcheck disable=SC2086
{
  c++ $flags -I src -c "$out/lazy_libm.cpp" -o "$out/lazy_libm.o"
  c++ $flags -I "$out" -I src -c "$out/main_prefault.cpp" -o "$out/main_prefault.o"
  c++ $flags -I "$out" -I src -c "$out/prefault.cpp" -o "$out/prefault.o"
}
wraps="-Wl,--as-needed"
for f in acos acosh asin asinh atan atan2 atanh ceil cos cosh exp fmod log log10 pow sin sinh \
  sqrt tan tanh trunc; do wraps="$wraps -Wl,--wrap=$f"; done
static_libs() {
  sed -e 's|libmimetic\.so|libmimetic.a|' -e 's|libboost_program_options\.so[.0-9]*|libboost_program_options.a|' \
    -e 's|libpugixml\.so[.0-9]*|libpugixml.a|' -e 's|libsqlite3\.so|libsqlite3.a|g' \
    -e 's|libnettle\.so|libnettle.a|'
}
relink() {  # relink NAME SED-FILTER EXTRA-ARGS...
  local name=$1 filter=$2
  shift 2
  local cmd
  cmd=$(echo "$link" | $filter | sed "s| -o autodns-notify | -o $out/$name/autodns-notify |")
  mkdir -p "$out/$name"
  # shellcheck disable=SC2086
  (cd "$build" && eval "$cmd $*")
  echo "$name=$out/$name/autodns-notify"
}
same() { cat; }
prefault_main() { sed "s|\"$main_o\"|$out/main_prefault.o $out/prefault.o|"; }
all_of_them() { static_libs | prefault_main; }
relink static-deps static_libs
relink no-pie same -no-pie
relink static-runtime same -static-libstdc++ -static-libgcc
relink lazy-libm same "$out/lazy_libm.o" "$wraps" -ldl
relink prefault prefault_main
relink all-of-them all_of_them -no-pie -static-libstdc++ -static-libgcc "$out/lazy_libm.o" "$wraps" -ldl
relink one-program same -Wl,--no-as-needed -lcpp-httplib -lssl -lcrypto -Wl,--as-needed
