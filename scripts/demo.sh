#!/usr/bin/env bash
# The demo on embedded defaults. Until the kiosk UI lands (`kiosk start`), it shows the NPKI core
# on the real yessign test certificate from ../shared/fixtures: what `cert list` and `cert check`
# say about a medium holding it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
fixture=../shared/fixtures/npki/yessign-test-pypinksign
root=var/demo/medium
dn='cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr'
mkdir -p "$root/NPKI/yessign/USER/$dn"
cp "$fixture/signCert.der" "$fixture/signPri.key" "$root/NPKI/yessign/USER/$dn/"
echo "\$ kiosk cert list --storage dir:$root"
node dist/src/cli/main.js cert list --storage "dir:$root"
echo
echo "\$ kiosk cert check --storage dir:$root --password-file $fixture/password.txt"
node dist/src/cli/main.js cert check --storage "dir:$root" --password-file "$fixture/password.txt"
