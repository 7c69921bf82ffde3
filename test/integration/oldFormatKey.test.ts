import { execFileSync } from 'node:child_process';
import { AsnConvert, AsnSerializer } from '@peculiar/asn1-schema';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { legacyProviders } from '../../scripts/lib/openssl.mjs';
import { WrongPasswordError } from '../../src/errors/index.js';
import { SaltAndIterations } from '../../src/npki/asn1/pbe.js';
import { pbkdf1Sha1 } from '../../src/npki/pbkdf1.js';
import { decryptSignPriKey } from '../../src/npki/signPriKey.js';
import { readYessign } from '../support/fixtures.js';

/**
 * Format B (DESIGN §4.2): outer algorithm 1.2.410.200004.1.4 with {salt, iterations}, the same
 * PBKDF1 as format A, and the fixed IV "0123456789012345". No B file is published, so one is made
 * here with OpenSSL doing the SEED-CBC encryption (the PBKDF1 key is the one the yessign fixture
 * already proves).
 */
function oldFormatKeyFile(
  plain: Uint8Array,
  password: Uint8Array,
  salt: Buffer,
  iterations: number,
): Buffer {
  const key = pbkdf1Sha1(password, salt, iterations).subarray(0, 16).toString('hex');
  const iv = Buffer.from('0123456789012345', 'ascii').toString('hex');
  const ciphertext = execFileSync(
    'openssl',
    ['enc', '-seed-cbc', '-K', key, '-iv', iv, ...legacyProviders],
    {
      input: plain,
    },
  );
  const epki = new EncryptedPrivateKeyInfo({
    encryptionAlgorithm: new AlgorithmIdentifier({
      algorithm: '1.2.410.200004.1.4',
      parameters: AsnSerializer.serialize(
        new SaltAndIterations({ salt: new Uint8Array(salt).buffer, iterationCount: iterations }),
      ),
    }),
  });
  epki.encryptedData.buffer = new Uint8Array(ciphertext).buffer;
  return Buffer.from(AsnConvert.serialize(epki));
}

describe('signPri.key format B (old fixed IV), read only', () => {
  const plain = readYessign('plainSignPri.der');
  const password = readYessign('password.txt');
  const file = oldFormatKeyFile(plain, password, Buffer.from('0102030405060708', 'hex'), 1024);

  it('decrypts to the PrivateKeyInfo', () => {
    const key = decryptSignPriKey(file, password);
    expect(key.format).toBe('seedCbcFixedIv');
    expect(key.iterations).toBe(1024);
    expect(key.privateKeyInfo.equals(plain)).toBe(true);
  });

  it('refuses a wrong password', () => {
    expect(() => decryptSignPriKey(file, Buffer.from('wrong'))).toThrow(WrongPasswordError);
  });
});
