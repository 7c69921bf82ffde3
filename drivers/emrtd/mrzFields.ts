import { EmrtdMalformedError, type EmrtdFileName } from './errors.js';
import { checkDigit } from './mrz.js';

/**
 * The fields of the MRZ stored in DG1 (ICAO 9303-10 §4.7.1), by fixed position: TD1 (ICAO 9303-5
 * §4.2.2, 3 × 30), TD2 (9303-6 §4.2.2, 2 × 36), TD3 (9303-4 §4.2.2, 2 × 44). Check digits are
 * reported, not enforced: the chip's copy is protected by Passive Authentication, and a reader
 * must still be able to show what a document with a misprinted digit says.
 */

export type MrzFormat = 'TD1' | 'TD2' | 'TD3';
export type Sex = 'male' | 'female' | 'unspecified';

/** DG1: the MRZ, split. Fillers `<` are stripped from the ends of fields. */
export interface Dg1 {
  readonly format: MrzFormat;
  /** The MRZ lines as stored. */
  readonly lines: readonly string[];
  /** e.g. `P`, `PM`, `I`. */
  readonly documentCode: string;
  /** Three-letter code (ICAO 9303-3 §5), e.g. `KOR`. */
  readonly issuingState: string;
  /** Surname(s), `<` read as a space. */
  readonly primaryIdentifier: string;
  /** Given name(s), `<` read as a space. */
  readonly secondaryIdentifier: string;
  readonly documentNumber: string;
  readonly nationality: string;
  /** YYMMDD as printed (the century is not in the MRZ). */
  readonly birthDate: string;
  readonly sex: Sex;
  /** YYMMDD. */
  readonly expiryDate: string;
  /** TD3: personal number; TD2: optional data; TD1: optional data of line 1 (after a long document number's overflow). */
  readonly optionalData: string;
  /** TD1 only: optional data of line 2. */
  readonly optionalData2?: string;
  /** Whether each check digit matches (ICAO 9303-3 §4.9). */
  readonly checkDigits: {
    readonly documentNumber: boolean;
    readonly birthDate: boolean;
    readonly expiryDate: boolean;
    /** TD3 only (personal number). */
    readonly optionalData?: boolean;
    readonly composite: boolean;
  };
}

const lineLengths: Readonly<Record<number, [MrzFormat, number]>> = {
  90: ['TD1', 30],
  72: ['TD2', 36],
  88: ['TD3', 44],
};

/** Splits the MRZ text of DG1's `5F1F` (no line breaks: 90, 72 or 88 characters). */
export function parseDg1Mrz(text: string, file: EmrtdFileName): Dg1 {
  const shape = lineLengths[text.length];
  if (shape === undefined) {
    throw new EmrtdMalformedError(file, `MRZ of ${text.length} characters is not TD1/TD2/TD3`);
  }
  if (!/^[A-Z0-9<]+$/.test(text)) {
    throw new EmrtdMalformedError(file, 'MRZ holds characters other than A-Z, 0-9 and <');
  }
  const [format, width] = shape;
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  const [l1 = '', l2 = '', l3 = ''] = lines;
  const fields = format === 'TD1' ? td1(l1, l2, l3) : td2or3(l1, l2, format);
  return { format, lines, ...fields };
}

type Fields = Omit<Dg1, 'format' | 'lines'>;

function td2or3(l1: string, l2: string, format: 'TD2' | 'TD3'): Fields {
  // TD2 and TD3 share the layout of line 2 up to the expiry check digit; TD3 then has a 14-char
  // personal number with its own check digit, TD2 a 7-char optional field (9303-4/-6 §4.2.2).
  const end = format === 'TD3' ? 42 : 35;
  const name = nameOf(l1.slice(5));
  const composite =
    l2.slice(0, 10) + l2.slice(13, 20) + l2.slice(21, end + (format === 'TD3' ? 1 : 0));
  return {
    documentCode: strip(l1.slice(0, 2)),
    issuingState: strip(l1.slice(2, 5)),
    ...name,
    documentNumber: strip(l2.slice(0, 9)),
    nationality: strip(l2.slice(10, 13)),
    birthDate: l2.slice(13, 19),
    sex: sexOf(l2.charAt(20)),
    expiryDate: l2.slice(21, 27),
    optionalData: strip(l2.slice(28, end)),
    checkDigits: {
      documentNumber: checks(l2.slice(0, 9), l2.charAt(9)),
      birthDate: checks(l2.slice(13, 19), l2.charAt(19)),
      expiryDate: checks(l2.slice(21, 27), l2.charAt(27)),
      ...(format === 'TD3' ? { optionalData: checks(l2.slice(28, 42), l2.charAt(42)) } : {}),
      composite: checks(composite, l2.charAt(format === 'TD3' ? 43 : 35)),
    },
  };
}

function td1(l1: string, l2: string, l3: string): Fields {
  let documentNumber = l1.slice(5, 14);
  let numberCheck = l1.charAt(14);
  let optionalData = l1.slice(15, 30);
  // ICAO 9303-5 (TD1 document number field): a document number over 9 characters puts `<` in the check digit
  // position and continues in the optional data, followed by its check digit, then `<`.
  if (numberCheck === '<' && /^[A-Z0-9]/.test(optionalData)) {
    const overflow = optionalData.slice(
      0,
      optionalData.indexOf('<') < 0 ? 15 : optionalData.indexOf('<'),
    );
    documentNumber += overflow.slice(0, -1);
    numberCheck = overflow.slice(-1);
    optionalData = optionalData.slice(overflow.length + 1);
  }
  const composite = l1.slice(5, 30) + l2.slice(0, 7) + l2.slice(8, 15) + l2.slice(18, 29);
  return {
    documentCode: strip(l1.slice(0, 2)),
    issuingState: strip(l1.slice(2, 5)),
    ...nameOf(l3),
    documentNumber: strip(documentNumber),
    nationality: strip(l2.slice(15, 18)),
    birthDate: l2.slice(0, 6),
    sex: sexOf(l2.charAt(7)),
    expiryDate: l2.slice(8, 14),
    optionalData: strip(optionalData),
    optionalData2: strip(l2.slice(18, 29)),
    checkDigits: {
      documentNumber: checks(documentNumber, numberCheck),
      birthDate: checks(l2.slice(0, 6), l2.charAt(6)),
      expiryDate: checks(l2.slice(8, 14), l2.charAt(14)),
      composite: checks(composite, l2.charAt(29)),
    },
  };
}

/** Splits `PRIMARY<<SECONDARY<NAMES` (ICAO 9303-3 §4.6: `<<` between, `<` within, read as spaces). */
export function nameOf(field: string): { primaryIdentifier: string; secondaryIdentifier: string } {
  const at = field.indexOf('<<');
  const words = (s: string): string =>
    s
      .split('<')
      .filter((w) => w.length > 0)
      .join(' ');
  return at < 0
    ? { primaryIdentifier: words(field), secondaryIdentifier: '' }
    : {
        primaryIdentifier: words(field.slice(0, at)),
        secondaryIdentifier: words(field.slice(at + 2)),
      };
}

function sexOf(c: string): Sex {
  return c === 'M' ? 'male' : c === 'F' ? 'female' : 'unspecified';
}

function strip(field: string): string {
  return field.replace(/^<+|<+$/g, '');
}

/** Whether `digit` is the check digit of `field`; `<` stands for 0 (9303-3 §4.9, empty fields). */
function checks(field: string, digit: string): boolean {
  const value = digit === '<' ? 0 : Number(digit);
  if (!/^[0-9<]$/.test(digit)) return false;
  try {
    return checkDigit(field) === value;
  } catch {
    // A character no MRZ may hold: the digit cannot be right.
    return false;
  }
}
