#!/usr/bin/env bash
# The whole comparison with Postfix + Dovecot in one command, on a fresh
# Debian 12 machine (as root): installs what is needed, builds the release
# tree with the benchmark programs, and runs bench/compare.py with the given
# options (default: 3 rounds). Results land in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTAMT_TESTS=ON >/dev/null
cmake --build build/release -j "$(nproc)" --target postamt postamt-loadgen fill_mailbox bench_idle_latency
if [ $# -eq 0 ]; then set -- --rounds 3; fi
exec /usr/bin/python3 bench/compare.py "$@"
