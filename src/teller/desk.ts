// The teller desk: the seam between the teller HTTP API (server.ts) and the kiosk service that
// owns the visits (issue 14 item 1). Interfaces and plain data only (STYLE #1): the API is built
// and tested against this contract with a fake (test/support/fakeTellerDesk.ts); the kiosk
// service implements it over its RunningVisit. Nothing here is a secret: the resident number is
// masked, the photo bytes are handed out only by `photo`, and a teller's identity is the API's
// (from the session), never the caller's.
import type { Purpose } from '../../machines/visit.js';
import type { IdDocumentType } from '../../machines/form/idDocument.js';
import type { ChipSummary, Evidence, Words } from '../../machines/types.js';

/** What the approval may rest on, from the identity step (machines/tellerApproval.ts input). */
export type ApprovalBasis = 'chipVerified' | 'chipNotVerified' | 'noChip';

/** What a waiting visit needs from a teller: the face-to-face approval, or the fee taken. */
export type Waiting = 'approval' | 'fee';

/** One visit waiting for a teller, as the queue lists it (oldest first). */
export interface QueueEntry {
  /** The kiosk service's visit id (RunningVisit.id, a UUID). */
  readonly visitId: string;
  /** When it started waiting for this decision: ISO 8601 UTC. */
  readonly since: string;
  readonly purpose: Purpose;
  readonly waitingFor: Waiting;
  /** The form's name as the visitor typed it (display-safe: the form checked it). */
  readonly name: string;
  /** `900101-1******`: never the whole number. */
  readonly idnMasked: string;
  readonly basis: ApprovalBasis;
  /** The chip's summary fields, absent without a chip. */
  readonly chip?: Pick<ChipSummary, 'verified' | 'failures' | 'mismatches'>;
}

/**
 * The outcome of one authentication check (Passive or Active), in plain words for the teller
 * (verdicts.ts makes them from a chip reading).
 */
export interface Verdict extends Words {
  /** `passed`; `failed`: the check ran and failed; `notRun`: it could not run (said why). */
  readonly outcome: 'passed' | 'failed' | 'notRun';
}

/** One visit as the teller examines it: the form beside the chip, every mismatch named. */
export interface VisitView extends QueueEntry {
  /** The institution and certificate type chosen, for the teller to read out. */
  readonly institution?: Words;
  readonly certificateType?: Words;
  /** In won; 0: free (no fee step). */
  readonly feeWon: number;
  readonly form: {
    readonly name: string;
    readonly idnMasked: string;
    /** YYYY-MM-DD, from the resident number. */
    readonly birthDate: string;
    readonly phone: string;
    /** The document number the visitor typed for the chip's BAC, if any. */
    readonly documentNumber?: string;
  };
  /** Absent without a chip (the teller's in-person check). */
  readonly chipData?: ChipSummary & {
    /** DG11's full name where the chip has one (the MRZ's may be cut short). */
    readonly fullName?: string;
    readonly nationality?: string;
    /** YYMMDD as DG1 gives it. */
    readonly expiryDate?: string;
    /** The photo's format and size; its bytes come from TellerDesk.photo. */
    readonly photo?: { readonly type: PhotoType; readonly width: number; readonly height: number };
    readonly passiveAuthentication: Verdict;
    readonly activeAuthentication: Verdict;
  };
}

/** The chip photo's format as read (ICAO 9303-10 DG2: JPEG or JPEG 2000). */
export type PhotoType = 'image/jpeg' | 'image/jp2';

/** A physical ID the teller checked in person (a visit without a chip). */
export interface InPersonEntry {
  readonly type: IdDocumentType;
  /**
   * The number as typed, UTF-8. The desk checks and masks it (src/kiosk/inPerson.ts
   * recordInPerson) and zeroes these bytes; the API zeroes them too once `decide` settles.
   */
  readonly number: Buffer;
  /** The ID's issue date, `YYYY-MM-DD`, for the authenticity service; optional. */
  readonly issueDate?: string;
}

/**
 * A teller's decision. `teller` is the logged-in account's name, set by the API from the session;
 * texts are checked by the API (recordableText: printable, bounded) before the desk sees them.
 */
export type Decision =
  | {
      readonly kind: 'approve';
      readonly teller: string;
      /** Required when the chip did not verify: why the teller approves anyway. */
      readonly overrideReason?: string;
      /** Required without a chip: the ID the teller holds. */
      readonly inPerson?: InPersonEntry;
    }
  | { readonly kind: 'reject'; readonly teller: string; readonly reason: string }
  | { readonly kind: 'feePaid'; readonly teller: string };

export type DecisionKind = Decision['kind'];

/**
 * Why a decision was refused:
 * - `alreadyDecided`: this decision was made on this visit before (by anyone);
 * - `visitGone`: no such visit any more (cancelled, wiped, timed out, finished);
 * - `notWaiting`: the visit exists but does not wait for this decision (still reading the chip,
 *   or a fee confirmed before the approval);
 * - `needsOverrideReason`: approving a chip that did not verify without a reason;
 * - `needsDocument`: approving a visit without a chip without a valid ID (problem says why);
 * - `invalid`: anything else the desk will not take.
 */
export type DecisionRefusal =
  | 'alreadyDecided'
  | 'visitGone'
  | 'notWaiting'
  | 'needsOverrideReason'
  | 'needsDocument'
  | 'invalid';

export type DecisionResult =
  | {
      readonly accepted: true;
      /** For an approval: what it rests on (an override is `chipNotVerifiedOverride`). */
      readonly evidence?: Evidence;
      /** For an in-person approval: the ID as recorded, its number masked. */
      readonly inPerson?: { readonly type: IdDocumentType; readonly numberMasked: string };
    }
  | {
      readonly accepted: false;
      readonly refusal: DecisionRefusal;
      /** What to correct, for the teller (an ID number's problem); never repeats a number. */
      readonly problem?: Words;
    };

/**
 * What the kiosk service offers the teller API. Every member answers for the state at the call:
 * a visit the visitor cancels a moment later is `visitGone` to the next call. None throws for an
 * unknown or ended visit (undefined, or a refusal).
 */
export interface TellerDesk {
  /** The visits waiting for a teller, oldest first. */
  queue(): readonly QueueEntry[];
  /** One visit waiting for a teller, or undefined (no such visit, or not waiting). */
  view(visitId: string): VisitView | undefined;
  /** The chip photo as read (no conversion), or undefined (no visit, no chip, no photo). */
  photo(visitId: string): { readonly type: PhotoType; readonly bytes: Buffer } | undefined;
  /**
   * Applies a decision to the visit, bound to `decision.teller`. Asynchronous because an
   * in-person approval asks the ID authenticity service (src/kiosk/inPerson.ts). The desk
   * refuses a second decision of the same kind (`alreadyDecided`) and one for a visit that went
   * away meanwhile (`visitGone`); the API serialises decisions per visit, so two tellers racing
   * for one visit reach the desk one after the other.
   */
  decide(visitId: string, decision: Decision): Promise<DecisionResult>;
}

/**
 * One decision as the audit log records it (onDecision): who, which visit, what, whether it
 * overrode a chip that did not verify, and the reason given. Never a password, a token or a whole
 * ID number.
 */
export interface DecisionRecord {
  /** The kiosk's clock, ISO 8601 UTC. */
  readonly at: string;
  readonly teller: string;
  readonly visitId: string;
  readonly kind: DecisionKind;
  /** `accepted`, or the desk's refusal (refused attempts are recorded too). */
  readonly outcome: 'accepted' | DecisionRefusal;
  /** An accepted approval resting on a chip that did not verify. */
  readonly override: boolean;
  /** The rejection's reason, or the override's. */
  readonly reason?: string;
  readonly evidence?: Evidence;
  readonly inPerson?: { readonly type: IdDocumentType; readonly numberMasked: string };
}

/** A teller session event, for the audit log (onSession): never a token or a password. */
export interface SessionRecord {
  readonly at: string;
  readonly teller: string;
  readonly event: 'login' | 'logout' | 'expired' | 'disabled';
  /** The client's address as the server saw it. */
  readonly address?: string;
}
