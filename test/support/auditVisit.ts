import { join } from 'node:path';
import { openAuditLog, type AuditLog, type AuditLogOptions } from '../../src/audit/auditLog.js';
import { tempDir } from './tempDir.js';

// An audit log of its own for each test (STYLE #14), and a full visit written through the module
// as the kiosk service will write it: steps, the teller's approval, the CA exchanges.

/** A clock that moves one second per reading, from a fixed start. */
export function steppingClock(start = Date.parse('2026-03-02T01:00:00.000Z')): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

/** Options for a log in a fresh folder; checkpoints only at open and close unless overridden. */
export function auditOptions(overrides: Partial<AuditLogOptions> = {}): AuditLogOptions {
  const dir = tempDir('audit-');
  return {
    file: join(dir, 'state', 'audit.sqlite'),
    checkpointsFile: join(dir, 'state', 'audit.checkpoints.jsonl'),
    keyFile: join(dir, 'state', 'audit-key.pem'),
    checkpointEvery: 1000,
    checkpointIntervalMs: 3_600_000,
    now: steppingClock(),
    ...overrides,
  };
}

export const visitId = '3f1c2a4e-8b7d-4c21-9a55-0e6b1d2f7a90';

/** The entries of one issuance visit (the log's own start and stop entries aside). */
export function writeVisit(log: AuditLog, visit = visitId): void {
  const step = (state: string, event?: string): void => {
    log.visitStep(visit, {
      state,
      purpose: 'issue',
      ...(event === undefined ? {} : { event }),
    });
  };
  step('choosing', 'visitor.start');
  step('form', 'visitor.select');
  step('identity.readingCard', 'form.accepted');
  step('identity.awaitingTeller', 'xstate.done.actor.readChip');
  log.tellerDecision(visit, {
    decision: 'approved',
    teller: 'teller-07 김하나',
    decidedAt: '2026-03-02T01:03:00.000Z',
    evidence: 'chipVerified',
    holderName: '홍길동',
    idnMasked: '900101-1******',
    chip: { verified: true, documentNumber: 'M12345678' },
  });
  log.caOutcome(visit, { operation: 'register', outcome: 'ok', ref: '48213377' });
  step('storage', 'visitor.chooseToken');
  step('issuing', 'secret.accepted');
  log.caOutcome(visit, {
    operation: 'issue',
    outcome: 'ok',
    ref: '48213377',
    serial: '5f3a9c0e7d21b4a86c13e9f0a2b4c6d8',
    subject: 'cn=홍길동()1772413200123456789012,ou=personal4IB,o=yessign,c=kr',
    notAfter: '2027-03-02T14:59:59.000Z',
    medium: 'token',
  });
  log.caOutcome(visit, {
    operation: 'confirm',
    outcome: 'ok',
    serial: '5f3a9c0e7d21b4a86c13e9f0a2b4c6d8',
  });
  step('done', 'xstate.done.actor.issue');
}

/** A log with one full visit, closed; its options. Entries: start, 11 for the visit, stop. */
export async function fullVisitLog(
  overrides: Partial<AuditLogOptions> = {},
): Promise<AuditLogOptions> {
  const options = auditOptions(overrides);
  const log = openAuditLog(options);
  writeVisit(log);
  await log.close();
  return options;
}

/** Entries a full visit log holds: kiosk.start, the visit's 11, kiosk.stop. */
export const fullVisitEntries = 13;
