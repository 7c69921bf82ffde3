#!/usr/bin/env bash
# The demo on embedded defaults. Until the kiosk UI lands (`kiosk start`), it walks through what
# the kiosk does for a visitor, with the real commands: the RA registers the visitor, the embedded
# CA serves CMP on loopback, the kiosk issues a certificate onto a medium (a folder here), and
# checks it; then the real yessign test certificate from ../shared/fixtures is read the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
kiosk() { node dist/src/cli/main.js "$@"; }

demo=var/demo
rm -rf "$demo" && mkdir -p "$demo/medium" "$demo/secrets"
chmod 700 "$demo/secrets"
echo "\$ kiosk ca init --dir $demo/ca"
kiosk ca init --dir "$demo/ca"
kiosk ca export --dir "$demo/ca" --out "$demo/ca-chain.pem"

node dist/src/cli/main.js ca serve --dir "$demo/ca" --listen 127.0.0.1:0 > "$demo/ca-serve.out" &
ca_pid=$!
trap 'kill "$ca_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$demo/ca-serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$demo/ca-serve.out")
echo "CA: $url"

echo 9001011234568 > "$demo/secrets/idn"            # a made-up resident number with a valid check digit
echo 'Demo-Pass-2026!' > "$demo/secrets/password"
echo
echo "\$ kiosk ca register --name 홍길동 --idn-file … --json   (the teller approved the identity check)"
kiosk ca register --dir "$demo/ca" --name 홍길동 --idn-file "$demo/secrets/idn" --json > "$demo/secrets/registration.json"
ref=$(node -p "require('./$demo/secrets/registration.json').ref")
node -p "require('./$demo/secrets/registration.json').authCode" > "$demo/secrets/auth-code"
echo "reference number $ref (the authorization code is handed to the visitor, not shown here)"
echo
echo "\$ kiosk cert issue --ca $url --ref $ref --storage dir:$demo/medium …"
kiosk cert issue --ca "$url" --ca-cert "$demo/ca-chain.pem" --ref "$ref" --auth-code-file "$demo/secrets/auth-code" \
  --password-file "$demo/secrets/password" --idn-file "$demo/secrets/idn" --storage "dir:$demo/medium"
echo
echo "\$ kiosk cert list --storage dir:$demo/medium"
kiosk cert list --storage "dir:$demo/medium"
echo
echo "\$ kiosk cert check --storage dir:$demo/medium --password-file … --idn-file …"
kiosk cert check --storage "dir:$demo/medium" --password-file "$demo/secrets/password" --idn-file "$demo/secrets/idn"

fixture=../shared/fixtures/npki/yessign-test-pypinksign
yessign=$demo/yessign
dn='cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr'
mkdir -p "$yessign/NPKI/yessign/USER/$dn"
cp "$fixture/signCert.der" "$fixture/signPri.key" "$yessign/NPKI/yessign/USER/$dn/"
echo
echo "\$ kiosk cert list --storage dir:$yessign   (yessign's published test certificate)"
kiosk cert list --storage "dir:$yessign"
