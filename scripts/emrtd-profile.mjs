#!/usr/bin/env node
// Writes a test eMRTD document profile (DESIGN §3.2: the virtual card's document) into a folder:
//   node scripts/emrtd-profile.mjs --out DIR [--seed N] [--signature rsa-pkcs1|rsa-pss|ecdsa]
//                                  [--aa rsa-1024|rsa-2048|ec-p256]
// The generator is src/virtualDocument/testProfile.ts, built into dist/ (`npm run build` first), the same
// code the tests use. Test keys only: never point a kiosk's trust store at a profile's csca/.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    signature: { type: 'string', default: 'rsa-pkcs1' },
    aa: { type: 'string', default: 'rsa-1024' },
  },
});
if (values.out === undefined) {
  console.error('usage: emrtd-profile.mjs --out DIR [--seed N] [--signature S] [--aa K]');
  process.exit(2);
}
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a non-negative integer, not ${values.seed}`);
  process.exit(2);
}
if (!['rsa-pkcs1', 'rsa-pss', 'ecdsa'].includes(values.signature)) {
  console.error(`--signature must be rsa-pkcs1, rsa-pss or ecdsa, not ${values.signature}`);
  process.exit(2);
}
if (!['rsa-1024', 'rsa-2048', 'ec-p256'].includes(values.aa)) {
  console.error(`--aa must be rsa-1024, rsa-2048 or ec-p256, not ${values.aa}`);
  process.exit(2);
}

let generator;
try {
  generator = await import('../dist/src/virtualDocument/testProfile.js');
} catch (error) {
  console.error(
    `cannot load dist/src/virtualDocument/testProfile.js (run npm run build): ${error}`,
  );
  process.exit(1);
}
const profile = await generator.generateTestProfile({
  seed,
  signature: values.signature,
  aaKey: values.aa,
});
const manifest = await generator.writeTestProfile(profile, values.out);
console.log(`wrote ${values.out}: document ${manifest.documentNumber}`);
for (const line of manifest.mrz) console.log(`  ${line}`);
