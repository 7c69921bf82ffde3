import { createHash, createPrivateKey, pbkdf2Sync, randomBytes } from 'node:crypto';
import { AsnConvert, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  MalformedFileError,
  UnsupportedAlgorithmError,
  Pkcs1KeyError,
  WrongPasswordError,
} from '../errors/index.js';
import { Pbes2Params, Pbkdf2Params, SaltAndIterations } from './asn1/pbe.js';
import { oid } from './asn1/oids.js';
import { checkDerSequence, parseDer } from '../shared/der.js';
import { npkiDer } from './der.js';
import { pbkdf1Sha1 } from './pbkdf1.js';
import { parsePrivateKeyInfo } from './privateKeyInfo.js';
import { SeedPaddingError, seedCbcDecrypt, seedCbcEncrypt } from './seed.js';

/**
 * How a signPri.key is encrypted (DESIGN §4.2): `seedCbcWithSha1` (A), `seedCbcFixedIv` (B, read
 * only) and `pbes2` (C: PBKDF2 + SEED-CBC, what current Korean software writes).
 */
export type KeyFileFormat = 'seedCbcWithSha1' | 'seedCbcFixedIv' | 'pbes2';

/** Formats the kiosk writes. B is legacy and read only. */
export type WritableKeyFileFormat = Exclude<KeyFileFormat, 'seedCbcFixedIv'>;

/** The result of decrypting a signPri.key. The caller zeroes `privateKeyInfo` when done. */
export interface DecryptedKeyFile {
  readonly format: KeyFileFormat;
  readonly iterations: number;
  /** The PrivateKeyInfo DER exactly as it was encrypted (with its attributes). */
  readonly privateKeyInfo: Buffer;
}

/** Options for writing a signPri.key. */
export interface EncryptOptions {
  readonly format: WritableKeyFileFormat;
  /** PBKDF iteration count; at least 1024 (Korean software writes 1024 or 2048). */
  readonly iterations: number;
  /** For tests with fixed vectors; fresh random bytes otherwise. */
  readonly salt?: Uint8Array;
  /** PBES2 only: the SEED-CBC IV; fresh random bytes otherwise. */
  readonly iv?: Uint8Array;
}

/**
 * Iteration counts the reader accepts. The ceiling keeps a hostile file from making the kiosk spin
 * for minutes (DESIGN §8); low counts are weak but were written by real software, so they are read.
 */
export const iterationBounds = { min: 1, max: 1_000_000 } as const;
export const minWriteIterations = 1024;

/** SEED key and block size: 128 bits. */
const seedKeyBytes = 16;
/** The IV of format B, a constant in old KISA libraries. */
const fixedIv = Buffer.from('0123456789012345', 'ascii');

const pbkdf2Prfs: Readonly<Record<string, string>> = {
  [oid.hmacWithSha1]: 'sha1',
  [oid.hmacWithSha224]: 'sha224',
  [oid.hmacWithSha256]: 'sha256',
  [oid.hmacWithSha384]: 'sha384',
  [oid.hmacWithSha512]: 'sha512',
};

/**
 * Decrypts a signPri.key with the certificate password (its bytes; the caller zeroes them).
 * Throws TruncatedFileError, MalformedFileError, UnsupportedAlgorithmError (naming the OID) or
 * WrongPasswordError.
 */
export function decryptSignPriKey(file: Uint8Array, password: Uint8Array): DecryptedKeyFile {
  checkDerSequence(file, npkiDer('privateKey'));
  const epki = parseDer(
    file,
    EncryptedPrivateKeyInfo,
    npkiDer('privateKey'),
    'EncryptedPrivateKeyInfo',
  );
  const algorithm = epki.encryptionAlgorithm;
  const ciphertext = new Uint8Array(epki.encryptedData.buffer);
  // Checked before any key is derived: a damaged file must not be reported as a wrong password,
  // or the visitor retypes a correct one for ever.
  if (ciphertext.length === 0 || ciphertext.length % seedKeyBytes !== 0) {
    throw new MalformedFileError(
      'privateKey',
      `encrypted data of ${ciphertext.length} bytes is not whole SEED blocks`,
    );
  }
  const { format, iterations, key, iv } = deriveForDecryption(algorithm, password);
  let plain: Uint8Array;
  try {
    plain = seedCbcDecrypt(key, iv, ciphertext);
  } catch (cause) {
    if (cause instanceof SeedPaddingError) throw new WrongPasswordError({ cause });
    throw cause;
  } finally {
    key.fill(0);
  }
  const privateKeyInfo = Buffer.from(plain);
  plain.fill(0);
  // A wrong password yields valid PKCS#7 padding about once in 256 tries: only a PrivateKeyInfo
  // that parses proves the password.
  try {
    parsePrivateKeyInfo(privateKeyInfo);
  } catch (cause) {
    // Some issuers' tools wrote a bare PKCS#1 RSAPrivateKey (RFC 8017 A.1.2) where PKCS#8
    // belongs. The password was right then (a random decryption is no valid RSA key), and saying
    // otherwise would have the visitor retype it for ever.
    const pkcs1 = isPkcs1RsaKey(privateKeyInfo);
    privateKeyInfo.fill(0);
    if (pkcs1) throw new Pkcs1KeyError({ cause });
    throw new WrongPasswordError({ cause });
  }
  return { format, iterations, privateKeyInfo };
}

/** Whether `der` is a PKCS#1 RSAPrivateKey that OpenSSL accepts (n, e, d, primes consistent). */
function isPkcs1RsaKey(der: Buffer): boolean {
  try {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    return true;
  } catch {
    return false;
  }
}

/** Encrypts a PrivateKeyInfo (DER) into the bytes of a signPri.key. */
export function encryptSignPriKey(
  privateKeyInfo: Uint8Array,
  password: Uint8Array,
  options: EncryptOptions,
): Buffer {
  const { format, iterations } = options;
  if (!Number.isInteger(iterations) || iterations < minWriteIterations) {
    throw new RangeError(`iterations must be a whole number ≥ ${minWriteIterations}`);
  }
  const salt = Buffer.from(options.salt ?? randomBytes(8));
  let algorithm: AlgorithmIdentifier;
  let key: Buffer;
  let iv: Buffer;
  if (format === 'pbes2') {
    iv = Buffer.from(options.iv ?? randomBytes(seedKeyBytes));
    key = pbkdf2Sync(password, salt, iterations, seedKeyBytes, 'sha1');
    // No keyLength (SEED's is fixed) and no prf (HMAC-SHA1 by default): the encoding current
    // Korean software reads (DESIGN §4.2 C).
    const params = new Pbes2Params({
      keyDerivationFunc: new AlgorithmIdentifier({
        algorithm: oid.pbkdf2,
        parameters: AsnSerializer.serialize(
          new Pbkdf2Params({ salt: toArrayBuffer(salt), iterationCount: iterations }),
        ),
      }),
      encryptionScheme: new AlgorithmIdentifier({
        algorithm: oid.seedCbc,
        parameters: AsnSerializer.serialize(new OctetString(iv)),
      }),
    });
    algorithm = new AlgorithmIdentifier({
      algorithm: oid.pbes2,
      parameters: AsnSerializer.serialize(params),
    });
  } else {
    ({ key, iv } = seedCbcWithSha1Key(password, salt, iterations));
    algorithm = new AlgorithmIdentifier({
      algorithm: oid.seedCbcWithSha1,
      parameters: AsnSerializer.serialize(
        new SaltAndIterations({ salt: toArrayBuffer(salt), iterationCount: iterations }),
      ),
    });
  }
  const ciphertext = seedCbcEncrypt(key, iv, privateKeyInfo);
  key.fill(0);
  const epki = new EncryptedPrivateKeyInfo({ encryptionAlgorithm: algorithm });
  epki.encryptedData.buffer = toArrayBuffer(ciphertext);
  return Buffer.from(AsnConvert.serialize(epki));
}

interface Derived {
  format: KeyFileFormat;
  iterations: number;
  key: Buffer;
  iv: Uint8Array;
}

function deriveForDecryption(algorithm: AlgorithmIdentifier, password: Uint8Array): Derived {
  switch (algorithm.algorithm) {
    case oid.seedCbcWithSha1: {
      const { salt, iterations } = saltAndIterations(algorithm);
      return {
        format: 'seedCbcWithSha1',
        iterations,
        ...seedCbcWithSha1Key(password, salt, iterations),
      };
    }
    case oid.seedCbc: {
      const { salt, iterations } = saltAndIterations(algorithm);
      const dk = pbkdf1Sha1(password, salt, iterations);
      const key = Buffer.from(dk.subarray(0, seedKeyBytes));
      dk.fill(0);
      return { format: 'seedCbcFixedIv', iterations, key, iv: fixedIv };
    }
    case oid.pbes2:
      return derivePbes2(algorithm, password);
    default:
      throw new UnsupportedAlgorithmError(algorithm.algorithm, 'encryption');
  }
}

/** Format A: K = DK[0:16], IV = SHA1(DK[16:20])[0:16] (KISA seedCBCWithSHA1). */
function seedCbcWithSha1Key(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): { key: Buffer; iv: Buffer } {
  const dk = pbkdf1Sha1(password, salt, iterations);
  const key = Buffer.from(dk.subarray(0, seedKeyBytes));
  const iv = createHash('sha1').update(dk.subarray(16, 20)).digest().subarray(0, seedKeyBytes);
  dk.fill(0);
  return { key, iv };
}

function derivePbes2(algorithm: AlgorithmIdentifier, password: Uint8Array): Derived {
  const params = parseParams(algorithm, Pbes2Params, 'PBES2-params');
  const kdf = params.keyDerivationFunc;
  if (kdf.algorithm !== oid.pbkdf2) {
    throw new UnsupportedAlgorithmError(kdf.algorithm, 'keyDerivation');
  }
  const scheme = params.encryptionScheme;
  if (scheme.algorithm !== oid.seedCbc) {
    throw new UnsupportedAlgorithmError(scheme.algorithm, 'encryption');
  }
  const pbkdf2 = parseParams(kdf, Pbkdf2Params, 'PBKDF2-params');
  const iterations = checkIterations(pbkdf2.iterationCount);
  if (pbkdf2.keyLength !== undefined && pbkdf2.keyLength !== seedKeyBytes) {
    throw new MalformedFileError('privateKey', `PBKDF2 keyLength ${pbkdf2.keyLength} for SEED`);
  }
  const prfOid = pbkdf2.prf?.algorithm ?? oid.hmacWithSha1;
  const digest = pbkdf2Prfs[prfOid];
  if (digest === undefined) throw new UnsupportedAlgorithmError(prfOid, 'prf');
  const iv = new Uint8Array(parseParams(scheme, OctetString, 'SEED-CBC IV').buffer);
  if (iv.length !== seedKeyBytes) {
    throw new MalformedFileError('privateKey', `SEED-CBC IV of ${iv.length} bytes`);
  }
  const salt = new Uint8Array(pbkdf2.salt);
  const key = pbkdf2Sync(password, salt, iterations, seedKeyBytes, digest);
  return { format: 'pbes2', iterations, key, iv };
}

function saltAndIterations(algorithm: AlgorithmIdentifier): {
  salt: Uint8Array;
  iterations: number;
} {
  const params = parseParams(algorithm, SaltAndIterations, 'salt and iteration count');
  return { salt: new Uint8Array(params.salt), iterations: checkIterations(params.iterationCount) };
}

function checkIterations(count: number): number {
  // asn1-schema hands back a number for small INTEGERs and a non-number for huge ones.
  if (
    typeof count !== 'number' ||
    !Number.isInteger(count) ||
    count < iterationBounds.min ||
    count > iterationBounds.max
  ) {
    throw new MalformedFileError('privateKey', `iteration count ${String(count)} out of range`);
  }
  return count;
}

function parseParams<T>(algorithm: AlgorithmIdentifier, target: new () => T, what: string): T {
  const raw = algorithm.parameters;
  if (raw === undefined || raw === null) {
    throw new MalformedFileError('privateKey', `${what} missing`);
  }
  return parseDer(new Uint8Array(raw), target, npkiDer('privateKey'), what);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
