import {
  canonicalIdNumber,
  checkIdDocument,
  idDocumentProblemMessage,
  MAX_ID_NUMBER_INPUT,
  type IdDocumentProblem,
  type IdDocumentType,
} from '../../machines/form/idDocument.js';
import type { InPersonDocument, Words } from '../../machines/types.js';
import type { IdAuthenticity, IdAuthenticityAnswer } from './idAuthenticity/contract.js';

/**
 * The teller's in-person ID check for a visitor without a chip (issue 13): the number the teller
 * typed off the physical ID is checked (machines/form/idDocument.ts), masked, and, when an ID
 * authenticity service is configured, checked with it. What comes back is what the teller's
 * approval carries (`teller.approve` with `inPerson`) and what the records say it rests on.
 */

/** What the authenticity check gave; `notChecked`: no service, the teller's eyes alone. */
export type Authenticity = 'authentic' | 'notAuthentic' | 'unavailable' | 'notChecked';

/** The physical ID as the teller entered it. */
export interface InPersonInput {
  readonly type: IdDocumentType;
  /** The number as typed, UTF-8. recordInPerson zeroes these bytes on every path. */
  readonly number: Buffer;
  /** The holder's name as the form accepted it (machines/form/fields.ts `checkName`). */
  readonly name: string;
  /** The ID's issue date as printed, `YYYY-MM-DD`, for the authenticity service; optional. */
  readonly issueDate?: string;
}

/** A problem with what the teller typed: the number's, or an issue date that is not a past date. */
export type InPersonProblem = IdDocumentProblem | 'issueDate';

/** What the teller's approval carries, or why the number was refused. Holds no whole number. */
export type InPersonRecord =
  | {
      readonly ok: true;
      /** Type and masked number, as `teller.approve`'s `inPerson` takes it. */
      readonly document: InPersonDocument;
      readonly authenticity: Authenticity;
      /** The service's transaction number, for the audit log. */
      readonly reference?: string;
      /** For the teller to look at again, not stopping (a resident number's check digit). */
      readonly warnings: readonly Words[];
    }
  | { readonly ok: false; readonly code: InPersonProblem; readonly problem: Words };

/** UTF-8 takes at most 4 bytes a UTF-16 unit: anything longer is refused before decoding. */
const MAX_NUMBER_BYTES = MAX_ID_NUMBER_INPUT * 4;
const NAME_MAX = 64;
const REFERENCE = /^[\x21-\x7e]{1,64}$/;
const ISSUE_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const issueDateProblem: Words = {
  ko: '신분증 발급일자를 YYYY-MM-DD 형식의 지난 날짜로 입력해 주세요.',
  en: 'Enter the date the ID was issued as a past date, YYYY-MM-DD.',
};

/**
 * Checks the physical ID the teller holds and, with `service`, asks the authenticity service.
 *
 * `input.number` is zeroed before this returns or throws, whatever happens; the canonical copy
 * handed to the service is zeroed once the service settles. (The text decoded from it lives on
 * as an immutable JS string until collected: JS cannot wipe strings; it is never returned or
 * logged.) A service that rejects (a faulty driver: the contract says it answers `unavailable`)
 * counts as `unavailable`, and an answer outside the contract likewise.
 *
 * @param service The configured service; undefined or off.ts: `notChecked`.
 * @param now The current time (the resident number's birth date, the issue date).
 * @param signal Aborts the service call: recordInPerson then rejects with `signal.reason`.
 * @throws {RangeError} For a name no form accepted or an invalid `now` (programming errors).
 */
export async function recordInPerson(
  service: IdAuthenticity | undefined,
  input: InPersonInput,
  now: Date,
  signal?: AbortSignal,
): Promise<InPersonRecord> {
  const text = decodeAndZero(input.number);
  if (!validName(input.name)) throw new RangeError('recordInPerson: not a name the form accepts');
  signal?.throwIfAborted();
  if (text === undefined) {
    return { ok: false, code: 'tooLong', problem: idDocumentProblemMessage('tooLong', input.type) };
  }

  const checked = checkIdDocument(input.type, text, now);
  if (!checked.ok) return { ok: false, code: checked.code, problem: checked.problem };
  if (input.issueDate !== undefined && !pastDate(input.issueDate, now)) {
    return { ok: false, code: 'issueDate', problem: { ...issueDateProblem } };
  }
  const record = { ok: true, document: checked.document, warnings: checked.warnings } as const;
  if (service === undefined) return { ...record, authenticity: 'notChecked' };

  const number = Buffer.from(canonicalIdNumber(input.type, text, now) ?? '', 'latin1');
  let answer: unknown;
  try {
    answer = await service.check(
      {
        type: input.type,
        number,
        name: input.name,
        ...(input.issueDate !== undefined ? { issueDate: input.issueDate } : {}),
      },
      signal,
    );
  } catch {
    // A faulty driver (the contract forbids rejecting but on abort); its error is not kept: it
    // may quote the number.
    signal?.throwIfAborted();
    answer = { result: 'unavailable' } satisfies IdAuthenticityAnswer;
  } finally {
    number.fill(0);
  }
  signal?.throwIfAborted();
  return { ...record, ...authenticityOf(answer) };
}

/** The number's text, the bytes zeroed at once; undefined for oversized input, never decoded. */
function decodeAndZero(bytes: Buffer): string | undefined {
  try {
    return bytes.length > MAX_NUMBER_BYTES ? undefined : new TextDecoder('utf-8').decode(bytes);
  } finally {
    bytes.fill(0);
  }
}

function validName(name: unknown): boolean {
  return (
    typeof name === 'string' &&
    name.length <= NAME_MAX &&
    name.trim() !== '' &&
    !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)
  );
}

/** A real calendar date `YYYY-MM-DD`, not after `now` (UTC+9 is at most 9 hours ahead: KST). */
function pastDate(date: string, now: Date): boolean {
  if (!ISSUE_DATE.test(date)) return false;
  const at = Date.parse(`${date}T00:00:00+09:00`);
  return (
    Number.isFinite(at) &&
    new Date(at + 9 * 3_600_000).toISOString().slice(0, 10) === date &&
    at <= now.getTime()
  );
}

/** The answer as the record keeps it: only the contract's values, a bounded reference. */
function authenticityOf(answer: unknown): { authenticity: Authenticity; reference?: string } {
  const { result, reference } = (answer ?? {}) as { result?: unknown; reference?: unknown };
  if (result !== 'authentic' && result !== 'notAuthentic' && result !== 'notChecked') {
    return { authenticity: 'unavailable' };
  }
  return typeof reference === 'string' && REFERENCE.test(reference) && result !== 'notChecked'
    ? { authenticity: result, reference }
    : { authenticity: result };
}
