#!/usr/bin/env bash
# Installs dependencies, builds Postamt and starts it with the embedded store
# under ./data (or $POSTAMT_DATA_DIR). On first run it creates a demo domain
# and account and prints the settings a mail client needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTAMT_TESTS=OFF >/dev/null
cmake --build build/release --target postamt -j "$(nproc)"
data=${POSTAMT_DATA_DIR:-$PWD/data}
exec build/release/postamt --data-dir "$data" serve --first-run-setup "$@"
