import {
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';

/** Signature algorithms the kiosk makes and checks (DESIGN §4.4: sha256WithRSAEncryption). */
export const signatureOids = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/**
 * Something that signs with a private key it may never show: a software key now, the token's
 * key later (STYLE #9: the signer is injected per call, never a process-global provider).
 */
export interface Signer {
  /** The signature AlgorithmIdentifier to put next to what this signs. */
  readonly algorithm: AlgorithmIdentifier;
  /** DER SubjectPublicKeyInfo of the key. */
  readonly publicKey: Uint8Array;
  /** The signature over `data` (DER for ECDSA, as X.509 and CMP carry it). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A Signer over a Node KeyObject (RSA: sha256WithRSAEncryption, PKCS#1 v1.5; EC: ECDSA-SHA256). */
export function softwareSigner(privateKey: KeyObject): Signer {
  const rsa = privateKey.asymmetricKeyType === 'rsa';
  if (!rsa && privateKey.asymmetricKeyType !== 'ec') {
    throw new RangeError(`unsupported key type ${String(privateKey.asymmetricKeyType)}`);
  }
  const algorithm = new AlgorithmIdentifier(
    rsa
      ? { algorithm: signatureOids.sha256WithRsa, parameters: null }
      : { algorithm: signatureOids.ecdsaWithSha256 },
  );
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    algorithm,
    publicKey,
    sign: (data) =>
      Promise.resolve(nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'der' })),
  };
}

/**
 * Whether `signature` over `data` verifies with the public key, for the algorithms above. False
 * (not an exception) for an algorithm we do not verify: the caller reports it as a bad signature.
 */
export function verifySignature(
  spki: SubjectPublicKeyInfo | Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (
    algorithm.algorithm !== signatureOids.sha256WithRsa &&
    algorithm.algorithm !== signatureOids.ecdsaWithSha256
  ) {
    return false;
  }
  const der = spki instanceof Uint8Array ? spki : new Uint8Array(AsnConvert.serialize(spki));
  try {
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    return nodeVerify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
