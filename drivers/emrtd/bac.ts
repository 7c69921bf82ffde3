import { randomBytes } from 'node:crypto';
import { BacFailedError, ChipResponseError, ChipStatusError } from './errors.js';
import type { ApduTransport } from '../pcsc/contract.js';
import { encodeCommand, splitResponse, sw } from './apdu.js';
import {
  bacKeySeed,
  concat,
  deriveDesKey,
  keyPurpose,
  macEquals,
  retailMac,
  tdesDecrypt,
  tdesEncrypt,
  wipe,
} from './crypto.js';

/**
 * Basic Access Control (ICAO 9303-11 §4.3; key derivation §9.7; worked example Appendix D.3) for
 * both ends: the terminal's GET CHALLENGE / EXTERNAL AUTHENTICATE, and the card's answer to it, so
 * that the virtual eMRTD runs the very code the reader is tested against.
 */

/** The document basic access keys, derived from MRZ_info. */
export interface BacKeys {
  readonly kEnc: Uint8Array;
  readonly kMac: Uint8Array;
}

/** The session keys and starting send sequence counter BAC establishes (9303-11 §9.7.4). */
export interface BacSession {
  readonly ksEnc: Uint8Array;
  readonly ksMac: Uint8Array;
  readonly ssc: Uint8Array;
}

/** Kenc and Kmac from MRZ_info (9303-11 §9.7.2): Kseed = SHA-1(MRZ_info)[0:16], counters 1, 2. */
export function bacKeys(mrzInfo: string): BacKeys {
  const seed = bacKeySeed(mrzInfo);
  const keys = {
    kEnc: deriveDesKey(seed, keyPurpose.enc),
    kMac: deriveDesKey(seed, keyPurpose.mac),
  };
  wipe(seed);
  return keys;
}

/**
 * Session keys from both key halves and nonces (9303-11 §9.7.4, Appendix D.3): KSseed =
 * K.IFD ⊕ K.ICC, KSenc/KSmac derived with counters 1 and 2, SSC = RND.IC[4:8] ‖ RND.IFD[4:8].
 */
export function bacSession(
  kIfd: Uint8Array,
  kIcc: Uint8Array,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
): BacSession {
  const seed = kIfd.map((b, i) => b ^ (kIcc[i] ?? 0));
  const session = {
    ksEnc: deriveDesKey(seed, keyPurpose.enc),
    ksMac: deriveDesKey(seed, keyPurpose.mac),
    ssc: concat(rndIc.subarray(4, 8), rndIfd.subarray(4, 8)),
  };
  wipe(seed);
  return session;
}

/**
 * The terminal's EXTERNAL AUTHENTICATE data (§4.3.3.1 steps 2–4): E_IFD = 3DES(Kenc, RND.IFD ‖
 * RND.IC ‖ K.IFD), M_IFD = MAC(Kmac, E_IFD); 40 bytes.
 */
export function ifdAuthenticationData(
  keys: BacKeys,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
  kIfd: Uint8Array,
): Uint8Array {
  const s = concat(rndIfd, rndIc, kIfd);
  const eIfd = tdesEncrypt(keys.kEnc, s);
  wipe(s);
  return concat(eIfd, retailMac(keys.kMac, eIfd));
}

/**
 * Checks the card's answer (§4.3.3.1 steps 5–6): M_IC, then that it decrypts to RND.IC ‖ RND.IFD
 * ‖ K.ICC with our nonces, and derives the session.
 *
 * @throws BacFailedError ('malformed', 'badMac', 'nonceMismatch').
 */
export function ifdCompleteAuthentication(
  keys: BacKeys,
  response: Uint8Array,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
  kIfd: Uint8Array,
): BacSession {
  if (response.length !== 40) throw new BacFailedError('malformed');
  const eIc = response.subarray(0, 32);
  if (!macEquals(retailMac(keys.kMac, eIc), response.subarray(32))) {
    throw new BacFailedError('badMac');
  }
  const r = tdesDecrypt(keys.kEnc, eIc);
  const echoedIc = r.subarray(0, 8);
  const echoedIfd = r.subarray(8, 16);
  if (!macEquals(echoedIc, rndIc) || !macEquals(echoedIfd, rndIfd)) {
    wipe(r);
    throw new BacFailedError('nonceMismatch');
  }
  const session = bacSession(kIfd, r.subarray(16, 32), rndIc, rndIfd);
  wipe(r);
  return session;
}

/** What the terminal may inject (tests: the Appendix D values); random otherwise. */
export interface BacOptions {
  /** RND.IFD, 8 bytes. */
  readonly rndIfd?: Uint8Array;
  /** K.IFD, 16 bytes. */
  readonly kIfd?: Uint8Array;
  readonly signal?: AbortSignal;
}

/**
 * Runs BAC over `transport` (the eMRTD application already selected): GET CHALLENGE, then
 * EXTERNAL AUTHENTICATE, and returns the session.
 *
 * @throws BacFailedError when the chip refuses our keys (6300, 6982, 6988) or its answer does not
 *   verify; ChipStatusError / ChipResponseError for other answers; transport errors unchanged.
 */
export async function performBac(
  transport: ApduTransport,
  keys: BacKeys,
  options: BacOptions = {},
): Promise<BacSession> {
  const rndIfd = options.rndIfd ?? new Uint8Array(randomBytes(8));
  const kIfd = options.kIfd ?? new Uint8Array(randomBytes(16));
  if (rndIfd.length !== 8 || kIfd.length !== 16) throw new RangeError('RND.IFD 8, K.IFD 16 bytes');

  // GET CHALLENGE (9303-11 §4.3.3.1 step 1, ISO 7816-4 §7.5.3): 8 bytes of RND.IC.
  const challenge = splitResponse(
    await transport.transmit(
      encodeCommand({ cla: 0, ins: 0x84, p1: 0, p2: 0, le: 8 }),
      options.signal,
    ),
    'GET CHALLENGE',
  );
  if (challenge.sw !== sw.ok) throw new ChipStatusError('GET CHALLENGE', challenge.sw);
  if (challenge.data.length !== 8) {
    throw new ChipResponseError('GET CHALLENGE', `a challenge of ${challenge.data.length} bytes`);
  }
  const rndIc = Uint8Array.from(challenge.data);

  const data = ifdAuthenticationData(keys, rndIc, rndIfd, kIfd);
  // EXTERNAL AUTHENTICATE (§4.3.3.1 step 4): P1 P2 = 00 00, Le 28 (Appendix D.3).
  const answer = splitResponse(
    await transport.transmit(
      encodeCommand({ cla: 0, ins: 0x82, p1: 0, p2: 0, data, le: 0x28 }),
      options.signal,
    ),
    'EXTERNAL AUTHENTICATE',
  );
  if (isBacRefusal(answer.sw)) throw new BacFailedError('refused', answer.sw);
  if (answer.sw !== sw.ok) throw new ChipStatusError('EXTERNAL AUTHENTICATE', answer.sw);
  try {
    return ifdCompleteAuthentication(keys, answer.data, rndIc, rndIfd, kIfd);
  } finally {
    if (options.kIfd === undefined) wipe(kIfd);
  }
}

/**
 * Status words with which chips refuse BAC's cryptogram: 6300 (authentication failed, 63Cx with a
 * counter), 6982 (security status not satisfied, 9303-11 §4.3.3.1), 6988 (SM data objects
 * incorrect, seen on some national ID cards).
 */
export function isBacRefusal(status: number): boolean {
  return (
    (status & 0xfff0) === 0x63c0 ||
    status === sw.authenticationFailed ||
    status === sw.securityStatusNotSatisfied ||
    status === sw.smObjectsIncorrect
  );
}

/**
 * The card's side of EXTERNAL AUTHENTICATE (9303-11 §4.3.3.1 steps 5–6 as the chip does them):
 * verifies M_IFD, decrypts E_IFD, checks that it carries the challenge the card gave (`rndIc`),
 * and answers E_IC ‖ M_IC with E_IC = 3DES(Kenc, RND.IC ‖ RND.IFD ‖ K.ICC).
 *
 * @throws BacFailedError ('malformed', 'badMac', 'nonceMismatch'): the card answers 6300.
 */
export function iccAuthenticate(
  keys: BacKeys,
  rndIc: Uint8Array,
  kIcc: Uint8Array,
  commandData: Uint8Array,
): { readonly response: Uint8Array; readonly session: BacSession } {
  if (commandData.length !== 40 || rndIc.length !== 8 || kIcc.length !== 16) {
    throw new BacFailedError('malformed');
  }
  const eIfd = commandData.subarray(0, 32);
  if (!macEquals(retailMac(keys.kMac, eIfd), commandData.subarray(32))) {
    throw new BacFailedError('badMac');
  }
  const s = tdesDecrypt(keys.kEnc, eIfd);
  const rndIfd = Uint8Array.from(s.subarray(0, 8));
  if (!macEquals(s.subarray(8, 16), rndIc)) {
    wipe(s);
    throw new BacFailedError('nonceMismatch');
  }
  const kIfd = s.subarray(16, 32);
  const r = concat(rndIc, rndIfd, kIcc);
  const eIc = tdesEncrypt(keys.kEnc, r);
  const session = bacSession(kIfd, kIcc, rndIc, rndIfd);
  wipe(s, r);
  return { response: concat(eIc, retailMac(keys.kMac, eIc)), session };
}
