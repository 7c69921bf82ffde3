import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { seedCbcDecrypt, seedCbcEncrypt } from '../../src/npki/seed.js';
import { legacyProviders } from '../../scripts/lib/openssl.mjs';

// Cross-checks the hand-written SEED-CBC against OpenSSL's (legacy provider) implementation.
const OPENSSL = 'openssl';

function opensslSeedCbc(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  iv: Uint8Array,
  input: Uint8Array,
): Uint8Array {
  const args = ['enc', '-seed-cbc', ...legacyProviders];
  if (mode === 'decrypt') args.push('-d');
  args.push('-K', Buffer.from(key).toString('hex'), '-iv', Buffer.from(iv).toString('hex'));
  return new Uint8Array(execFileSync(OPENSSL, args, { input, stdio: ['pipe', 'pipe', 'pipe'] }));
}

const LENGTHS = [0, 1, 15, 16, 17, 32, 100, 257];

describe('SEED-CBC against the OpenSSL CLI', () => {
  it.each(LENGTHS)('agrees with openssl enc -seed-cbc for %i-byte plaintext', (n) => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const plaintext = randomBytes(n);

    const ours = seedCbcEncrypt(key, iv, plaintext);
    expect(Buffer.from(ours).toString('hex')).toBe(
      Buffer.from(opensslSeedCbc('encrypt', key, iv, plaintext)).toString('hex'),
    );
    expect(opensslSeedCbc('decrypt', key, iv, ours)).toEqual(new Uint8Array(plaintext));
  });

  it('decrypts what openssl encrypted', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const plaintext = randomBytes(48);
    const theirs = opensslSeedCbc('encrypt', key, iv, plaintext);
    expect(seedCbcDecrypt(key, iv, theirs)).toEqual(new Uint8Array(plaintext));
  });
});
