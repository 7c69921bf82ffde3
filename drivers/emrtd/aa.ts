import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { curveBits, type HashName } from './signatureCheck.js';

/**
 * Active Authentication (ICAO 9303-11 §6.1): the chip signs the terminal's 8-byte challenge with
 * the private key matching DG15, proving it is not a copy. RSA chips sign with ISO/IEC 9796-2
 * digital signature scheme 1 (message recovery); EC chips with plain ECDSA (BSI TR-03111 §5.2.1,
 * r‖s). The 9796-2 encoding is hand-written: neither OpenSSL nor WebCrypto implements it, so the
 * raw RSA operation is done with RSA_NO_PADDING and the message representative is built and
 * checked here.
 */

/** ISO/IEC 10118-3 hash identifiers, as in a 9796-2 two-byte trailer `xx CC`. */
const trailerHashIds: Readonly<Record<number, HashName>> = {
  0x33: 'sha1',
  0x34: 'sha256',
  0x35: 'sha512',
  0x36: 'sha384',
  0x38: 'sha224',
};

const hashLengths: Readonly<Record<HashName, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

export type ActiveAuthenticationFailure =
  /** The signature does not verify (wrong challenge, a cloned chip, a different key). */
  | 'signatureInvalid'
  /** The recovered message is not a 9796-2 scheme 1 representative (header, trailer). */
  | 'badEncoding'
  /** A trailer naming a hash this kiosk does not compute. */
  | 'unsupportedHash'
  /** A key that is neither RSA nor EC. */
  | 'unsupportedKey';

export type ActiveAuthenticationResult =
  | { readonly ok: true; readonly scheme: 'iso9796-2' | 'ecdsa'; readonly hash: HashName }
  | { readonly ok: false; readonly failure: ActiveAuthenticationFailure; readonly detail: string };

/** Options of verifyActiveAuthentication. */
export interface ActiveAuthenticationOptions {
  /**
   * ECDSA only: the hash the chip uses, from DG14's ActiveAuthenticationInfo (9303-11 §6.1:
   * e.g. ecdsa-plain-SHA256). Without it, the hash matching the key size
   * is assumed, and the result says which.
   */
  readonly ecdsaHash?: HashName;
}

/**
 * Verifies the chip's answer to INTERNAL AUTHENTICATE with `challenge` (RND.IFD, 8 bytes) using
 * the DG15 public key. Never throws for a bad signature: the result says what failed.
 */
export function verifyActiveAuthentication(
  dg15Key: KeyObject,
  challenge: Uint8Array,
  signature: Uint8Array,
  options: ActiveAuthenticationOptions = {},
): ActiveAuthenticationResult {
  if (dg15Key.asymmetricKeyType === 'rsa') return verifyIso9796(dg15Key, challenge, signature);
  if (dg15Key.asymmetricKeyType === 'ec') {
    const hash = options.ecdsaHash ?? hashForCurve(dg15Key);
    let good: boolean;
    try {
      // 'ieee-p1363' is the plain r‖s of BSI TR-03111 §5.2.1: OpenSSL converts it to DER itself.
      good = verify(hash, challenge, { key: dg15Key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      good = false;
    }
    return good
      ? { ok: true, scheme: 'ecdsa', hash }
      : { ok: false, failure: 'signatureInvalid', detail: `ECDSA-${hash} does not verify` };
  }
  return {
    ok: false,
    failure: 'unsupportedKey',
    detail: `AA key type ${String(dg15Key.asymmetricKeyType)}`,
  };
}

function verifyIso9796(
  key: KeyObject,
  challenge: Uint8Array,
  signature: Uint8Array,
): ActiveAuthenticationResult {
  const fail = (
    failure: ActiveAuthenticationFailure,
    detail: string,
  ): ActiveAuthenticationResult => ({
    ok: false,
    failure,
    detail,
  });
  const k = modulusBytes(key);
  if (signature.length === 0 || signature.length > k) {
    return fail('signatureInvalid', `signature of ${signature.length} bytes for a ${k}-byte key`);
  }
  let f: Buffer;
  try {
    // J = s^e mod n; OpenSSL refuses s ≥ n, which is a bad signature.
    const padded = Buffer.alloc(k);
    padded.set(signature, k - signature.length);
    f = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, padded);
  } catch {
    return fail('signatureInvalid', 'the RSA operation refused the signature');
  }
  // ISO/IEC 9796-2 scheme 1: F = header ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer. The first nibble is
  // 0x6 for partial recovery (the chip's M1 fills the capacity, M2 = the challenge, 9303-11
  // §6.1.2); 0x4 would be total recovery, which leaves no room for the challenge.
  const last = f[k - 1];
  let hash: HashName | undefined;
  let trailerBytes: number;
  if (last === 0xbc) {
    hash = 'sha1'; // ISO/IEC 9796-2: the one-byte trailer 'BC' implies SHA-1
    trailerBytes = 1;
  } else if (last === 0xcc) {
    hash = trailerHashIds[f[k - 2] ?? 0];
    trailerBytes = 2;
    if (hash === undefined) {
      return fail('unsupportedHash', `trailer ${(f[k - 2] ?? 0).toString(16)}CC`);
    }
  } else {
    return fail('signatureInvalid', 'no 9796-2 trailer (BC or xxCC)');
  }
  const first = f[0] ?? 0;
  if (first >> 4 !== 0x6) return fail('badEncoding', `header nibble ${(first >> 4).toString(16)}`);
  // Low nibble 'A': M1 starts in the next byte; 'B': padding bytes BB … BA come first.
  let start = 1;
  if ((first & 0x0f) === 0x0b) {
    while (f[start] === 0xbb) start++;
    if (f[start] !== 0xba) return fail('badEncoding', 'padding does not end with BA');
    start++;
  } else if ((first & 0x0f) !== 0x0a) {
    return fail('badEncoding', `header byte ${first.toString(16)}`);
  }
  const hashLength = hashLengths[hash];
  const hashAt = k - trailerBytes - hashLength;
  if (hashAt < start) return fail('badEncoding', 'no room for the message');
  const m1 = f.subarray(start, hashAt);
  const stated = f.subarray(hashAt, k - trailerBytes);
  const actual = createHash(hash).update(m1).update(challenge).digest();
  return timingSafeEqual(stated, actual)
    ? { ok: true, scheme: 'iso9796-2', hash }
    : fail('signatureInvalid', `H(M1 ‖ challenge) does not match (${hash})`);
}

/** Options of signActiveAuthentication. */
export interface SignActiveAuthenticationOptions {
  /** RSA: 'sha1' gives the implicit trailer BC (what most chips do); others `xx CC`. EC: the ECDSA hash. */
  readonly hash?: HashName;
}

/**
 * The card side, for the virtual eMRTD: signs `challenge` as a chip would. RSA keys give an ISO/IEC
 * 9796-2 scheme 1 signature with partial recovery (a random M1 filling the capacity), EC keys a
 * plain r‖s ECDSA signature.
 */
export function signActiveAuthentication(
  privateKey: KeyObject,
  challenge: Uint8Array,
  options: SignActiveAuthenticationOptions = {},
): Buffer {
  if (privateKey.asymmetricKeyType === 'ec') {
    const hash = options.hash ?? hashForCurve(privateKey);
    return sign(hash, challenge, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new RangeError(`AA key type ${String(privateKey.asymmetricKeyType)}`);
  }
  const hash = options.hash ?? 'sha1';
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  // With the modulus a whole number of bytes, F (starting 0x6A) is below n; otherwise the
  // representative would need shifting (ISO/IEC 9796-2), which no chip here needs.
  if (bits % 8 !== 0) throw new RangeError(`modulus of ${bits} bits is not whole bytes`);
  const k = bits / 8;
  const hashId = Object.entries(trailerHashIds).find(([, h]) => h === hash)?.[0];
  const trailer = hash === 'sha1' ? Buffer.from([0xbc]) : Buffer.from([Number(hashId), 0xcc]);
  const m1 = randomBytes(k - 1 - hashLengths[hash] - trailer.length);
  const digest = createHash(hash).update(m1).update(challenge).digest();
  const f = Buffer.concat([Buffer.from([0x6a]), m1, digest, trailer]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, f);
}

function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

/** A hash as strong as the curve (P-256 → SHA-256, …), as DG14's AA info usually pairs them. */
function hashForCurve(key: KeyObject): HashName {
  const bits = curveBits(key);
  return bits <= 224 ? 'sha224' : bits <= 256 ? 'sha256' : bits <= 384 ? 'sha384' : 'sha512';
}
