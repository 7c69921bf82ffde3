import { bacKeySeedInput, checkDigit } from '../../../drivers/emrtd/mrz.js';
import {
  mrzEntryProblems,
  type MrzEntry,
  type MrzProblem,
} from '../../../machines/form/mrzEntry.js';

/**
 * The MRZ entry checked as the visitor types it (issue 15 item 2), for the screen's live verdicts.
 * The rules are the visit's (machines/form/mrzEntry.ts: what the visit accepts), the check digits
 * and the key the chip reader's (drivers/emrtd/mrz.ts: ICAO 9303-3 §4.9, 7-3-1 weights; 9303-11
 * §9.7.1 MRZ_info): nothing is computed twice. The visitor compares each check digit with the one
 * printed after the field on the document; a different one means a mistyped field.
 */

export type MrzFieldId = MrzProblem;

/** What a field's text is, in the order it is looked at. */
export type MrzFieldVerdict =
  | { readonly kind: 'empty' }
  /** Characters a field of its kind never holds (a letter in a date, `-` in a number). */
  | { readonly kind: 'characters' }
  /** Too short or too long: `length` typed, `needed` the length (or the longest) allowed. */
  | { readonly kind: 'length'; readonly length: number; readonly needed: number }
  /** Six digits, but no calendar date (month 13, 31 April). */
  | { readonly kind: 'notADate' }
  /** As the visit accepts it; `checkDigit` as printed after the field on the document. */
  | { readonly kind: 'ok'; readonly checkDigit: number };

/** The longest document number the visit accepts (machines/form/mrzEntry.ts). */
const numberLength = 9;
const dateLength = 6;

/** The text as the visit is sent it: the screen driver upper-cases the number on submit. */
const asSent = (id: MrzFieldId, typed: string): string =>
  id === 'documentNumber' ? typed.toUpperCase() : typed;

/** The verdict on one field's text as typed. */
export function mrzFieldVerdict(id: MrzFieldId, typed: string): MrzFieldVerdict {
  const text = asSent(id, typed);
  if (text === '') return { kind: 'empty' };
  const number = id === 'documentNumber';
  if (!(number ? /^[A-Z0-9]*$/ : /^[0-9]*$/).test(text)) return { kind: 'characters' };
  const needed = number ? numberLength : dateLength;
  if (number ? text.length > needed : text.length !== needed)
    return { kind: 'length', length: text.length, needed };
  // The visit's own rule decides whether six digits are a date (the other fields passing).
  const probe: MrzEntry = { documentNumber: 'A', birthDate: '000101', expiryDate: '000101' };
  if (!number && mrzEntryProblems({ ...probe, [id]: text }).includes(id))
    return { kind: 'notADate' };
  // The number as the chip's key has it: `<`-padded to 9 (9303-4 §4.2.2).
  return { kind: 'ok', checkDigit: checkDigit(number ? text.padEnd(numberLength, '<') : text) };
}

/**
 * The MRZ key the chip will be opened with (MRZ_info: each field and its check digit), grouped by
 * field for the eye; undefined while any field is not as the visit accepts it.
 */
export function mrzKeyOf(typed: Readonly<Partial<Record<MrzFieldId, string>>>): string | undefined {
  const entry: MrzEntry = {
    documentNumber: asSent('documentNumber', typed.documentNumber ?? ''),
    birthDate: typed.birthDate ?? '',
    expiryDate: typed.expiryDate ?? '',
  };
  if (mrzEntryProblems(entry).length > 0) return undefined;
  const key = bacKeySeedInput(entry.documentNumber, entry.birthDate, entry.expiryDate);
  return `${key.slice(0, 10)} ${key.slice(10, 17)} ${key.slice(17)}`;
}
