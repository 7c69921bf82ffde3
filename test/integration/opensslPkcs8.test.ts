import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyProviders, opensslPkcs8Decrypt, stageKeyFile } from '../../scripts/lib/openssl.mjs';
import { encryptSignPriKey } from '../../src/npki/signPriKey.js';
import { decryptSignPriKey } from '../../src/npki/signPriKey.js';
import { readRandomNum, withRandomNum } from '../../src/npki/randomNum.js';

const password = 'WTuA8Ev0lWXVFSiI!';
const legacy = legacyProviders;

function decrypt(keyFile: Uint8Array, pass: string): Buffer {
  return opensslPkcs8Decrypt(stageKeyFile(keyFile, pass));
}

describe('signPri.key format C against OpenSSL', () => {
  it('openssl pkcs8 decrypts a key the kiosk wrote to the same RSA key', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const pki = withRandomNum(key.export({ type: 'pkcs8', format: 'der' }), Buffer.alloc(20, 0x5a));
    const keyFile = encryptSignPriKey(pki, Buffer.from(password), {
      format: 'pbes2',
      iterations: 2048,
    });
    // OpenSSL 3.0's `pkcs8` writes what it decrypted as a traditional (PKCS#1) RSA key.
    const plain = decrypt(keyFile, password);
    expect(plain.equals(key.export({ type: 'pkcs1', format: 'der' }))).toBe(true);
  });

  it('OpenSSL primitives (PBKDF2-HMAC-SHA1, SEED-CBC) decrypt it byte for byte, R included', () => {
    const salt = '28ce9089e2828009';
    const iv = '00112233445566778899aabbccddeeff';
    const pki = withRandomNum(
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
        type: 'pkcs8',
        format: 'der',
      }),
      Buffer.alloc(20, 0x5a),
    );
    const keyFile = encryptSignPriKey(pki, Buffer.from(password), {
      format: 'pbes2',
      iterations: 1024,
      salt: Buffer.from(salt, 'hex'),
      iv: Buffer.from(iv, 'hex'),
    });
    const kdf = execFileSync('openssl', [
      'kdf',
      '-keylen',
      '16',
      '-kdfopt',
      'digest:SHA1',
      '-kdfopt',
      `pass:${password}`,
      '-kdfopt',
      `hexsalt:${salt}`,
      '-kdfopt',
      'iter:1024',
      'PBKDF2',
    ])
      .toString()
      .trim()
      .replace(/:/g, '')
      .toLowerCase();
    // DESIGN §4.2's vector: this password and salt at 1024 iterations.
    expect(kdf).toBe('01739401d7f3df5319eff4edb0afa66f');
    // The ciphertext is the last OCTET STRING: everything after the AlgorithmIdentifier.
    const ciphertext = keyFile.subarray(keyFile.length - Math.ceil((pki.length + 1) / 16) * 16);
    const plain = execFileSync(
      'openssl',
      ['enc', '-d', '-seed-cbc', '-K', kdf, '-iv', iv, ...legacy],
      {
        input: ciphertext,
      },
    );
    expect(plain.equals(pki)).toBe(true);
    expect(readRandomNum(plain)?.equals(Buffer.alloc(20, 0x5a))).toBe(true);
  });

  it('openssl pkcs8 refuses the same key with a wrong password', () => {
    const pki = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'der',
    });
    const keyFile = encryptSignPriKey(pki, Buffer.from(password), {
      format: 'pbes2',
      iterations: 1024,
    });
    expect(() => decrypt(keyFile, 'not the password')).toThrow(/bad decrypt|maybe wrong password/);
    expect(decrypt(keyFile, password).length).toBeGreaterThan(0);
  });

  it('the kiosk decrypts a PBES2 + SEED-CBC key that OpenSSL wrote (default salt and PRF)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkcs8-'));
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(join(dir, 'key.pem'), pem);
    writeFileSync(join(dir, 'pass'), password);
    // OpenSSL 3 writes PBKDF2 with hmacWithSHA256 as PRF: the reader must take the PRF from the
    // parameters rather than assume SHA-1.
    const keyFile = execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-v2',
      'seed-cbc',
      '-iter',
      '2048',
      '-in',
      join(dir, 'key.pem'),
      '-passout',
      `file:${join(dir, 'pass')}`,
      '-outform',
      'DER',
      ...legacy,
    ]);
    const plain = execFileSync('openssl', [
      'pkcs8',
      '-nocrypt',
      '-topk8',
      '-in',
      join(dir, 'key.pem'),
      '-outform',
      'DER',
    ]);
    const back = decryptSignPriKey(keyFile, Buffer.from(password));
    expect(back.format).toBe('pbes2');
    expect(back.iterations).toBe(2048);
    expect(back.privateKeyInfo.equals(plain)).toBe(true);
  });
});
