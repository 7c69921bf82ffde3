import { execFileSync } from 'node:child_process';
import { AsnConvert, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { legacyProviders } from '../../scripts/lib/openssl.mjs';
import { WrongPasswordError } from '../../src/errors/index.js';
import { Pbes2Params, Pbkdf2Params, SaltAndIterations } from '../../src/npki/asn1/pbe.js';
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

/**
 * Format C built around OpenSSL's SEED-CBC with the key DESIGN §4.2 gives for its vector (password
 * WTuA8Ev0lWXVFSiI!, salt 28ce9089e2828009, 1024 iterations, no PRF field → HMAC-SHA1): the reader's
 * PBKDF2 must derive that very key, or it cannot decrypt.
 */
function designVectorKeyFile(plain: Uint8Array, iv: Buffer): Buffer {
  const ciphertext = execFileSync(
    'openssl',
    [
      'enc',
      '-seed-cbc',
      '-K',
      '01739401d7f3df5319eff4edb0afa66f',
      '-iv',
      iv.toString('hex'),
      ...legacyProviders,
    ],
    { input: plain },
  );
  const kdf = new AlgorithmIdentifier({
    algorithm: '1.2.840.113549.1.5.12',
    parameters: AsnSerializer.serialize(
      new Pbkdf2Params({
        salt: new Uint8Array(Buffer.from('28ce9089e2828009', 'hex')).buffer,
        iterationCount: 1024,
      }),
    ),
  });
  const scheme = new AlgorithmIdentifier({
    algorithm: '1.2.410.200004.1.4',
    parameters: AsnSerializer.serialize(new OctetString(iv)),
  });
  const epki = new EncryptedPrivateKeyInfo({
    encryptionAlgorithm: new AlgorithmIdentifier({
      algorithm: '1.2.840.113549.1.5.13',
      parameters: AsnSerializer.serialize(
        new Pbes2Params({ keyDerivationFunc: kdf, encryptionScheme: scheme }),
      ),
    }),
  });
  epki.encryptedData.buffer = new Uint8Array(ciphertext).buffer;
  return Buffer.from(AsnConvert.serialize(epki));
}

describe('signPri.key format C, DESIGN §4.2 vector', () => {
  it('decrypts with the vector password to the PrivateKeyInfo', () => {
    const plain = readYessign('plainSignPri.der');
    const file = designVectorKeyFile(plain, Buffer.alloc(16, 0x42));
    const key = decryptSignPriKey(file, Buffer.from('WTuA8Ev0lWXVFSiI!'));
    expect(key).toMatchObject({ format: 'pbes2', iterations: 1024 });
    expect(key.privateKeyInfo.equals(plain)).toBe(true);
  });
});

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
