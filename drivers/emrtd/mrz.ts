import { parse, type ParseResult } from 'mrz';
import { MrzInvalidError, type MrzProblem } from './errors.js';

/**
 * MRZ parsing (ICAO 9303 parts 4–6) and the BAC key-seed input (9303-11 §9.7.1). Field extraction
 * (names, state, sex) comes from the `mrz` package; the three fields the chip's keys depend on, and
 * their check digits, are taken from the raw lines and checked by our own `checkDigit`, so a
 * parser quirk cannot turn into a wrong key (and the TD1 long-number rule, which `mrz` leaves to
 * the caller, is applied here).
 */

export type MrzFormat = 'TD1' | 'TD2' | 'TD3';

/** What the MRZ says, with the BAC input derived from it. */
export interface MrzData {
  readonly format: MrzFormat;
  /** `P`, `I`, `ID`, `AC`… (fillers removed). */
  readonly documentCode: string;
  readonly issuingState: string;
  /** The full document number without fillers (TD1: with the optional-data extension). */
  readonly documentNumber: string;
  /** YYMMDD; `<` where the birth day or month is unknown (9303-3 §4.8). */
  readonly birthDate: string;
  /** YYMMDD. */
  readonly expiryDate: string;
  readonly nationality: string;
  /** `M`, `F` or `<`. */
  readonly sex: string;
  readonly lastName: string;
  readonly firstName: string;
  /** MRZ_info for BAC: document number, birth date and expiry date, each with its check digit. */
  readonly mrzInfo: string;
}

/** The longest MRZ line (TD3, 9303-4 §4.2.2); anything longer is refused before parsing. */
const maxLineLength = 44;
/** TD1 numbers over 9 characters overflow into the 15-character optional field (9303-5 §4.2.2). */
const maxDocumentNumberLength = 22;
const mrzCharacters = /^[A-Z0-9<]*$/;

/**
 * The MRZ check digit (ICAO 9303-3 §4.9): weights 7, 3, 1 repeating; digits count as themselves,
 * A–Z as 10–35, the filler `<` as 0; the sum modulo 10. Throws MrzInvalidError on any other
 * character (a lower-case letter is an OCR fault, not a value).
 */
export function checkDigit(value: string): number {
  let sum = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x41 && c <= 0x5a) v = c - 0x41 + 10;
    else if (c === 0x3c) v = 0;
    else throw new MrzInvalidError(['characters'], `character ${JSON.stringify(value[i])}`);
    sum += v * (i % 3 === 0 ? 7 : i % 3 === 1 ? 3 : 1);
  }
  return sum % 10;
}

/**
 * MRZ_info, the input of the BAC key seed (ICAO 9303-11 §9.7.1, Appendix D.2): the document
 * number `<`-padded to 9 characters and its check digit, the date of birth and its check digit,
 * the date of expiry and its check digit. A TD1 document number longer than 9 characters (9303-5
 * §4.2.2 note j: the surplus sits in the optional data) is used whole, with the check digit over
 * the whole number, as the chip computes it.
 *
 * @throws MrzInvalidError naming the field that is malformed.
 */
export function bacKeySeedInput(
  documentNumber: string,
  birthDate: string,
  expiryDate: string,
): string {
  const problems: MrzProblem[] = [];
  const number = documentNumber.replace(/<+$/, '');
  if (
    number.length === 0 ||
    number.length > maxDocumentNumberLength ||
    !mrzCharacters.test(number)
  ) {
    problems.push('documentNumber');
  }
  // Unknown birth day or month is written as `<<` (9303-3 §4.8.3); the expiry is always known.
  if (!isDate(birthDate, true)) problems.push('birthDate');
  if (!isDate(expiryDate, false)) problems.push('expiryDate');
  if (problems.length > 0) throw new MrzInvalidError(problems);
  const field = number.padEnd(9, '<');
  return (
    `${field}${checkDigit(field)}` +
    `${birthDate}${checkDigit(birthDate)}` +
    `${expiryDate}${checkDigit(expiryDate)}`
  );
}

/**
 * Parses a TD1 (3×30), TD2 (2×36) or TD3 (2×44) MRZ given as lines or one string with line
 * breaks. Surrounding whitespace on each line is ignored; nothing else is corrected.
 *
 * @throws MrzInvalidError listing every problem found (shape, characters, a check digit).
 */
export function parseMrz(input: string | readonly string[]): MrzData {
  const raw = typeof input === 'string' ? input.split(/\r?\n|\r/) : input;
  if (raw.length > 4) throw new MrzInvalidError(['format'], `${raw.length} lines`);
  const lines = raw.map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.some((l) => l.length > maxLineLength)) {
    throw new MrzInvalidError(['format'], `a line is longer than ${maxLineLength} characters`);
  }
  if (!lines.every((l) => mrzCharacters.test(l))) throw new MrzInvalidError(['characters']);
  const shape = lines.map((l) => l.length).join('×');
  const format: MrzFormat | undefined =
    lines.length === 3 && shape === '30×30×30'
      ? 'TD1'
      : lines.length === 2 && shape === '36×36'
        ? 'TD2'
        : lines.length === 2 && shape === '44×44'
          ? 'TD3'
          : undefined;
  if (format === undefined) throw new MrzInvalidError(['format'], `lines of ${shape} characters`);

  let parsed: ParseResult;
  try {
    parsed = parse(lines);
  } catch (error) {
    throw new MrzInvalidError(['format'], error instanceof Error ? error.message : undefined);
  }
  // 36-character lines with digits in 31–35 are the French national ID, not TD2.
  if (parsed.format !== format) throw new MrzInvalidError(['format'], parsed.format);

  const bac = bacFields(format, lines);
  const problems: MrzProblem[] = [];
  if (bac.documentNumber.length === 0 || !/^[A-Z0-9]/.test(bac.documentNumber)) {
    problems.push('documentNumber');
  } else if (!digitMatches(bac.documentNumberField, bac.documentNumberCheck)) {
    problems.push('documentNumberCheckDigit');
  }
  if (!isDate(bac.birthDate, true)) problems.push('birthDate');
  else if (!digitMatches(bac.birthDate, bac.birthDateCheck)) problems.push('birthDateCheckDigit');
  if (!isDate(bac.expiryDate, false)) problems.push('expiryDate');
  else if (!digitMatches(bac.expiryDate, bac.expiryDateCheck)) {
    problems.push('expiryDateCheckDigit');
  }
  if (!digitMatches(bac.compositeInput, bac.compositeCheck)) problems.push('compositeCheckDigit');
  if (problems.length > 0) throw new MrzInvalidError(problems);

  // Codes straight from their positions: `mrz` nulls a state code missing from its list (UTO).
  const code = (line: number, start: number) =>
    (lines[line] ?? '').slice(start, start + 3).replace(/<+$/, '');
  return {
    format,
    documentCode: code(0, 0).slice(0, 2).replace(/<+$/, ''),
    issuingState: code(0, 2),
    documentNumber: bac.documentNumber,
    birthDate: bac.birthDate,
    expiryDate: bac.expiryDate,
    nationality: format === 'TD1' ? code(1, 15) : code(1, 10),
    sex: bac.sex,
    lastName: parsed.fields.lastName ?? '',
    firstName: parsed.fields.firstName ?? '',
    mrzInfo: bacKeySeedInput(bac.documentNumber, bac.birthDate, bac.expiryDate),
  };
}

interface BacFields {
  /** The document number as the check digit covers it (9 characters, or the long TD1 form). */
  readonly documentNumberField: string;
  readonly documentNumber: string;
  readonly documentNumberCheck: string;
  readonly birthDate: string;
  readonly birthDateCheck: string;
  readonly expiryDate: string;
  readonly expiryDateCheck: string;
  readonly sex: string;
  readonly compositeInput: string;
  readonly compositeCheck: string;
}

/** The BAC fields by position (9303-4 §4.2.2 TD3, 9303-6 §4.2.2 TD2, 9303-5 §4.2.2 TD1). */
function bacFields(format: MrzFormat, lines: readonly string[]): BacFields {
  if (format === 'TD1') {
    const [b = '', c = ''] = lines;
    let documentNumberField = b.slice(5, 14);
    let documentNumberCheck = b.charAt(14);
    if (documentNumberCheck === '<' && b.charAt(15) !== '<') {
      // 9303-5 §4.2.2 note j: position 15 is `<`, the surplus characters and then the check
      // digit open the optional data, ended by a filler.
      const extension = /^[A-Z0-9]+/.exec(b.slice(15))?.[0] ?? '';
      documentNumberField = documentNumberField + extension.slice(0, -1);
      documentNumberCheck = extension.slice(-1);
    }
    return {
      documentNumberField,
      documentNumber: documentNumberField.replace(/<+$/, ''),
      documentNumberCheck,
      birthDate: c.slice(0, 6),
      birthDateCheck: c.charAt(6),
      sex: c.charAt(7),
      expiryDate: c.slice(8, 14),
      expiryDateCheck: c.charAt(14),
      compositeInput: b.slice(5, 30) + c.slice(0, 7) + c.slice(8, 15) + c.slice(18, 29),
      compositeCheck: c.charAt(29),
    };
  }
  // TD2 and TD3 share the second line's layout up to the optional data; only its length differs.
  const c = lines[1] ?? '';
  const last = c.length - 1;
  return {
    documentNumberField: c.slice(0, 9),
    documentNumber: c.slice(0, 9).replace(/<+$/, ''),
    documentNumberCheck: c.charAt(9),
    birthDate: c.slice(13, 19),
    birthDateCheck: c.charAt(19),
    sex: c.charAt(20),
    expiryDate: c.slice(21, 27),
    expiryDateCheck: c.charAt(27),
    compositeInput: c.slice(0, 10) + c.slice(13, 20) + c.slice(21, last),
    compositeCheck: c.charAt(last),
  };
}

function digitMatches(field: string, digit: string): boolean {
  return /^[0-9]$/.test(digit) && checkDigit(field) === Number(digit);
}

/** YYMMDD with a plausible month and day; `<` allowed for unknown parts when `unknownAllowed`. */
function isDate(value: string, unknownAllowed: boolean): boolean {
  if (!(unknownAllowed ? /^[0-9]{2}[0-9<]{4}$/ : /^[0-9]{6}$/).test(value)) return false;
  const month = value.slice(2, 4);
  const day = value.slice(4, 6);
  const inRange = (s: string, max: number) => s === '<<' || (Number(s) >= 1 && Number(s) <= max);
  return inRange(month, 12) && inRange(day, 31);
}
