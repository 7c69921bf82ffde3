import { KioskError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { parseCertificate } from '../npki/certificate.js';
import type { CertificateStore } from '../storage/contract.js';

interface InventoryBase {
  readonly id: string;
  readonly caFolder: string;
  readonly hasKey: boolean;
}

/** A certificate on a medium, described for people; or why it could not be read. */
export type InventoryItem =
  | (InventoryBase & { readonly ok: true; readonly facts: CertificateFacts })
  | (InventoryBase & {
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    });

/**
 * Lists every certificate on a medium with its facts. A damaged certificate does not hide the
 * others: it is listed with its error.
 */
export async function listCertificates(
  store: CertificateStore,
  now: Date,
  renewalWindowDays: number,
): Promise<InventoryItem[]> {
  return (await store.list()).map((stored) => {
    const base = { id: stored.id, caFolder: stored.caFolder, hasKey: stored.hasKey };
    try {
      const facts = certificateFacts(parseCertificate(stored.certificate), now, renewalWindowDays);
      return { ...base, ok: true as const, facts };
    } catch (error) {
      if (!(error instanceof KioskError)) throw error;
      return { ...base, ok: false as const, error: { code: error.code, message: error.message } };
    }
  });
}
