/**
 * The three MRZ fields a visitor types when the document has a chip (ICAO 9303-4 §4.2.2: the BAC
 * key seed is the document number, the date of birth and the date of expiry, each with its check
 * digit, which the kiosk computes: drivers/emrtd/mrz.ts bacKeySeedInput). Checked as typed: the document number is 1 to 9 characters of
 * A–Z, 0–9 (a shorter one is padded with `<` on the document); the dates are real YYMMDD dates.
 */

export interface MrzEntry {
  readonly documentNumber: string;
  /** YYMMDD. */
  readonly birthDate: string;
  /** YYMMDD. */
  readonly expiryDate: string;
}

export type MrzProblem = 'documentNumber' | 'birthDate' | 'expiryDate';

const documentNumber = /^[A-Z0-9]{1,9}$/;

/** A real calendar date as YYMMDD (any century: the MRZ does not say which). */
function realYymmdd(text: string): boolean {
  if (!/^[0-9]{6}$/.test(text)) return false;
  const month = Number(text.slice(2, 4));
  const day = Number(text.slice(4, 6));
  // 29 February: accepted for any YY, as 00 may be 2000 (a leap year).
  const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day >= 1 && day <= days;
}

/** The fields that are wrong, in the order they are typed (empty: the entry can be tried). */
export function mrzEntryProblems(entry: MrzEntry): MrzProblem[] {
  const problems: MrzProblem[] = [];
  if (!documentNumber.test(entry.documentNumber)) problems.push('documentNumber');
  if (!realYymmdd(entry.birthDate)) problems.push('birthDate');
  if (!realYymmdd(entry.expiryDate)) problems.push('expiryDate');
  return problems;
}
