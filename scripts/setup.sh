#!/usr/bin/env bash
# Prepares this checkout on Debian 12 with Node 20: Debian packages (only those missing), npm
# dependencies, and local state under var/. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the kiosk and its tests need from Debian (DESIGN §9): native builds, the real peers the
# tests talk to, and the run-time libraries of the device packages.
debs=(
  build-essential python3 libpcsclite-dev pcscd vsmartcard-vpcd softhsm2 opensc
  dosfstools mtools libusb-1.0-0 libudev1 tmux openssl
)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node 20 or later is required (found $(node --version))" >&2
  exit 1
fi

# npm ci only when package-lock.json changed since the last successful install.
stamp=node_modules/.kiosk-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

mkdir -p var/log var/state
echo "setup: ready"
