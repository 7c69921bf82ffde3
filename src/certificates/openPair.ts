import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Certificate } from '@peculiar/asn1-x509';
import { KeyMismatchError, MalformedFileError } from '../errors/index.js';
import { parseCertificate } from '../npki/certificate.js';
import { keyMatchesCertificate } from '../npki/keyPair.js';
import { readRandomNum, withoutAttributes } from '../npki/randomNum.js';
import { decryptSignPriKey } from '../npki/signPriKey.js';
import type { CertificateStore, StoredCertificate } from '../storage/contract.js';

/** A certificate with its private key opened, for renewal and revocation. */
export interface OpenedPair {
  readonly certificate: Certificate;
  readonly privateKey: KeyObject;
  /** R from the key's randomNum attribute (the VID's), when the key has one. */
  readonly r: Buffer | undefined;
}

/**
 * Opens a stored pair with its password: WrongPasswordError, the typed file errors, or
 * KeyMismatchError when the key is not the certificate's. The caller zeroes `r`.
 */
export async function openPair(
  store: CertificateStore,
  stored: StoredCertificate,
  password: Uint8Array,
): Promise<OpenedPair> {
  const certificate = parseCertificate(stored.certificate);
  const { privateKeyInfo } = decryptSignPriKey(await store.readKeyFile(stored.id), password);
  try {
    if (!keyMatchesCertificate(privateKeyInfo, certificate)) throw new KeyMismatchError();
    const bare = withoutAttributes(privateKeyInfo);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: bare, format: 'der', type: 'pkcs8' });
    } catch (cause) {
      throw new MalformedFileError('privateKey', 'the private key cannot be loaded', { cause });
    } finally {
      bare.fill(0);
    }
    return { certificate, privateKey, r: readRandomNum(privateKeyInfo) };
  } finally {
    privateKeyInfo.fill(0);
  }
}
