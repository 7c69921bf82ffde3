import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PbmParameter } from './asn1/pkiMessage.js';
import { cmpOid, macHashes, owfHashes } from './oids.js';

/** Iteration counts a PBM may ask for; above this a hostile peer could make us spin (DESIGN §8). */
export const maxPbmIterations = 100_000;

/**
 * RFC 4211 §4.4: "The iterationCount MUST be a minimum of 100." Fewer would make a captured
 * message's MAC cheap to test codes against offline; refused from any peer.
 */
export const minPbmIterations = 100;

/** PBM settings for messages we protect. OpenSSL's defaults (DESIGN §5). */
export interface PbmSettings {
  readonly owf: 'sha1' | 'sha256';
  readonly iterations: number;
  readonly mac: 'hmac-sha1' | 'hmac-sha256';
  readonly saltBytes: number;
}

export const defaultPbmSettings: PbmSettings = {
  owf: 'sha256',
  iterations: 500,
  mac: 'hmac-sha1',
  saltBytes: 16,
};

/** Why a PBM could not be checked (as opposed to: it was checked and is wrong). */
export class PbmParameterError extends Error {}

/**
 * The PBM key (RFC 4210 §5.1.3.1): K = OWF^iterationCount(secret ‖ salt), hashing once and then
 * iterationCount − 1 more times.
 */
export function pbmKey(
  secret: Uint8Array,
  salt: Uint8Array,
  owf: string,
  iterations: number,
): Buffer {
  let k = createHash(owf).update(secret).update(salt).digest();
  for (let i = 1; i < iterations; i++) {
    const next = createHash(owf).update(k).digest();
    k.fill(0);
    k = next;
  }
  return k;
}

/** A PasswordBasedMac AlgorithmIdentifier with fresh salt, for a message we protect. */
export function pbmAlgorithm(settings: PbmSettings = defaultPbmSettings): AlgorithmIdentifier {
  const parameter = new PbmParameter({
    salt: new Uint8Array(randomBytes(settings.saltBytes)).buffer,
    owf: new AlgorithmIdentifier({
      algorithm: settings.owf === 'sha1' ? cmpOid.sha1 : cmpOid.sha256,
    }),
    iterationCount: settings.iterations,
    mac: new AlgorithmIdentifier({
      algorithm: settings.mac === 'hmac-sha1' ? cmpOid.hmacSha1Ipsec : cmpOid.hmacWithSha256,
    }),
  });
  return new AlgorithmIdentifier({
    algorithm: cmpOid.passwordBasedMac,
    parameters: AsnConvert.serialize(parameter),
  });
}

/** The PBM over `protectedPart` with the parameters in `algorithm`; PbmParameterError if refused. */
export function pbmMac(
  protectedPart: Uint8Array,
  secret: Uint8Array,
  algorithm: AlgorithmIdentifier,
  maxIterations = maxPbmIterations,
): Buffer {
  if (algorithm.algorithm !== cmpOid.passwordBasedMac || !algorithm.parameters) {
    throw new PbmParameterError(`not a PasswordBasedMac: ${algorithm.algorithm}`);
  }
  let parameter: PbmParameter;
  try {
    parameter = AsnConvert.parse(algorithm.parameters, PbmParameter);
  } catch (cause) {
    throw new PbmParameterError('PBMParameter does not parse', { cause });
  }
  const owf = owfHashes[parameter.owf.algorithm];
  const mac = macHashes[parameter.mac.algorithm];
  if (owf === undefined)
    throw new PbmParameterError(`PBM one-way function ${parameter.owf.algorithm}`);
  if (mac === undefined) throw new PbmParameterError(`PBM MAC ${parameter.mac.algorithm}`);
  const n = parameter.iterationCount;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < minPbmIterations || n > maxIterations) {
    throw new PbmParameterError(`PBM iteration count ${String(n)}`);
  }
  const key = pbmKey(secret, new Uint8Array(parameter.salt), owf, n);
  try {
    return createHmac(mac, key).update(protectedPart).digest();
  } finally {
    key.fill(0);
  }
}

/**
 * Whether `mac` is the PBM of `protectedPart` under `secret` with the sender's parameters.
 * Throws PbmParameterError for parameters we refuse (unknown algorithms, absurd iteration count).
 */
export function pbmVerify(
  protectedPart: Uint8Array,
  secret: Uint8Array,
  algorithm: AlgorithmIdentifier,
  mac: Uint8Array,
  maxIterations = maxPbmIterations,
): boolean {
  const expected = pbmMac(protectedPart, secret, algorithm, maxIterations);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}
