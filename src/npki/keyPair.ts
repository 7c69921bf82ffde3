import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Certificate } from '@peculiar/asn1-x509';
import { MalformedFileError } from '../errors/index.js';
import { subjectPublicKeyInfoDer } from './certificate.js';
import { withoutAttributes } from './randomNum.js';

/**
 * Whether a decrypted PrivateKeyInfo is the private half of the certificate's public key. The
 * public key is derived from the private key and compared as a key (KeyObject.equals), so
 * differences in how the SPKI happens to be encoded do not matter.
 */
export function keyMatchesCertificate(
  privateKeyInfo: Uint8Array,
  certificate: Certificate,
): boolean {
  let derived;
  const bare = withoutAttributes(privateKeyInfo);
  try {
    derived = createPublicKey(createPrivateKey({ key: bare, format: 'der', type: 'pkcs8' }));
  } catch (cause) {
    throw new MalformedFileError('privateKey', 'the private key cannot be loaded', { cause });
  } finally {
    bare.fill(0);
  }
  let certified;
  try {
    certified = createPublicKey({
      key: subjectPublicKeyInfoDer(certificate),
      format: 'der',
      type: 'spki',
    });
  } catch (cause) {
    throw new MalformedFileError('certificate', 'the public key cannot be loaded', { cause });
  }
  return derived.equals(certified);
}
