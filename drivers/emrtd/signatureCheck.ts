import { constants, verify, type KeyObject } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  decodeOid,
  expectTag,
  readChildren,
  readTlv,
  type DerContext,
} from '../../src/shared/der.js';

/**
 * Signature checks for Passive Authentication (ICAO 9303-12 lists what issuing states may use for
 * the SOD and the certificates): RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA with SHA-1/224/256/384/512.
 * Done with node:crypto (OpenSSL) rather than WebCrypto because CSCAs use curves and parameters
 * WebCrypto refuses (brainpool curves, explicit EC parameters, PSS salt lengths), and because a
 * check must answer with a reason, never throw: an unknown algorithm is a failed check.
 */

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Hash OIDs (NIST CSOR, RFC 5754) → Node's names. */
export const hashOids: Readonly<Record<string, HashName>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** The OID of a hash, for writing. */
export function hashOid(name: HashName): string {
  const found = Object.entries(hashOids).find(([, n]) => n === name);
  if (found === undefined) throw new RangeError(`no OID for ${name}`);
  return found[0];
}

export const rsaEncryptionOid = '1.2.840.113549.1.1.1';
export const rsaPssOid = '1.2.840.113549.1.1.10';
export const ecPublicKeyOid = '1.2.840.10045.2.1';
const mgf1Oid = '1.2.840.113549.1.1.8';

/** Signature OIDs with the hash they imply (RFC 4055 §5, RFC 5758 §3.2). */
export const signatureOids: Readonly<Record<string, { kind: 'rsa' | 'ecdsa'; hash: HashName }>> = {
  '1.2.840.113549.1.1.5': { kind: 'rsa', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { kind: 'rsa', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { kind: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa', hash: 'sha512' },
  '1.2.840.10045.4.1': { kind: 'ecdsa', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { kind: 'ecdsa', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'sha512' },
};

/** Why a signature did not verify. */
export type SignatureFailure = 'unsupportedAlgorithm' | 'signatureInvalid';

export type SignatureOutcome =
  | { readonly ok: true; readonly algorithm: string }
  | { readonly ok: false; readonly failure: SignatureFailure; readonly detail: string };

/** What verifying needs, resolved from an AlgorithmIdentifier. */
interface Scheme {
  readonly name: string;
  readonly hash: HashName;
  readonly padding?: number;
  readonly saltLength?: number;
}

/**
 * Verifies `signature` over `data` with `key` under `algorithm`. `digest` is the separate digest
 * algorithm a CMS SignerInfo names, needed when the signature algorithm is the bare key OID
 * (rsaEncryption, id-ecPublicKey), which several issuing states put in their SODs (RFC 5652 §5.3
 * allows it, RFC 3370 §3.2 describes it).
 */
export function verifyWithAlgorithm(
  key: KeyObject,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  digest?: HashName,
): SignatureOutcome {
  const scheme = schemeOf(algorithm, digest);
  if (typeof scheme === 'string')
    return { ok: false, failure: 'unsupportedAlgorithm', detail: scheme };
  const isEc = key.asymmetricKeyType === 'ec';
  if (isEc !== scheme.name.startsWith('ecdsa')) {
    return {
      ok: false,
      failure: 'unsupportedAlgorithm',
      detail: `${scheme.name} with a ${String(key.asymmetricKeyType)} key`,
    };
  }
  let good: boolean;
  try {
    good = verify(
      scheme.hash,
      data,
      isEc
        ? { key, dsaEncoding: 'der' }
        : {
            key,
            ...(scheme.padding === undefined ? {} : { padding: scheme.padding }),
            ...(scheme.saltLength === undefined ? {} : { saltLength: scheme.saltLength }),
          },
      signature,
    );
  } catch {
    // OpenSSL refusing the input (a wrong-size signature, a key it cannot use) is a bad signature.
    good = false;
  }
  return good
    ? { ok: true, algorithm: scheme.name }
    : { ok: false, failure: 'signatureInvalid', detail: `${scheme.name} does not verify` };
}

function schemeOf(algorithm: AlgorithmIdentifier, digest: HashName | undefined): Scheme | string {
  const oid = algorithm.algorithm;
  const known = signatureOids[oid];
  if (known !== undefined) return { name: `${known.kind}-${known.hash}`, hash: known.hash };
  if (oid === rsaEncryptionOid || oid === ecPublicKeyOid) {
    if (digest === undefined) return `${oid} without a digest algorithm`;
    return { name: `${oid === rsaEncryptionOid ? 'rsa' : 'ecdsa'}-${digest}`, hash: digest };
  }
  if (oid === rsaPssOid) {
    const params = algorithm.parameters == null ? undefined : new Uint8Array(algorithm.parameters);
    return pssScheme(params);
  }
  return `signature algorithm ${oid}`;
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1): `SEQUENCE { [0] hash DEFAULT sha1, [1] mgf DEFAULT mgf1SHA1,
 * [2] saltLength DEFAULT 20, [3] trailerField DEFAULT 1 }`, read by hand because the package with
 * its schema is not one of ours and the structure is four optional fields. Node's PSS uses the
 * message hash for MGF1 too, so a different MGF1 hash is unsupported rather than misverified.
 */
function pssScheme(params: Uint8Array | undefined): Scheme | string {
  const problem: string[] = [];
  const ctx: DerContext = {
    truncated: () => new Error('PSS parameters cut short'),
    malformed: (detail) => new Error(`PSS parameters: ${detail}`),
    maxBytes: 1024,
  };
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  try {
    if (params !== undefined && params.length > 0) {
      const seq = readTlv(params, 0, ctx);
      if (seq.tag !== 0x30 || seq.bytes.length !== params.length) return 'PSS parameters malformed';
      for (const field of readChildren(seq.content, ctx)) {
        const inner = readTlv(field.content, 0, ctx, true);
        if (field.tag === 0xa0) {
          const name = hashOids[algorithmOid(inner.bytes, ctx)];
          if (name === undefined) return 'PSS hash unsupported';
          hash = name;
        } else if (field.tag === 0xa1) {
          const mgf = readChildren(expectTag(inner, 0x30, 'MGF', ctx), ctx);
          if (decodeOid(expectTag(mgf[0], 0x06, 'MGF OID', ctx), ctx) !== mgf1Oid) {
            return 'PSS mask generation function unsupported';
          }
          const name = mgf[1] === undefined ? undefined : hashOids[algorithmOid(mgf[1].bytes, ctx)];
          if (name === undefined) return 'PSS MGF1 hash unsupported';
          mgfHash = name;
        } else if (field.tag === 0xa2) {
          const salt = expectTag(inner, 0x02, 'salt length', ctx);
          if (salt.length > 2) return 'PSS salt length out of range';
          saltLength = Buffer.from(salt).readUIntBE(0, salt.length);
        } else if (field.tag === 0xa3) {
          const trailer = expectTag(inner, 0x02, 'trailer', ctx);
          if (trailer.length !== 1 || trailer[0] !== 1) return 'PSS trailer field unsupported';
        } else {
          problem.push(`unknown PSS field ${field.tag.toString(16)}`);
        }
      }
    }
  } catch (error) {
    return error instanceof Error ? error.message : 'PSS parameters malformed';
  }
  if (problem.length > 0) return problem.join('; ');
  if (mgfHash !== hash) return `PSS with MGF1-${mgfHash} over ${hash}`;
  return { name: `rsa-pss-${hash}`, hash, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength };
}

function algorithmOid(bytes: Uint8Array, ctx: DerContext): string {
  const seq = readTlv(bytes, 0, ctx, true);
  const [oid] = readChildren(expectTag(seq, 0x30, 'AlgorithmIdentifier', ctx), ctx);
  return decodeOid(expectTag(oid, 0x06, 'algorithm OID', ctx), ctx);
}

/**
 * The field size of an EC key from OpenSSL's curve name (`prime256v1`, `secp384r1`,
 * `brainpoolP320r1`: the size is the number in the name); 256 when OpenSSL names none.
 */
export function curveBits(key: KeyObject): number {
  const match = /(\d{3})/.exec(key.asymmetricKeyDetails?.namedCurve ?? '');
  return match === null ? 256 : Number(match[1]);
}
