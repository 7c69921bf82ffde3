import type { Words } from '../types.js';

/**
 * The chip against the application form, for the teller (DESIGN §1 step 3): what disagrees, each
 * named in Korean and English with both values. A mismatch does not refuse anything: the teller
 * decides, face to face. Pure and bounded: any strings of any length, never throws; every value
 * shown in a message is cut to {@link SHOWN_MAX} characters and stripped of control characters.
 */

/**
 * What the comparison reads of the chip: DG1 (ICAO 9303-10 §4.7.1) as drivers/emrtd's `Dg1`
 * gives it (`primaryIdentifier`, `secondaryIdentifier`) or as machines/types.ts `ChipSummary`
 * holds it. Written out here: machines/ do not import drivers/.
 */
export interface ChipIdentity {
  /** Primary identifier, `<` read as a space or not. */
  readonly surname: string;
  /** Secondary identifier(s), `<` read as a space or not. */
  readonly givenNames: string;
  /** YYMMDD; `<` for an unknown month or day (ICAO 9303-3 §4.8.3). */
  readonly birthDate: string;
  readonly documentNumber: string;
  /**
   * DG11's name of holder (ICAO 9303-10 §4.7.11, tag 5F0E) as stored, `PRIMARY<<SECONDARY`, when
   * the chip has one: the MRZ's name is truncated to fit its field (ICAO 9303-4 §4.2.2: 39
   * characters in a TD3), DG11's is not.
   */
  readonly fullName?: string;
}

/** What the comparison reads of the form. */
export interface FormIdentity {
  /** As typed (checkName's result): Hangul or Latin. */
  readonly name: string;
  /** YYYY-MM-DD, from the resident number. */
  readonly birthDate: string;
  /** As typed in the MRZ entry (mrzEntry.ts), when the visitor typed one. */
  readonly documentNumber?: string;
}

export type MismatchField = 'name' | 'birthDate' | 'documentNumber';

/** One disagreement, in words for the teller; `field` is the stable code. */
export interface Mismatch extends Words {
  readonly field: MismatchField;
}

export interface Comparison {
  /** In the order the teller reads an ID: name, date of birth, document number. */
  readonly mismatches: readonly Mismatch[];
  /**
   * True when the name was not compared here: a Hangul form name (the MRZ holds only a Latin
   * transliteration, ICAO 9303-3 §6), or a name that cannot be reduced to A–Z. The teller then
   * compares the chip's name (and DG11's full name) with the visitor.
   */
  readonly nameNeedsTeller: boolean;
}

/** Longest value shown in a message, in UTF-16 units (a TD3 name field is 39). */
const SHOWN_MAX = 64;
/** Longest name or document number looked at; longer ones are not compared. */
const INPUT_MAX = 256;

/**
 * Compares the chip's DG1 (and DG11's full name, if given) with the form.
 *
 * - Date of birth: DG1's YYMMDD against the form's date without its century (the MRZ holds none,
 *   ICAO 9303-4 §4.2.2); a `<` position (unknown month or day, 9303-3 §4.8.3) matches anything.
 * - Document number: compared when the visitor typed one; case-insensitive, spaces and the `<`
 *   fillers that pad a short number to its field (9303-4 §4.2.2) ignored.
 * - Name: the MRZ writes it `SURNAME<<GIVEN<NAMES` (ICAO 9303-4 §4.2.2; DG1's parser reads the
 *   `<` as spaces). Only a Latin form name is compared, reduced to A–Z as the MRZ's is (see
 *   `nameKey`) and in either order, surname first or given names first, since a form has no
 *   surname field; see {@link Comparison.nameNeedsTeller} for the others.
 */
export function compareChipWithForm(dg1: ChipIdentity, form: FormIdentity): Comparison {
  const mismatches: Mismatch[] = [];
  const name = compareName(dg1, form.name);
  if (name.mismatch !== undefined) mismatches.push(name.mismatch);
  const birth = compareBirthDate(dg1.birthDate, form.birthDate);
  if (birth !== undefined) mismatches.push(birth);
  if (form.documentNumber !== undefined) {
    const number = compareDocumentNumber(dg1.documentNumber, form.documentNumber);
    if (number !== undefined) mismatches.push(number);
  }
  return { mismatches, nameNeedsTeller: name.needsTeller };
}

// --- name ---

/**
 * Letters ICAO 9303-3 §6.A transliterates to fixed Latin letters that Unicode NFD does not
 * decompose into a base letter and a mark (upper case: keys are upper-cased first).
 */
const FIXED_TRANSLITERATION: Readonly<Record<string, string>> = {
  Æ: 'AE',
  Œ: 'OE',
  Ø: 'OE',
  Þ: 'TH',
  Ð: 'D',
  Đ: 'D',
  Ł: 'L',
  Ħ: 'H',
  Ĳ: 'IJ',
  // ß upper-cases to SS, ı to I: toUpperCase already does 9303-3 §6.A's mapping for them.
};
const FIXED = new RegExp(`[${Object.keys(FIXED_TRANSLITERATION).join('')}]`, 'g');
/**
 * 9303-3 §6.A gives two transliterations for these (Ä → AE or A, Å → AA or A, Ö → OE or O,
 * Ü → UE or U): the form's name is tried both ways. (Its rarer `NXX`/`UXX` forms are not: a
 * passport using them shows as a mismatch the teller reads.)
 */
const DOUBLE_TRANSLITERATION: Readonly<Record<string, string>> = {
  Ä: 'AE',
  Å: 'AA',
  Ö: 'OE',
  Ü: 'UE',
};
const DOUBLE = /[ÄÅÖÜ]/g;

/**
 * The MRZ form of a name as one key: upper case, diacritics dropped (9303-3 §6.A), apostrophes
 * omitted and hyphens, spaces and `<` read as separators (9303-3 §4.6), then the separators
 * removed, so that `GIL DONG`, `GIL-DONG` and `GILDONG` agree. `undefined` when what remains is
 * not A–Z (a script the kiosk cannot transliterate).
 */
function nameKey(text: string, doubleLetters: boolean): string | undefined {
  let upper = text.normalize('NFC').toUpperCase();
  if (doubleLetters) upper = upper.replace(DOUBLE, (c) => DOUBLE_TRANSLITERATION[c] ?? c);
  const key = upper
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(FIXED, (c) => FIXED_TRANSLITERATION[c] ?? c)
    .replace(/[\s<'’-]/gu, '');
  return /^[A-Z]+$/.test(key) ? key : undefined;
}

/** The chip's name as keys: surname then given names, and given names then surname. */
function chipKeys(primary: string, secondary: string): string[] {
  if (primary.length + secondary.length > INPUT_MAX) return [];
  const keys: string[] = [];
  for (const order of [primary + secondary, secondary + primary]) {
    const key = nameKey(order, false);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

/** DG11's `PRIMARY<<SECONDARY` split like DG1's (9303-3 §4.6); without `<<`, all primary. */
function splitFullName(fullName: string): [string, string] {
  const at = fullName.indexOf('<<');
  return at < 0 ? [fullName, ''] : [fullName.slice(0, at), fullName.slice(at + 2)];
}

function compareName(
  dg1: ChipIdentity,
  formName: string,
): { mismatch?: Mismatch; needsTeller: boolean } {
  // A Hangul name is never compared with the MRZ's romanisation (9303-3 §6: the issuing State
  // chooses it, and a Korean passport's may differ from any rule): the teller compares.
  if (formName.length > INPUT_MAX || /\p{Script=Hangul}/u.test(formName)) {
    return { needsTeller: true };
  }
  const formKeys = [nameKey(formName, false), nameKey(formName, true)].filter(
    (k): k is string => k !== undefined,
  );
  const candidates = [...chipKeys(dg1.surname, dg1.givenNames)];
  if (dg1.fullName !== undefined) candidates.push(...chipKeys(...splitFullName(dg1.fullName)));
  if (formKeys.length === 0 || candidates.length === 0) return { needsTeller: true };
  if (formKeys.some((k) => candidates.includes(k))) return { needsTeller: false };

  const form = shown(formName);
  const chip = shown(`${dg1.surname}, ${dg1.givenNames}`.replace(/</g, ' '));
  return {
    needsTeller: false,
    mismatch: {
      field: 'name',
      ko: `이름 불일치: 신청서 ${form}, 칩 ${chip}`,
      en: `Name mismatch: form ${form}, chip ${chip}`,
    },
  };
}

// --- date of birth ---

function compareBirthDate(chipYymmdd: string, formIso: string): Mismatch | undefined {
  const formOk = formIso.length === 10 && /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(formIso);
  const chipOk = chipYymmdd.length === 6 && /^[0-9<]{6}$/.test(chipYymmdd);
  if (formOk && chipOk) {
    const formYymmdd = formIso.slice(2, 4) + formIso.slice(5, 7) + formIso.slice(8, 10);
    let agree = true;
    for (let i = 0; i < 6; i++) {
      const c = chipYymmdd.charAt(i);
      if (c !== '<' && c !== formYymmdd.charAt(i)) agree = false;
    }
    if (agree) return undefined;
  }
  const form = shown(formIso);
  const chip =
    formOk && chipOk ? chipDate(chipYymmdd, Number(formIso.slice(0, 4))) : shown(chipYymmdd);
  return {
    field: 'birthDate',
    ko: `생년월일 불일치: 신청서 ${form}, 칩 ${chip}`,
    en: `Date of birth mismatch: form ${form}, chip ${chip}`,
  };
}

/**
 * The chip's YYMMDD as YYYY-MM-DD in the century that puts it nearest the form's year (the MRZ
 * has no century; this is for reading only, the comparison ignores it). With `<` in it, as is.
 */
function chipDate(yymmdd: string, formYear: number): string {
  if (yymmdd.includes('<')) return yymmdd;
  const yy = Number(yymmdd.slice(0, 2));
  const century = Math.floor(formYear / 100) * 100;
  const year = [century - 100, century, century + 100]
    .map((c) => c + yy)
    .reduce((best, y) => (Math.abs(y - formYear) < Math.abs(best - formYear) ? y : best));
  return `${String(year).padStart(4, '0')}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
}

// --- document number ---

/** Upper case without `<` fillers or spaces; `undefined` past {@link INPUT_MAX}. */
function documentKey(text: string): string | undefined {
  return text.length > INPUT_MAX ? undefined : text.replace(/[<\s]/g, '').toUpperCase();
}

function compareDocumentNumber(chipNumber: string, typed: string): Mismatch | undefined {
  const typedKey = documentKey(typed);
  if (typedKey === '') return undefined; // nothing typed: nothing to compare
  const chipKey = documentKey(chipNumber);
  if (typedKey !== undefined && typedKey === chipKey) return undefined;
  const form = shown(typedKey ?? typed);
  const chip = shown(chipKey ?? chipNumber);
  return {
    field: 'documentNumber',
    ko: `신분증 번호 불일치: 입력 ${form}, 칩 ${chip}`,
    en: `Document number mismatch: typed ${form}, chip ${chip}`,
  };
}

// --- display ---

/**
 * A value as a message may show it: at most {@link SHOWN_MAX} UTF-16 units (then `…`), control,
 * format and unpaired surrogate characters (a cut may leave one) as U+FFFD, never empty.
 */
function shown(value: string): string {
  const cut = value.length > SHOWN_MAX ? `${value.slice(0, SHOWN_MAX)}…` : value;
  const safe = cut.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, '\uFFFD');
  return safe.trim() === '' ? '(없음/none)' : safe;
}
