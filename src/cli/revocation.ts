import type { RevocationStatus } from '../certificates/revocation.js';

/** One line for the teller: `kiosk cert check --ca-cert F` (issue 11 item 10). */
export function describeRevocation(r: RevocationStatus): string {
  if (r.status === 'revoked') return `REVOKED on ${r.revokedAt}`;
  if (r.status === 'unchecked') return `not checked (${r.why})`;
  return r.status;
}
