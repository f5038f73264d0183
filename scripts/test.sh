#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: unit tests (GoogleTest
# via ctest), integration tests (pytest against a real `postamt serve`), and,
# with --full (CI), the same again under ASan+UBSan plus a fuzz smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

full=0
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    *) echo "usage: scripts/test.sh [--full]" >&2; exit 2 ;;
  esac
done

bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout, and the build directory left out of the
# hash, so a fresh clone elsewhere (CI) hits the cache of an earlier one.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
jobs=$(nproc)

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

run_suite() {  # run_suite BUILD_DIR LABEL
  local dir=$1 label=$2
  echo "== unit tests ($label)"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
  if compgen -G "tests/integration/test_*.py" >/dev/null; then
    echo "== integration tests ($label)"
    POSTAMT_BINARY="$dir/postamt" POSTAMT_BUILD_DIR="$dir" \
      /usr/bin/python3 -m pytest -q tests/integration
  fi
}

build build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTAMT_TESTS=ON
run_suite build/release release

if [ "$full" = 1 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build build/asan -DCMAKE_BUILD_TYPE=Debug -DPOSTAMT_SANITIZE=ON
  run_suite build/asan asan
  echo "== fuzz smoke"
  CC=clang-16 CXX=clang++-16 build build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTAMT_FUZZ=ON
  bash scripts/fuzz-smoke.sh build/fuzz "${FUZZ_SECONDS:-20}"
fi
