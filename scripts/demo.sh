#!/usr/bin/env bash
# The demo on embedded defaults (issue 15 item 4): `kiosk start` with no configuration, in this
# terminal. It makes its world under var/demo once (a specimen passport for the virtual eMRTD, a
# SoftHSM2 token, a FAT32 image as the USB drive, the teller account, the embedded CA), starts the
# kiosk with the visitor's screen and the teller console (Ctrl-T switches), and stops everything
# it started on Ctrl-C. The bottom bar shows what to type. `rm -rf var/demo` starts afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
exec node dist/src/cli/main.js start
