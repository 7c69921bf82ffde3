import type { NpkiFiles } from '../npki/layout.js';

/**
 * A medium that holds NPKI certificates: a folder (`dir:`), later a USB drive (`usb:`) or a token
 * (`token:`). The certificate services work on this contract only.
 */
export interface CertificateStore {
  /** The storage SPEC it was opened from, for messages. */
  readonly spec: string;
  /** Every certificate on the medium, in a stable order. */
  list(): Promise<StoredCertificate[]>;
  /**
   * The encrypted private key file of a certificate. Rejects with CertificateNotFoundError when
   * the certificate has no key on this medium.
   */
  readKeyFile(id: string): Promise<Uint8Array>;
}

/**
 * A medium the kiosk writes NPKI pairs onto: a folder or a USB drive (a token keeps keys itself,
 * see src/certificates/*OnToken.ts).
 */
export interface NpkiMedium extends CertificateStore {
  /**
   * Checks, before the CA is asked, that a pair could be written here (the folder exists, the
   * drive has a FAT file system): a reference number spent on a medium that cannot hold the pair
   * is lost.
   */
  prepare(): Promise<void>;
  /**
   * Writes `/NPKI/<CA>/USER/<DN>/` all or nothing (npki/pairWrite.ts); an existing folder for the DN is
   * replaced only with `replace`. Returns where it went, for messages.
   */
  writePair(
    caFolder: string,
    dnFolder: string,
    files: NpkiFiles,
    options: { replace: boolean },
  ): Promise<string>;
}

/** One certificate as found on a medium. */
export interface StoredCertificate {
  /** Opaque, stable for this medium (the folder path for `dir:`). */
  readonly id: string;
  /** The CA folder it was found in. */
  readonly caFolder: string;
  /** The DN folder it was found in. */
  readonly dnFolder: string;
  /** signCert.der as read. */
  readonly certificate: Uint8Array;
  readonly hasKey: boolean;
}
