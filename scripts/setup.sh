#!/usr/bin/env bash
# Prepares this checkout on Debian 12 with Node 20: Debian packages (only those missing), npm
# dependencies, and local state under var/. Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the kiosk and its tests need from Debian (DESIGN §9): native builds, the real peers the
# tests talk to, and the run-time libraries of the device packages.
debs=(
  build-essential python3 libpcsclite-dev pcscd vsmartcard-vpcd softhsm2 opensc
  dosfstools mtools fdisk libusb-1.0-0 libudev1 tmux openssl
)

# Node first: nothing else is worth installing on the wrong one. vitest 4 needs 20.19 or later.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup: Node 20.19 or later is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root, or install sudo, to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
  fi
  # env inside sudo: sudo's env_reset would drop an exported DEBIAN_FRONTEND.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last successful install. Native install
# scripts (pcsclite, pkcs11js, node-hid) are approved here when the device drivers bring them.
stamp=node_modules/.kiosk-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

mkdir -p var/log var/state
echo "setup: ready"
