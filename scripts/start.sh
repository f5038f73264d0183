#!/usr/bin/env bash
# Installs dependencies, builds Postamt and starts it with the embedded store.
# On first run it creates a demo domain and account and prints the settings
# a mail client needs. Data: $POSTAMT_DATA_DIR, else /var/lib/postamt when
# run as root (the server drops to the `postamt` user, created here), else
# ./data. Configuration: $POSTAMT_CONFIG or /etc/postamt/postamt.toml when
# present, else built-in defaults (as non-root the standard ports move up by
# 10000: SMTP 10025, IMAP 10143/10993, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release --target postamt -j "$(nproc)"
if [ "$(id -u)" = 0 ]; then
  id postamt >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postamt
  data=${POSTAMT_DATA_DIR:-/var/lib/postamt}
else
  data=${POSTAMT_DATA_DIR:-$PWD/data}
fi
exec build/release/postamt --data-dir "$data" serve --first-run-setup "$@"
