#!/usr/bin/env bash
# Installs every Debian 12 package Postamt needs to build, test and fuzz.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential g++-12 cmake ninja-build ccache mold pkg-config git
  libboost1.81-dev libssl-dev libsqlite3-dev sqlite3
  libtomlplusplus-dev libfmt-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libsodium-dev libcrypt-dev zlib1g-dev libicu-dev libidn2-dev
  libunbound-dev dns-root-data libexpat1-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang-16 libfuzzer-16-dev libclang-rt-16-dev
  python3 python3-pytest openssl swaks libnet-ssleay-perl libio-socket-ssl-perl curl isync
  fetchmail python3-dkim python3-dnspython opendkim-tools dnsmasq-base pebble python3-prometheus-client
  python3-matplotlib chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser test (tests/browser): playwright-core from npm drives Debian's
# chromium. Node and npm from Debian unless a node with npm is already there.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
  (cd "$here/tests/browser" && npm ci --no-audit --no-fund --silent)
fi
