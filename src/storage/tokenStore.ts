import { toHex } from '../shared/bytes.js';
import type { TokenDriver, TokenObject } from '../../drivers/pkcs11/contract.js';
import { KeyNotExportableError } from '../errors/index.js';
import { dnFolderName, caFolderFor } from '../npki/layout.js';
import { parseCertificate } from '../npki/certificate.js';
import type { CertificateStore, StoredCertificate } from './contract.js';

/**
 * `token:LABEL`: the certificates on a PKCS#11 token. Certificates are public objects, so listing
 * needs no PIN; the keys never leave the token, so there is no key file to read.
 */
export class TokenStore implements CertificateStore {
  readonly spec: string;

  constructor(
    private readonly label: string,
    private readonly openDriver: (label: string) => Promise<TokenDriver>,
  ) {
    this.spec = `token:${label}`;
  }

  async list(): Promise<StoredCertificate[]> {
    const driver = await this.openDriver(this.label);
    try {
      const session = await driver.open({ label: this.label });
      try {
        const objects = await session.listObjects();
        return objects.filter((o) => o.kind === 'certificate').map((o) => stored(o, objects));
      } finally {
        await session.close();
      }
    } finally {
      await driver.close();
    }
  }

  readKeyFile(): Promise<Uint8Array> {
    return Promise.reject(new KeyNotExportableError(this.label));
  }
}

function stored(certificate: TokenObject, objects: readonly TokenObject[]): StoredCertificate {
  const id = toHex(certificate.id);
  const der = certificate.value ?? new Uint8Array(0);
  let caFolder = '';
  let dnFolder = '';
  try {
    const parsed = parseCertificate(der);
    caFolder = caFolderFor(parsed);
    dnFolder = dnFolderName(parsed);
  } catch {
    // listed with its error by the inventory
  }
  // Private keys are private objects, invisible without the PIN: the public key with the same
  // CKA_ID stands for the pair.
  const hasKey = objects.some((o) => o.kind === 'publicKey' && toHex(o.id) === id);
  return { id, caFolder, dnFolder, certificate: der, hasKey };
}
