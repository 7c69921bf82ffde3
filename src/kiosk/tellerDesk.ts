import type { TellerApprovalOutput } from '../../machines/tellerApproval.js';
import type { ChipSummary, Evidence, Words } from '../../machines/types.js';
import type { MrzEntry } from '../../machines/form/mrzEntry.js';
import type { DocumentReading } from '../document/readDocument.js';
import { UsageError } from '../errors/index.js';
import type {
  ApprovalBasis,
  Decision,
  DecisionRefusal,
  DecisionResult,
  PhotoType,
  QueueEntry,
  TellerDesk,
  Verdict,
  VisitView,
  Waiting,
} from '../teller/desk.js';
import { activeVerdict, chipPhoto, passiveVerdict } from '../teller/verdicts.js';
import type { KioskService, RunningVisit, VisitSnapshot } from './service.js';

// The teller desk over the kiosk service (issue 14 item 1): the TellerDesk the teller API
// (src/teller/server.ts) is built against, answered from the running visit. The visit's identity
// sub-flow (machines/identity.ts) says what it waits for: `approval` (its tellerApproval child
// pending) or `fee`. A decision becomes the visit's own event (`teller.approve`, `teller.reject`,
// `teller.feePaid`, stamped by the service) or, without a chip, RunningVisit.approveInPerson; the
// desk then reads the visit again to say whether the visit took it. No HTTP here, no secret held.

export interface KioskTellerDeskOptions {
  /** The kiosk's clock: when a visit began to wait (QueueEntry.since). */
  readonly now?: () => Date;
}

export interface KioskTellerDesk extends TellerDesk {
  /**
   * Looks at the service's visit now. The desk looks at each call and follows the visit it saw
   * since; the kiosk calls this on every change, so `since` is when the wait began.
   */
  notice(): void;
  /** Stops following the visit. */
  close(): void;
}

/** What the desk reads of the identity child (machines/identity.ts IdentityContext). */
interface IdentitySnapshot {
  readonly value: unknown;
  readonly context: {
    readonly chip?: ChipSummary;
    readonly mrz?: MrzEntry;
    readonly approval?: TellerApprovalOutput;
  };
}

const inPersonWithChip: Words = {
  ko: '칩을 읽은 방문입니다: 실물 신분증 번호는 기록하지 않습니다.',
  en: 'A chip was read for this visit: no physical ID is recorded.',
};

const readingGone: Verdict = {
  outcome: 'notRun',
  ko: '칩 판독 결과가 더 이상 없어 확인 결과를 보여 줄 수 없습니다.',
  en: 'The chip reading is no longer held: its checks cannot be shown.',
};

/** The TellerDesk over `service`'s visit (one at a time). */
export function kioskTellerDesk(
  service: KioskService,
  options: KioskTellerDeskOptions = {},
): KioskTellerDesk {
  const now = options.now ?? (() => new Date());
  let watched: RunningVisit | undefined;
  let unwatch: (() => void) | undefined;
  let since: { visitId: string; waitingFor: Waiting; at: string } | undefined;

  /** The service's visit if it is `visitId` (when given) and has not ended. */
  const current = (visitId?: string): RunningVisit | undefined => {
    const visit = service.visit;
    if (visit === undefined || (visitId !== undefined && visit.id !== visitId)) return undefined;
    return live(visit.snapshot()) ? visit : undefined;
  };

  /** Notes when `visit` began its present wait (or that it waits no more). */
  const mark = (visit: RunningVisit): void => {
    const waiting = current(visit.id) === undefined ? undefined : waitingFor(visit.snapshot());
    if (waiting === undefined) {
      if (since?.visitId === visit.id) since = undefined;
      return;
    }
    if (since?.visitId === visit.id && since.waitingFor === waiting) return;
    since = { visitId: visit.id, waitingFor: waiting, at: now().toISOString() };
  };

  const notice = (): void => {
    const visit = service.visit;
    if (visit !== watched) {
      unwatch?.();
      watched = visit;
      since = undefined;
      unwatch = visit?.subscribe(() => {
        mark(visit);
      });
    }
    if (visit !== undefined) mark(visit);
  };

  /** The visit as the queue lists it, if it waits for a teller. */
  const entry = (visit: RunningVisit): QueueEntry | undefined => {
    const snapshot = visit.snapshot();
    const waiting = waitingFor(snapshot);
    const { form, purpose } = snapshot.context;
    if (waiting === undefined || form === undefined || purpose === undefined) return undefined;
    const chip = identityOf(snapshot)?.context.chip;
    const at = since?.visitId === visit.id && since.waitingFor === waiting ? since.at : undefined;
    return {
      visitId: visit.id,
      since: at ?? now().toISOString(),
      purpose,
      waitingFor: waiting,
      name: form.name,
      idnMasked: form.idnMasked,
      basis: basisOf(chip),
      ...(chip === undefined
        ? {}
        : {
            chip: { verified: chip.verified, failures: chip.failures, mismatches: chip.mismatches },
          }),
    };
  };

  const approve = async (
    visit: RunningVisit,
    decision: Extract<Decision, { kind: 'approve' }>,
  ): Promise<DecisionResult> => {
    const before = visit.snapshot();
    const refusal = approvalRefusal(before);
    if (refusal !== undefined) return refused(refusal);
    const basis = basisOf(identityOf(before)?.context.chip);
    const { teller, overrideReason, inPerson } = decision;
    if (basis === 'noChip') {
      if (inPerson === undefined) return refused('needsDocument');
      let answer;
      try {
        answer = await visit.approveInPerson({
          teller,
          document: { type: inPerson.type, number: inPerson.number },
          ...(inPerson.issueDate === undefined ? {} : { issueDate: inPerson.issueDate }),
        });
      } catch (error) {
        // The visit left the step before the approval was made (its own check).
        if (error instanceof UsageError) return refused(afterMove(visit, 'approve'));
        throw error;
      }
      if (!answer.ok)
        return answer.code === 'visitMoved'
          ? refused(afterMove(visit, 'approve'))
          : { accepted: false, refusal: 'needsDocument', problem: answer.problem };
      const evidence = evidenceOf(visit.snapshot());
      if (evidence === undefined) return refused(afterMove(visit, 'approve'));
      return {
        accepted: true,
        evidence,
        inPerson: { type: answer.document.type, numberMasked: answer.document.numberMasked },
      };
    }
    if (inPerson !== undefined)
      return { accepted: false, refusal: 'invalid', problem: inPersonWithChip };
    if (basis === 'chipNotVerified' && overrideReason === undefined)
      return refused('needsOverrideReason');
    const sent = sendOrRefuse(visit, {
      type: 'teller.approve',
      teller,
      ...(overrideReason === undefined ? {} : { overrideReason }),
    });
    if (!sent) return refused('invalid');
    const evidence = evidenceOf(visit.snapshot());
    return evidence === undefined
      ? refused(afterMove(visit, 'approve'))
      : { accepted: true, evidence };
  };

  const reject = (
    visit: RunningVisit,
    decision: Extract<Decision, { kind: 'reject' }>,
  ): DecisionResult => {
    const refusal = approvalRefusal(visit.snapshot());
    if (refusal !== undefined) return refused(refusal);
    const sent = sendOrRefuse(visit, {
      type: 'teller.reject',
      teller: decision.teller,
      reason: decision.reason,
    });
    if (!sent) return refused('invalid');
    return approvalOutcome(visit.snapshot()) === 'rejected'
      ? { accepted: true }
      : refused(afterMove(visit, 'reject'));
  };

  const feePaid = (visit: RunningVisit, teller: string): DecisionResult => {
    const before = visit.snapshot();
    if (waitingFor(before) !== 'fee')
      return refused(feeTaken(before) ? 'alreadyDecided' : 'notWaiting');
    if (!sendOrRefuse(visit, { type: 'teller.feePaid', teller })) return refused('invalid');
    return feeTaken(visit.snapshot()) ? { accepted: true } : refused(afterMove(visit, 'feePaid'));
  };

  /**
   * Why a decision the visit did not take was refused, read after the attempt: the visit ended,
   * someone decided first, it waits for something else, or (still waiting) it would not have it.
   */
  const afterMove = (visit: RunningVisit, kind: Decision['kind']): DecisionRefusal => {
    if (current(visit.id) === undefined) return 'visitGone';
    const snapshot = visit.snapshot();
    if (kind === 'feePaid')
      return feeTaken(snapshot)
        ? 'alreadyDecided'
        : waitingFor(snapshot) === 'fee'
          ? 'invalid'
          : 'notWaiting';
    return approvalRefusal(snapshot) ?? 'invalid';
  };

  return {
    notice,
    close: () => {
      unwatch?.();
      unwatch = undefined;
      watched = undefined;
      since = undefined;
    },

    queue: () => {
      notice();
      const visit = current();
      const listed = visit === undefined ? undefined : entry(visit);
      return listed === undefined ? [] : [listed];
    },

    view: (visitId) => {
      notice();
      const visit = current(visitId);
      const listed = visit === undefined ? undefined : entry(visit);
      if (visit === undefined || listed === undefined) return undefined;
      const snapshot = visit.snapshot();
      const { context } = snapshot;
      const identity = identityOf(snapshot);
      const form = context.form ?? { name: '', idnMasked: '', birthDate: '', phone: '' };
      const documentNumber = identity?.context.mrz?.documentNumber;
      const institution = context.institutions.find((i) => i.id === context.institution)?.name;
      const chip = identity?.context.chip;
      return {
        ...listed,
        ...(institution === undefined ? {} : { institution }),
        ...(context.certificateType === undefined
          ? {}
          : { certificateType: context.certificateType.name }),
        feeWon: context.certificateType?.feeWon ?? 0,
        form: {
          name: form.name,
          idnMasked: form.idnMasked,
          birthDate: form.birthDate,
          phone: form.phone,
          ...(documentNumber === undefined ? {} : { documentNumber }),
        },
        ...(chip === undefined ? {} : { chipData: chipData(chip, visit.chipReading()) }),
      };
    },

    photo: (visitId) => {
      notice();
      const visit = current(visitId);
      // Only while a teller is to look at it: the face is the visitor's, not the queue's.
      if (visit === undefined || waitingFor(visit.snapshot()) === undefined) return undefined;
      return chipPhoto(visit.chipReading());
    },

    decide: async (visitId, decision) => {
      try {
        notice();
        const visit = current(visitId);
        if (visit === undefined) return refused('visitGone');
        switch (decision.kind) {
          case 'approve':
            return await approve(visit, decision);
          case 'reject':
            return reject(visit, decision);
          case 'feePaid':
            return feePaid(visit, decision.teller);
        }
      } finally {
        // approveInPerson zeroes what it is given; a refusal before it must too.
        if (decision.kind === 'approve') decision.inPerson?.number.fill(0);
      }
    },
  };
}

/** Not stopped, not being wiped, not over. */
function live(snapshot: VisitSnapshot): boolean {
  return (
    snapshot.status === 'active' &&
    !snapshot.matches({ flow: 'wiping' }) &&
    !snapshot.matches({ flow: 'finished' })
  );
}

/** The identity sub-flow's snapshot, while it runs. */
function identityOf(snapshot: VisitSnapshot): IdentitySnapshot | undefined {
  const child = (snapshot.children as Record<string, { getSnapshot(): unknown } | undefined>)
    .identity;
  return child?.getSnapshot() as IdentitySnapshot | undefined;
}

function waitingFor(snapshot: VisitSnapshot): Waiting | undefined {
  const value = identityOf(snapshot)?.value;
  return value === 'approval' ? 'approval' : value === 'fee' ? 'fee' : undefined;
}

function basisOf(chip: ChipSummary | undefined): ApprovalBasis {
  if (chip === undefined) return 'noChip';
  return chip.verified ? 'chipVerified' : 'chipNotVerified';
}

/** The teller's approval or rejection, once the visit has one (a timeout is none). */
function approvalOutcome(snapshot: VisitSnapshot): 'approved' | 'rejected' | undefined {
  const approval = identityOf(snapshot)?.context.approval;
  if (approval?.outcome === 'approved' || approval?.outcome === 'rejected') return approval.outcome;
  return snapshot.context.identity?.outcome;
}

/** What the accepted approval rests on, as the visit recorded it. */
function evidenceOf(snapshot: VisitSnapshot): Evidence | undefined {
  const approval = identityOf(snapshot)?.context.approval;
  if (approval?.outcome === 'approved') return approval.evidence;
  const identity = snapshot.context.identity;
  return identity?.outcome === 'approved' ? identity.approval.evidence : undefined;
}

/** Why an approval or a rejection cannot be taken now, if it cannot. */
function approvalRefusal(snapshot: VisitSnapshot): DecisionRefusal | undefined {
  if (approvalOutcome(snapshot) !== undefined) return 'alreadyDecided';
  return waitingFor(snapshot) === 'approval' ? undefined : 'notWaiting';
}

/** The visit had a fee and is past it (identity approved: the fee step was passed). */
function feeTaken(snapshot: VisitSnapshot): boolean {
  if ((snapshot.context.certificateType?.feeWon ?? 0) === 0) return false;
  return (
    identityOf(snapshot)?.value === 'approved' || snapshot.context.identity?.outcome === 'approved'
  );
}

/** Sends a teller's event; false when the service refuses it (a name or text it will not take). */
function sendOrRefuse(visit: RunningVisit, event: Record<string, unknown>): boolean {
  try {
    visit.send(event);
    return true;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

/** The chip beside the form: the summary, DG1/DG11 facts, the photo's shape, the verdicts. */
function chipData(
  chip: ChipSummary,
  reading: DocumentReading | undefined,
): NonNullable<VisitView['chipData']> {
  const photo = reading?.photo;
  const fullName = reading?.details?.fullName;
  return {
    ...chip,
    ...(fullName === undefined
      ? {}
      : {
          fullName: `${fullName.primaryIdentifier} ${fullName.secondaryIdentifier}`.trim(),
        }),
    ...(reading === undefined
      ? {}
      : {
          nationality: reading.document.nationality,
          expiryDate: reading.document.expiryDate,
        }),
    ...(photo === undefined
      ? {}
      : { photo: { type: photoType(photo.format), width: photo.width, height: photo.height } }),
    passiveAuthentication: reading === undefined ? readingGone : passiveVerdict(reading),
    activeAuthentication: reading === undefined ? readingGone : activeVerdict(reading),
  };
}

/** ICAO 9303-10 DG2: JPEG or JPEG 2000 (as verdicts.ts chipPhoto names them). */
function photoType(format: 'jpeg' | 'jpeg2000'): PhotoType {
  return format === 'jpeg' ? 'image/jpeg' : 'image/jp2';
}

function refused(refusal: DecisionRefusal): DecisionResult {
  return { accepted: false, refusal };
}
