import type { TellerApprovalOutput } from '../../machines/tellerApproval.js';
import type { AcceptedForm, ChipSummary, VisitFailure } from '../../machines/types.js';
import { failureStates } from '../../machines/visit/failures.js';
import type { Effect, VisitContext } from '../../machines/visit/setup.js';
import type { AuditLog } from '../audit/auditLog.js';
import { stateText, type AuditPayload } from '../audit/payloads.js';
import { AuditPayloadError, AuditSecretError } from '../errors/audit.js';
import type { Logger } from '../log/logger.js';
import type { DecisionRecord } from '../teller/desk.js';
import type { RunningVisit, VisitSnapshot } from './service.js';

/**
 * A visit's rows in the audit log (issue 14 item 2, DESIGN §6), derived from its snapshots as
 * they change: a `visit.step` per step, the teller's decision when the identity sub-flow records
 * it, a `ca.outcome` when an exchange with the CA or the RA ends. Snapshots hold no secret
 * (machines/types.ts), and every row is still checked by the log (payloads.ts). The visit never
 * waits on or hears of the log: an entry that cannot be written is logged, and the visit goes on.
 */

type TrailKind = 'visit.step' | 'teller.decision' | 'ca.outcome';
type Outcome = AuditPayload<'ca.outcome'>;
type ErrorLog = Pick<Logger, 'error'>;
/** A payload whose absent fields may be given as undefined (write drops them). */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

export interface AuditTrailOptions {
  /** The kiosk's clock: when a fee was taken (the visit records no time for it). */
  readonly now?: () => Date;
  /**
   * The teller API writes fees with the teller's name (auditDeskDecision); the visit records no
   * name, so the trail then writes no fee row of its own.
   */
  readonly feesFromDesk?: boolean;
}

/** The effects that are an exchange with the CA or the RA; copying is the kiosk's own work. */
const operations: Partial<Record<string, Outcome['operation']>> = {
  registering: 'register',
  finding: 'list',
  revoking: 'revoke',
  issuing: 'issue',
  renewing: 'renew',
} satisfies Partial<Record<Effect, Outcome['operation']>>;

/** A failure the CA is party to, by its kind; any other is `failed` (or `unconfirmed`). */
const outcomeByKind: Partial<Record<string, Outcome['outcome']>> = {
  caUnreachable: 'unreachable',
  caRefused: 'refused',
};

/** What a row refused for a free-text field keeps: its fixed fields (see write). */
const coreKeys: Record<TrailKind, readonly string[]> = {
  'visit.step': ['state', 'purpose', 'medium'],
  'teller.decision': ['decision', 'teller', 'decidedAt', 'evidence'],
  'ca.outcome': ['operation', 'outcome', 'spent', 'ref', 'serial', 'code', 'medium'],
};

type SubFlow = { readonly value: unknown; readonly context: unknown };

interface IdentityContext {
  readonly form: AcceptedForm;
  readonly chip: ChipSummary | undefined;
  readonly approval: TellerApprovalOutput | undefined;
}

/**
 * Writes `visit`'s rows to `log` until the visit ends or the returned function is called: its
 * current step first, then what changes. What the visit held already (a visit resumed after a
 * restart) was written by the kiosk that saw it happen.
 */
export function attachAuditTrail(
  log: AuditLog,
  visit: RunningVisit,
  logger: ErrorLog,
  options: AuditTrailOptions = {},
): () => void {
  const now = options.now ?? (() => new Date());
  let step = '';
  let flow: string | undefined;
  let identityState: string | undefined;
  let approval: TellerApprovalOutput | undefined;

  const write = <K extends TrailKind>(kind: K, loose: Loose<AuditPayload<K>>, retry = true) => {
    const payload = Object.fromEntries(
      Object.entries(loose).filter(
        ([key, value]) => value !== undefined && (retry || coreKeys[kind].includes(key)),
      ),
    ) as AuditPayload<K>;
    try {
      log.append(kind, visit.id, payload);
    } catch (error) {
      logger.error({ err: error, visit: visit.id, kind }, 'audit entry not written');
      // A free-text field the log refused (a CA's message, a subject) must not lose the row.
      if (retry && (error instanceof AuditPayloadError || error instanceof AuditSecretError))
        write(kind, loose, false);
    }
  };

  /** The teller's decision (or the time running out) as the identity sub-flow holds it. */
  const decision = (found: TellerApprovalOutput, { form, chip }: IdentityContext): void => {
    const approved = found.outcome === 'approved' ? found : undefined;
    const decided = found.outcome === 'timedOut' ? undefined : found.decision;
    write('teller.decision', {
      decision: found.outcome,
      teller: decided?.teller,
      decidedAt: decided?.at,
      evidence: approved?.evidence,
      overrideReason: approved?.overrideReason,
      reason: found.outcome === 'rejected' ? found.reason : undefined,
      holderName: form.name,
      idnMasked: form.idnMasked,
      document: approved?.inPerson,
      chip: chip === undefined ? undefined : chipOf(chip),
    });
  };

  const observe = (snapshot: VisitSnapshot): void => {
    // A listener that throws is reported as an unhandled error by xstate: nothing may escape.
    try {
      record(snapshot);
    } catch (error) {
      logger.error({ err: error, visit: visit.id }, 'audit trail failed');
    }
  };

  function record(snapshot: VisitSnapshot): void {
    const { context } = snapshot;
    const nextFlow = stateText((snapshot.value as { flow?: unknown }).flow);
    const identity = childOf(snapshot, 'identity');
    const identityContext = identity?.context as IdentityContext | undefined;
    const nextIdentityState = identity === undefined ? undefined : stateText(identity.value);
    const operation = operations[flow ?? ''];
    // Left for the wipe (cancel, timeout): the effect was stopped, it did not end.
    if (operation !== undefined && nextFlow !== flow && nextFlow !== 'wiping')
      write('ca.outcome', outcomeOf(operation, flow ?? '', nextFlow, context));
    const found = identityContext?.approval;
    if (found !== approval) {
      if (found !== undefined && identityContext !== undefined && flow !== undefined)
        decision(found, identityContext);
      approval = found;
    }
    // The fee step left for the end of the sub-flow: the teller took it.
    if (identityState === 'fee' && nextIdentityState !== 'fee' && options.feesFromDesk !== true)
      if (nextIdentityState === 'approved' || context.identity?.outcome === 'approved')
        write('teller.decision', { decision: 'feePaid', decidedAt: now().toISOString() });
    identityState = nextIdentityState;
    flow = nextFlow;
    // The sub-flow the flow state runs (identity, storage, held), whose state is part of the step.
    const subState = childOf(snapshot, nextFlow === 'holding' ? 'held' : nextFlow)?.value;
    const nextStep = subState === undefined ? nextFlow : `${nextFlow}.${stateText(subState)}`;
    if (nextStep === step) return;
    step = nextStep;
    write('visit.step', {
      state: nextStep,
      purpose: context.purpose,
      institution: context.institution,
      certificateType: context.certificateType?.id,
      medium: (context.medium ?? context.held?.medium)?.kind,
    });
  }

  const unsubscribe = visit.subscribe(observe);
  observe(visit.snapshot());
  return unsubscribe;
}

/**
 * Writes what the teller API decided that the visit does not record: who took the fee (an
 * approval or a rejection is in the visit's snapshot, and a refused decision changed nothing).
 */
export function auditDeskDecision(log: AuditLog, record: DecisionRecord, logger: ErrorLog): void {
  if (record.kind !== 'feePaid' || record.outcome !== 'accepted') return;
  const { visitId: visit, teller, at: decidedAt } = record;
  try {
    log.tellerDecision(visit, { decision: 'feePaid', teller, decidedAt });
  } catch (error) {
    logger.error({ err: error, visit, kind: 'teller.decision' }, 'audit entry not written');
  }
}

/** How the exchange of `effect` ended, the visit having moved from it to `next`. */
function outcomeOf(
  operation: Outcome['operation'],
  effect: string,
  next: string,
  context: VisitContext,
): Loose<Outcome> {
  const ref = context.ref !== undefined && /^[0-9]{8}$/.test(context.ref) ? context.ref : undefined;
  const { failure, issued, revocation } = context;
  if (Object.hasOwn(failureStates, next) && context.failed === effect && failure !== undefined)
    return { operation, ref, ...failureOf(failure) };
  const made = operation === 'issue' || operation === 'renew' ? issued : undefined;
  const medium = made && (operation === 'issue' ? context.medium : context.held?.medium);
  const revoked = operation === 'revoke' ? revocation : undefined;
  return {
    operation,
    outcome: 'ok',
    ref,
    serial: (made?.serial ?? revoked?.serial)?.toLowerCase(),
    subject: made?.subject,
    notAfter: made?.notAfter,
    revocationReason: revoked?.reason,
    medium: medium?.kind,
  };
}

/** A failed exchange: the kiosk's error code leads the detail (src/kiosk/failures.ts). */
function failureOf(failure: VisitFailure): Loose<Omit<Outcome, 'operation'>> {
  const { kind, spent } = failure;
  const detail = failure.detail.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  return {
    outcome: spent === 'unconfirmed' ? 'unconfirmed' : (outcomeByKind[kind] ?? 'failed'),
    spent,
    code: /^([A-Z][A-Z0-9_]{1,40}): /.exec(detail)?.[1],
    detail: detail === '' ? undefined : detail.slice(0, 500),
  };
}

/** The chip as the record keeps it: verified or not, the document number, what failed, by name. */
function chipOf(chip: ChipSummary): NonNullable<AuditPayload<'teller.decision'>['chip']> {
  const findings = [
    // `EF.SOD signature: …` → `EF.SOD-signature`: the words before the particulars.
    ...chip.failures.map((failure) => findingName(failure.split(/[:(]/)[0] ?? '')),
    ...chip.mismatches.map((mismatch) => `mismatch:${mismatch.field}`),
  ].filter((name) => name !== '');
  return {
    verified: chip.verified,
    ...(/^[0-9A-Z<]{1,20}$/.test(chip.documentNumber)
      ? { documentNumber: chip.documentNumber }
      : {}),
    ...(findings.length === 0 ? {} : { findings: findings.slice(0, 16) }),
  };
}

/** Words as a name the record takes (`a name without spaces`, payloads.ts). */
function findingName(words: string): string {
  return words
    .trim()
    .replace(/[^A-Za-z0-9_.,-]+/g, '-')
    .slice(0, 64);
}

/** A running sub-flow's snapshot (`identity`, `storage`, `held`), if it runs. */
function childOf(snapshot: VisitSnapshot, id: string): SubFlow | undefined {
  const child = (snapshot.children as Record<string, { getSnapshot(): unknown } | undefined>)[id];
  return child?.getSnapshot() as SubFlow | undefined;
}
