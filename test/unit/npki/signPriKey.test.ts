import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MalformedFileError,
  TruncatedFileError,
  UnsupportedAlgorithmError,
  WrongPasswordError,
} from '../../../src/errors/index.js';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { oid } from '../../../src/npki/asn1/oids.js';
import { Pbes2Params, Pbkdf2Params, SaltAndIterations } from '../../../src/npki/asn1/pbe.js';
import { decryptSignPriKey, encryptSignPriKey } from '../../../src/npki/signPriKey.js';
import { pbkdf1Sha1 } from '../../../src/npki/pbkdf1.js';
import { pbkdf2Sync, createHash } from 'node:crypto';
import { readYessign } from '../../support/fixtures.js';

const password = readYessign('password.txt');

function freshPrivateKeyInfo(): Buffer {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
    type: 'pkcs8',
    format: 'der',
  });
}

describe('signPri.key format A (seedCBCWithSHA1), the yessign fixture', () => {
  it('decrypts with its password to exactly plainSignPri.der', () => {
    const key = decryptSignPriKey(readYessign('signPri.key'), password);
    expect(key.format).toBe('seedCbcWithSha1');
    expect(key.iterations).toBe(2048);
    expect(key.privateKeyInfo.equals(readYessign('plainSignPri.der'))).toBe(true);
  });

  it('derives the key and IV the fixture README gives', () => {
    const dk = pbkdf1Sha1(password, Buffer.from('c8ea2fa25023c285', 'hex'), 2048);
    expect(dk.subarray(0, 16).toString('hex')).toBe('6240e2686a6abbc48c922ccba906bb91');
    const iv = createHash('sha1').update(dk.subarray(16, 20)).digest().subarray(0, 16);
    expect(iv.toString('hex')).toBe('4471a1fd154167f22848770d578a5b73');
  });

  it('refuses a wrong password with WrongPasswordError', () => {
    expect(() =>
      decryptSignPriKey(readYessign('signPri.key'), Buffer.from('WTuA8Ev0lWXVFSiI?')),
    ).toThrow(WrongPasswordError);
  });

  it('reports a cut-short file as truncated, with the sizes', () => {
    const file = readYessign('signPri.key');
    const error = catchError(() => decryptSignPriKey(file.subarray(0, 700), password));
    expect(error).toBeInstanceOf(TruncatedFileError);
    expect(error).toMatchObject({ expectedBytes: file.length, actualBytes: 700 });
  });

  it('reports an unknown encryption algorithm by its OID', () => {
    const file = Buffer.from(readYessign('signPri.key'));
    // The OID 1.2.410.200004.1.15 ends at offset 15; make it …1.16.
    expect(file[15]).toBe(0x0f);
    file[15] = 0x10;
    const error = catchError(() => decryptSignPriKey(file, password));
    expect(error).toBeInstanceOf(UnsupportedAlgorithmError);
    expect(error).toMatchObject({ oid: '1.2.410.200004.1.16', role: 'encryption' });
  });

  it('reports garbage and trailing bytes as malformed', () => {
    expect(() => decryptSignPriKey(Buffer.from('not a key at all'), password)).toThrow(
      MalformedFileError,
    );
    const trailing = Buffer.concat([readYessign('signPri.key'), Buffer.from([0])]);
    expect(() => decryptSignPriKey(trailing, password)).toThrow(MalformedFileError);
  });
});

describe('signPri.key format C (PBES2 + PBKDF2 + SEED-CBC)', () => {
  it('derives the DESIGN §4.2 vector key with PBKDF2-HMAC-SHA1', () => {
    // The KDF the reader uses for PBES2 without a prf field (RFC 8018 default HMAC-SHA1).
    const key = pbkdf2Sync(
      'WTuA8Ev0lWXVFSiI!',
      Buffer.from('28ce9089e2828009', 'hex'),
      1024,
      16,
      'sha1',
    );
    expect(key.toString('hex')).toBe('01739401d7f3df5319eff4edb0afa66f');
  });

  it.each(['pbes2', 'seedCbcWithSha1'] as const)('round-trips a key written as %s', (format) => {
    const pki = freshPrivateKeyInfo();
    const file = encryptSignPriKey(pki, password, { format, iterations: 2048 });
    const back = decryptSignPriKey(file, password);
    expect(back.format).toBe(format);
    expect(back.iterations).toBe(2048);
    expect(back.privateKeyInfo.equals(pki)).toBe(true);
    expect(() => decryptSignPriKey(file, Buffer.from('another password 1!'))).toThrow(
      WrongPasswordError,
    );
  });

  it('writes the PBES2 encoding current Korean software reads: no keyLength, no prf', () => {
    const file = encryptSignPriKey(freshPrivateKeyInfo(), password, {
      format: 'pbes2',
      iterations: 2048,
      salt: Buffer.from('28ce9089e2828009', 'hex'),
      iv: Buffer.alloc(16, 0x11),
    });
    // EPKI { AlgId { pbes2, { AlgId { pbkdf2, { OCTET(8), INTEGER 2048 } }, AlgId { seed-cbc, OCTET(16) } } } … }
    const algorithm =
      '3048' +
      '06092a864886f70d01050d' +
      '303b' +
      '301b06092a864886f70d01050c' +
      '300e040828ce9089e2828009020208 00'.replace(' ', '') +
      '301c' +
      '06082a831a8c9a440104' +
      '0410' +
      '11'.repeat(16);
    expect(file.subarray(4, 4 + algorithm.length / 2).toString('hex')).toBe(algorithm);
  });

  it('refuses to write with fewer than 1024 iterations', () => {
    expect(() =>
      encryptSignPriKey(freshPrivateKeyInfo(), password, { format: 'pbes2', iterations: 100 }),
    ).toThrow(RangeError);
  });
});

describe('signPri.key damage that is not a wrong password', () => {
  const epki = (algorithm: AlgorithmIdentifier, ciphertext: Uint8Array): Buffer => {
    const info = new EncryptedPrivateKeyInfo({ encryptionAlgorithm: algorithm });
    info.encryptedData.buffer = new Uint8Array(ciphertext).buffer;
    return Buffer.from(AsnConvert.serialize(info));
  };
  const pbes2 = (kdf: Pbkdf2Params, scheme: AlgorithmIdentifier): AlgorithmIdentifier =>
    new AlgorithmIdentifier({
      algorithm: oid.pbes2,
      parameters: AsnConvert.serialize(
        new Pbes2Params({
          keyDerivationFunc: new AlgorithmIdentifier({
            algorithm: oid.pbkdf2,
            parameters: AsnConvert.serialize(kdf),
          }),
          encryptionScheme: scheme,
        }),
      ),
    });
  const salt = new Uint8Array(8).buffer;
  const seedIv = (bytes: number): AlgorithmIdentifier =>
    new AlgorithmIdentifier({
      algorithm: oid.seedCbc,
      parameters: AsnConvert.serialize(new OctetString(bytes)),
    });

  it.each([0, 15, 17])('encrypted data of %d bytes is malformed, not a wrong password', (n) => {
    const algorithm = new AlgorithmIdentifier({
      algorithm: oid.seedCbcWithSha1,
      parameters: AsnConvert.serialize(new SaltAndIterations({ salt, iterationCount: 2048 })),
    });
    expect(
      catchError(() => decryptSignPriKey(epki(algorithm, new Uint8Array(n)), password)),
    ).toMatchObject({
      code: 'NPKI_MALFORMED',
      message: expect.stringContaining('not whole SEED blocks') as unknown,
    });
  });

  it('a huge declared length is garbage, not a truncated file', () => {
    const error = catchError(() =>
      decryptSignPriKey(Buffer.from('0\u0083\u00ff\u00ff\u00ff', 'latin1'), password),
    );
    expect(error).toBeInstanceOf(MalformedFileError);
  });

  it('PBES2 with an unknown KDF names the OID', () => {
    const algorithm = new AlgorithmIdentifier({
      algorithm: oid.pbes2,
      parameters: AsnConvert.serialize(
        new Pbes2Params({
          keyDerivationFunc: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.5.3' }),
          encryptionScheme: seedIv(16),
        }),
      ),
    });
    expect(
      catchError(() => decryptSignPriKey(epki(algorithm, new Uint8Array(16)), password)),
    ).toMatchObject({
      code: 'NPKI_UNSUPPORTED_ALGORITHM',
      oid: '1.2.840.113549.1.5.3',
      role: 'keyDerivation',
    });
  });

  it.each([
    [
      'an unknown cipher',
      new Pbkdf2Params({ salt, iterationCount: 1024 }),
      new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.1.2' }),
      { code: 'NPKI_UNSUPPORTED_ALGORITHM', oid: '2.16.840.1.101.3.4.1.2', role: 'encryption' },
    ],
    [
      'an unknown PRF',
      new Pbkdf2Params({
        salt,
        iterationCount: 1024,
        prf: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.2.5' }),
      }),
      seedIv(16),
      { code: 'NPKI_UNSUPPORTED_ALGORITHM', oid: '1.2.840.113549.2.5', role: 'prf' },
    ],
    [
      'an 8-byte IV',
      new Pbkdf2Params({ salt, iterationCount: 1024 }),
      seedIv(8),
      { code: 'NPKI_MALFORMED' },
    ],
    [
      'a 32-byte key length',
      new Pbkdf2Params({ salt, iterationCount: 1024, keyLength: 32 }),
      seedIv(16),
      { code: 'NPKI_MALFORMED' },
    ],
    [
      '2 million iterations',
      new Pbkdf2Params({ salt, iterationCount: 2_000_000 }),
      seedIv(16),
      { code: 'NPKI_MALFORMED' },
    ],
  ])('PBES2 with %s is refused with its own error', (_what, kdf, scheme, expected) => {
    expect(
      catchError(() => decryptSignPriKey(epki(pbes2(kdf, scheme), new Uint8Array(16)), password)),
    ).toMatchObject(expected);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
