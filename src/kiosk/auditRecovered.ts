import type { AuditLog } from '../audit/auditLog.js';
import type { AuditPayload } from '../audit/payloads.js';
import type { Logger } from '../log/logger.js';
import type { RecoveredVisit } from './recovery.js';

/**
 * What the start did with the visits a crash left open (recovery.ts), in the audit log beside
 * their earlier rows (issue 14 items 2 and 3): a `visit.step` `recovered.<outcome>` for each, and a
 * `ca.outcome` for what the CA was told: the certificate confirmed through the RA, or the ones
 * voided because the issuance never finished. What could not be put right goes into the row's
 * detail for the inspector (media and tokens by name; never a secret: recovery holds none).
 * An entry that cannot be written is logged; the start goes on.
 */
export function auditRecovered(
  log: AuditLog,
  recovered: readonly RecoveredVisit[],
  logger: Pick<Logger, 'error'>,
): void {
  for (const visit of recovered) {
    const medium = visit.medium?.kind;
    const ref = visit.ref === undefined ? {} : { ref: visit.ref };
    const detail = detailOf(visit.problems);
    const rows: [kind: 'visit.step' | 'ca.outcome', payload: object][] = [
      ['visit.step', { state: `recovered.${visit.outcome}`, ...(medium ? { medium } : {}) }],
    ];
    // A confirmation the visit made itself is in its own rows already (ca.outcome issue ok).
    if (visit.certificate !== undefined && visit.confirmedBefore !== true)
      rows.push([
        'ca.outcome',
        {
          operation: 'confirm',
          outcome: 'ok',
          ...ref,
          serial: visit.certificate.serial,
          subject: visit.certificate.subject,
          notAfter: visit.certificate.notAfter,
          ...(medium ? { medium } : {}),
          ...detail,
        },
      ]);
    for (const serial of visit.voided ?? [])
      rows.push([
        'ca.outcome',
        { operation: 'confirm', outcome: 'refused', spent: 'refused', ...ref, serial, ...detail },
      ]);
    if (visit.outcome === 'unsettled')
      rows.push([
        'ca.outcome',
        { operation: 'confirm', outcome: 'unreachable', ...ref, ...detail },
      ]);
    for (const [kind, payload] of rows) {
      const write = (p: object): void => {
        if (kind === 'visit.step') log.visitStep(visit.visit, p as AuditPayload<'visit.step'>);
        else log.caOutcome(visit.visit, p as AuditPayload<'ca.outcome'>);
      };
      try {
        try {
          write(payload);
        } catch (error) {
          // The words are the one free-form part (a medium's name from the record, a driver's
          // message): what the CA was told must still be on record without them.
          if (!('detail' in payload)) throw error;
          logger.error({ err: error, visit: visit.visit, kind }, 'audit entry refused its detail');
          write(Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'detail')));
        }
      } catch (error) {
        logger.error({ err: error, visit: visit.visit, kind }, 'audit entry not written');
      }
    }
  }
}

/** The problems as one printable line of at most 500 characters (payloads.ts text(500)). */
function detailOf(problems: readonly string[]): { detail?: string } {
  const text = problems
    .join('; ')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .trim();
  // Half a surrogate pair is no text.
  const cut = text.slice(0, 500).replace(/[\uD800-\uDBFF]$/, '');
  return cut === '' ? {} : { detail: cut };
}
