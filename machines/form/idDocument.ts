import type { InPersonDocument, Words } from '../types.js';
import { checkResidentNumber, idnProblemMessage, maskResidentNumber } from './residentNumber.js';

/**
 * The physical ID a teller checks face to face when the visitor has no chip to read (issue 13):
 * its type and number, checked as far as the number's public format allows, and masked as every
 * record holds it (tellerApproval.ts `recordableDocument`).
 *
 * Formats and their sources:
 * - Resident registration card (주민등록증): the resident registration number, residentNumber.ts.
 * - Driver's licence (운전면허증): 12 digits `RR-YY-NNNNNN-CD`: region, year of first licence,
 *   serial, then a verification digit C and the reissue count D (librewiki 「운전면허증」; Microsoft
 *   Purview "South Korea driver's license number"). Licences issued before June 2014 print the
 *   region as a name (`서울 91-…`), since then as its code (도로교통공단, 2014: one name, one code).
 *   The codes are those of the licence-checking service's protocol (한국교통안전공단 RIMS 통신규약
 *   §4.5, as quoted by public clients): 11–26 and 28; Purview allows the same set. The verification
 *   digit's algorithm is not public (Purview: "checksum not applicable"; Microsoft Presidio's
 *   recogniser: "not publicly disclosed"), so only the format and the region are checked here.
 * - Passport (여권): one letter for the kind (M multiple, S single, R resident, G government,
 *   D diplomatic: passport.go.kr 「여권이야기: 여권 번호」, 2015) and eight digits; since the
 *   2021 passport, letter, three digits, letter, four digits (M123A4567: 외교부/문체부 차세대
 *   전자여권 시안, 2018). Purview lists O where passport.go.kr lists G for official passports:
 *   both are accepted, since refusing a real passport at the counter costs more than the slack of
 *   one letter while the teller holds the document. No check digit exists outside the MRZ.
 *
 * Every check takes any string and never throws; input over {@link MAX_ID_NUMBER_INPUT} UTF-16
 * units is refused by its length alone, before any normalisation or regular expression. Problem
 * messages come from a fixed table and never repeat what was typed.
 */

export type IdDocumentType = InPersonDocument['type'];

export const idDocumentTypes: readonly IdDocumentType[] = [
  'residentCard',
  'driverLicence',
  'passport',
];

/**
 * What is wrong: an unknown document type (`type`); nothing typed (`required`); longer than any
 * number with separators (`tooLong`); not the type's layout (`format`); for a resident card, not
 * a real past birth date (`date`) or an unusable gender/century digit (`genderDigit`); for a
 * licence, an unknown region code or name (`region`); for a passport, an unknown kind letter
 * (`passportKind`).
 */
export type IdDocumentProblem =
  'type' | 'required' | 'tooLong' | 'format' | 'date' | 'genderDigit' | 'region' | 'passportKind';

/** Result of {@link checkIdDocument}: nothing in it is the whole number. */
export type IdDocumentCheck =
  | {
      readonly ok: true;
      /** The number as records hold it, e.g. `900101-1******`, `11-23-********`, `M123*****`. */
      readonly masked: string;
      readonly document: InPersonDocument;
      /** For the teller, not stopping: a resident number whose check digit does not match. */
      readonly warnings: readonly Words[];
    }
  | { readonly ok: false; readonly code: IdDocumentProblem; readonly problem: Words };

/**
 * The longest input looked at: a licence with a four-syllable region name and spaces around each
 * dash is under 30 units; 64 leaves room for stray spaces and nothing for a pasted page.
 */
export const MAX_ID_NUMBER_INPUT = 64;

/**
 * Licence region names as printed before June 2014, and the two names the Gyeonggi police agency
 * split into (경기남부 kept 13, 경기북부 got 28), with their codes (RIMS 통신규약 §4.5).
 */
const LICENCE_REGIONS: Readonly<Record<string, string>> = {
  서울: '11',
  부산: '12',
  경기: '13',
  경기남부: '13',
  강원: '14',
  충북: '15',
  충남: '16',
  전북: '17',
  전남: '18',
  경북: '19',
  경남: '20',
  제주: '21',
  대구: '22',
  인천: '23',
  광주: '24',
  대전: '25',
  울산: '26',
  경기북부: '28',
};
const LICENCE_REGION_CODES = new Set(Object.values(LICENCE_REGIONS));

/** Region (two digits or two to four Hangul syllables), then ten digits, separators removed. */
const LICENCE = /^([0-9]{2}|[\uAC00-\uD7A3]{2,4})([0-9]{10})$/;
/** Old (letter + 8 digits) and 2021 (letter, 3 digits, letter, 4 digits) passport numbers. */
const PASSPORT_SHAPE = /^[A-Z](?:[0-9]{8}|[0-9]{3}[A-Z][0-9]{4})$/;
const PASSPORT_KINDS = new Set(['M', 'S', 'R', 'G', 'O', 'D']);

/**
 * Whitespace (any, ideographic included), dashes of every kind (Unicode Pd) and the minus sign
 * are how people group these numbers; none is part of one.
 */
const SEPARATORS = /[\s\p{Pd}\u2212]/gu;

/** A number read: its check, and when valid the whole number in canonical form. */
interface Reading {
  readonly check: IdDocumentCheck;
  /** ASCII, no separators: 13 digits, 12 digits (region as its code), or 9 characters. */
  readonly canonical?: string;
}

/**
 * Checks a physical ID's number as the teller typed it, and masks it.
 *
 * @param now The current time, for the resident number's "born no later than today (KST)".
 * @throws {RangeError} If `now` is an invalid Date (a programming error, not user input).
 */
export function checkIdDocument(type: IdDocumentType, number: string, now: Date): IdDocumentCheck {
  return read(type, number, now).check;
}

/**
 * The whole number in the canonical form an authenticity service takes (see {@link Reading}), or
 * undefined when {@link checkIdDocument} refuses it. The result is a secret: never log or keep it.
 */
export function canonicalIdNumber(
  type: IdDocumentType,
  number: string,
  now: Date,
): string | undefined {
  return read(type, number, now).canonical;
}

function read(type: IdDocumentType, number: string, now: Date): Reading {
  if (Number.isNaN(now.getTime())) throw new RangeError('checkIdDocument: invalid `now`');
  if (!idDocumentTypes.includes(type)) return refused('type', type);
  if (typeof number !== 'string') return refused('format', type);
  if (number.length > MAX_ID_NUMBER_INPUT) return refused('tooLong', type);
  const compact = number.normalize('NFC').replace(SEPARATORS, '');
  if (compact === '') return refused('required', type);
  if (type === 'residentCard') return readResidentCard(compact, now);
  if (type === 'driverLicence') return readLicence(compact);
  return readPassport(compact.toUpperCase());
}

function readResidentCard(compact: string, now: Date): Reading {
  const idn = checkResidentNumber(compact, now);
  const problem = idn.problems[0];
  if (problem !== undefined || idn.digits === undefined) {
    return refused(problem ?? 'format', 'residentCard');
  }
  const masked = maskResidentNumber(idn.digits);
  return {
    check: accepted('residentCard', masked, idn.warnings.map(idnProblemMessage)),
    canonical: idn.digits,
  };
}

function readLicence(compact: string): Reading {
  const match = LICENCE.exec(compact);
  const region = match?.[1];
  const rest = match?.[2];
  if (region === undefined || rest === undefined) return refused('format', 'driverLicence');
  const code = /^[0-9]/.test(region) ? region : LICENCE_REGIONS[region];
  if (code === undefined || !LICENCE_REGION_CODES.has(code)) {
    return refused('region', 'driverLicence');
  }
  // The year is not checked: two digits span a century, and any of them can be a real licence.
  const masked = `${code}-${rest.slice(0, 2)}-${'*'.repeat(8)}`;
  return { check: accepted('driverLicence', masked, []), canonical: code + rest };
}

function readPassport(compact: string): Reading {
  if (!PASSPORT_SHAPE.test(compact)) return refused('format', 'passport');
  if (!PASSPORT_KINDS.has(compact.charAt(0))) return refused('passportKind', 'passport');
  const masked = `${compact.slice(0, 4)}${'*'.repeat(compact.length - 4)}`;
  return { check: accepted('passport', masked, []), canonical: compact };
}

function accepted(
  type: IdDocumentType,
  masked: string,
  warnings: readonly Words[],
): Reading['check'] {
  return { ok: true, masked, document: { type, numberMasked: masked }, warnings };
}

function refused(code: IdDocumentProblem, type: IdDocumentType): Reading {
  return { check: { ok: false, code, problem: idDocumentProblemMessage(code, type) } };
}

// --- messages: fixed text, never the number (no run of three digits, no example number) ---

const COMMON: Record<'type' | 'required' | 'tooLong', Words> = {
  type: {
    ko: '신분증 종류(주민등록증, 운전면허증, 여권)를 선택해 주세요.',
    en: "Choose the type of ID: resident registration card, driver's licence or passport.",
  },
  required: { ko: '신분증 번호를 입력해 주세요.', en: 'Enter the number of the ID.' },
  tooLong: {
    ko: '신분증 번호가 너무 깁니다. 신분증에 적힌 번호만 입력해 주세요.',
    en: 'The ID number is too long. Type only the number printed on the ID.',
  },
};

const BY_TYPE: Record<
  Exclude<IdDocumentType, 'residentCard'>,
  { readonly format: Words } & Partial<Record<IdDocumentProblem, Words>>
> = {
  driverLicence: {
    format: {
      ko: '운전면허번호는 지역(두 자리 숫자 또는 지역명), 연도 두 자리, 일련번호 여섯 자리, 끝 두 자리입니다.',
      en: "A driver's licence number is the region (two digits or its name), two digits of year, six of serial and two more.",
    },
    region: {
      ko: '운전면허번호 앞의 지역 번호(또는 서울, 부산 같은 지역명)가 올바르지 않습니다.',
      en: 'The region at the start of the licence number (two digits, or a name such as 서울) is not valid.',
    },
  },
  passport: {
    format: {
      ko: '여권번호는 영문 한 자와 숫자 여덟 자리, 또는 영문 한 자, 숫자 세 자리, 영문 한 자, 숫자 네 자리입니다.',
      en: 'A passport number is a letter and eight digits, or a letter, three digits, a letter and four digits.',
    },
    passportKind: {
      ko: '여권번호의 첫 글자(M, S, R, G, O, D)가 올바르지 않습니다.',
      en: 'The first letter of the passport number (M, S, R, G, O or D) is not valid.',
    },
  },
};

/**
 * Korean and English text for a problem with a document of `type` (a fresh object each call); a
 * problem that does not belong to the type gets the type's format text.
 */
export function idDocumentProblemMessage(code: IdDocumentProblem, type: IdDocumentType): Words {
  if (code === 'type' || code === 'required' || code === 'tooLong') return { ...COMMON[code] };
  if (type === 'residentCard') {
    // The resident card's problems are the resident number's, in the form's words.
    return idnProblemMessage(code === 'date' || code === 'genderDigit' ? code : 'format');
  }
  const messages = BY_TYPE[type];
  return { ...(messages[code] ?? messages.format) };
}
