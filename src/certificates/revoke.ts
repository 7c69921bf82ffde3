import type { CRLReasons } from '@peculiar/asn1-x509';
import type { CmpClient } from '../cmp/client.js';
import { softwareSigner } from '../crypto/signer.js';
import { serialHex } from '../npki/certificate.js';
import type { CertificateStore, StoredCertificate } from '../storage/contract.js';
import { openPair } from './openPair.js';

/** Revokes a stored certificate with CMP rr, signed by its own key (the holder proves it). */
export async function revokeStored(
  client: CmpClient,
  store: CertificateStore,
  stored: StoredCertificate,
  password: Uint8Array,
  reason: CRLReasons,
  /** Called just before the CA is asked (progress; may throw to stop), and the caller's signal. */
  control: { readonly beforeRequest?: () => void; readonly signal?: AbortSignal } = {},
): Promise<{ serial: string }> {
  const pair = await openPair(store, stored, password);
  pair.r?.fill(0);
  control.beforeRequest?.();
  await client.revoke({
    signer: softwareSigner(pair.privateKey),
    certificate: pair.certificate,
    reason,
    ...(control.signal === undefined ? {} : { signal: control.signal }),
  });
  return { serial: serialHex(pair.certificate) };
}
