/**
 * What the teller console (console.ts) is given to act through (issue 15 item 3): the teller API
 * reduced to what the console shows and sends. The CLI implements it over the HTTP client
 * (src/teller/consolePort.ts); tests pass a fake. Every string a port returns is already safe
 * for a terminal (NFC, no escapes, no bidi or invisible characters, no ambiguous-width symbols):
 * the console only lays it out, escaping blessed's tag braces. No member throws: failures come
 * back as {@link Failure}.
 */

/** Korean first, English on a key. */
export type ConsoleLang = 'ko' | 'en';

export interface Words {
  readonly ko: string;
  readonly en: string;
}

/**
 * Why a call did not go through: the session ended (log in again), the login was refused or
 * throttled, the kiosk did not answer, or anything else; `message` says it for the teller.
 */
export interface Failure {
  readonly ok: false;
  readonly kind: 'sessionEnded' | 'loginRefused' | 'throttled' | 'unreachable' | 'failed';
  readonly message: Words;
}

export type Result<T> = { readonly ok: true; readonly value: T } | Failure;

/** One visit in the queue. */
export interface QueueRow {
  readonly visitId: string;
  /** `HH:MM` the wait began, the kiosk's time. */
  readonly since: string;
  readonly purpose: Words;
  readonly waitingFor: 'approval' | 'fee';
  readonly name: string;
  readonly idnMasked: string;
  readonly basis: 'chipVerified' | 'chipNotVerified' | 'noChip';
  /** How many form/chip mismatches. */
  readonly mismatches: number;
}

/** One line of the form-beside-chip table: a value missing on one side is `''`. */
export interface ComparisonRow {
  readonly label: Words;
  readonly form: string;
  readonly chip: string;
  /** The kiosk found form and chip disagree here: drawn highlighted. */
  readonly mismatch: boolean;
}

export interface VerdictLine {
  readonly outcome: 'passed' | 'failed' | 'notRun';
  readonly text: Words;
}

/** One visit, as the teller examines it. */
export interface VisitScreen {
  readonly visitId: string;
  readonly purpose: Words;
  readonly waitingFor: 'approval' | 'fee';
  readonly basis: 'chipVerified' | 'chipNotVerified' | 'noChip';
  /** What the approval rests on and what it needs, in words. */
  readonly basisText: Words;
  /** Institution and certificate type, for the teller to read out. */
  readonly product: Words;
  readonly feeWon: number;
  readonly rows: readonly ComparisonRow[];
  /** Each mismatch in words. */
  readonly mismatches: readonly Words[];
  /** The chip's name was not compared (Hangul form name): the teller compares it. */
  readonly nameNeedsTeller: boolean;
  /** Passive and Active Authentication, absent without a chip. */
  readonly verdicts?: { readonly passive: VerdictLine; readonly active: VerdictLine };
  /** Whether the chip holds a photo to ask for. */
  readonly hasPhoto: boolean;
}

/** The photo drawn for a box of the given size, or why it is not shown. */
export type PhotoBox =
  | { readonly ok: true; readonly lines: readonly string[] }
  | { readonly ok: false; readonly message: Words };

export type IdType = 'residentCard' | 'driverLicence' | 'passport';

export type ConsoleDecision =
  | { readonly kind: 'approve' }
  | { readonly kind: 'override'; readonly reason: string }
  /** `number` as typed (UTF-8): the port sends and zeroes it. */
  | { readonly kind: 'inPerson'; readonly type: IdType; readonly number: Buffer }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'feePaid' };

/** A decision taken (with what was recorded), or refused with why. */
export interface DecisionReply {
  readonly accepted: boolean;
  readonly message: Words;
}

export interface TellerPort {
  /** `password` is the caller's to zero once this settles. */
  login(name: string, password: Buffer): Promise<Result<{ readonly teller: string }>>;
  logout(): Promise<void>;
  queue(): Promise<Result<readonly QueueRow[]>>;
  /** Undefined value: the visit waits no more. */
  view(visitId: string): Promise<Result<VisitScreen | undefined>>;
  /**
   * The chip photo as lines of blessed tags, `columns` × `rows` cells (half blocks), or why not.
   */
  photo(visitId: string, columns: number, rows: number): Promise<PhotoBox>;
  decide(visitId: string, decision: ConsoleDecision): Promise<Result<DecisionReply>>;
}
