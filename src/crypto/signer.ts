import {
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { signatureOids, type Signer } from '../shared/signer.js';

export { signatureOids, type Signer } from '../shared/signer.js';

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
