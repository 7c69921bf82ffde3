import type { AcceptedForm, Words } from '../types.js';
import {
  checkResidentNumber,
  idnProblemMessage,
  maskResidentNumber,
  type IdnCheck,
} from './residentNumber.js';

/**
 * Field-by-field checks of the application form (DESIGN §1 step 2): the holder's name, the mobile
 * phone, the account number for the fee, and {@link checkForm}, which adds the resident number
 * (residentNumber.ts) and builds the {@link AcceptedForm} the machines hold.
 *
 * Every check takes any string, of any length, and never throws: it measures the input before any
 * normalisation or regular expression, so a pasted megabyte costs one length comparison. Each
 * problem is a stable code; its Korean and English text comes from the `…ProblemMessage` functions.
 */

// --- name ---

/**
 * What is wrong with a name: nothing typed (`required`); fewer than 2 characters (`tooShort`);
 * over 20 Hangul syllables, 64 Latin characters, or 256 UTF-16 units as typed (`tooLong`); a
 * control, format, private-use, unassigned character or lone surrogate (`control`); a character
 * that breaks the certificate's DN (`dnCharacter`); Hangul and Latin together (`mixedScripts`);
 * anything else outside the rules (`characters`).
 */
export type NameProblem =
  'required' | 'tooShort' | 'tooLong' | 'control' | 'dnCharacter' | 'mixedScripts' | 'characters';

/** Result of {@link checkName}. Optional keys are omitted, never set to undefined. */
export interface NameCheck {
  /** True when `problems` is empty. */
  ok: boolean;
  /** The name to keep: NFC, trimmed, inner spaces of a Latin name collapsed; only when ok. */
  name?: string;
  /** Which rule the name was held to; only when ok. */
  script?: 'hangul' | 'latin';
  problems: NameProblem[];
}

/**
 * Longest input looked at, in UTF-16 units, before normalising: 20 syllables typed decomposed
 * (NFD, up to 3 jamo each) are 60 units and 64 Latin letters with combining marks well under 256.
 */
const MAX_NAME_INPUT = 256;
const HANGUL_LENGTH = { min: 2, max: 20 } as const;
const LATIN_LENGTH = { min: 2, max: 64 } as const;

/** Control (Cc), format (Cf), surrogate (Cs), private-use (Co), unassigned (Cn), line/paragraph. */
const CONTROL = /[\p{C}\p{Zl}\p{Zp}]/u;
/**
 * Characters the certificate's subject DN cannot hold in a name: `( )` delimit the NPKI CN's
 * name from its serial (`cn=홍길동()0001234567890123`, DESIGN §4.1); `,` `=` `+` separate RDNs
 * and attributes and `\` escapes them (RFC 4514 §2.4, which also escapes `"` `;` `<` `>` `#`);
 * `/` and `\` would split the DN folder the certificate is saved in on a drive
 * (`NPKI/<CA>/USER/<DN>/`, DESIGN §4.1).
 */
const DN_SPECIAL = /[(),=+/\\";<>#]/;
/** Any Hangul, syllable or jamo (a half-typed syllable is still meant as Hangul). */
const ANY_HANGUL = /\p{Script=Hangul}/u;
/** Complete Hangul syllables, U+AC00–U+D7A3, nothing else (no spaces: Korean names have none). */
const HANGUL_NAME = /^[\uAC00-\uD7A3]+$/;
/**
 * Latin letters as typed for a foreign name: Basic Latin, Latin-1 (without × and ÷), Latin
 * Extended-A/B (without the click letters ǀ ǁ ǂ ǃ, U+01C0–U+01C3, which look like punctuation) and
 * Latin Extended Additional (Vietnamese). Fullwidth forms and ligatures are not letters here: the
 * name must be comparable with the passport's.
 */
const LATIN_LETTER =
  'A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BF\\u01C4-\\u024F\\u1E00-\\u1EFF';
const ANY_LATIN = new RegExp(`[${LATIN_LETTER}]`);
/** Words of letters joined by one space, hyphen or apostrophe: `Mary O'Brien-Smith`. */
const LATIN_NAME = new RegExp(`^[${LATIN_LETTER}]+(?:[ '-][${LATIN_LETTER}]+)*$`);

/** Checks the holder's name as typed: Hangul (2–20 syllables) or Latin (2–64 characters). */
export function checkName(input: string): NameCheck {
  if (input.length > MAX_NAME_INPUT) return { ok: false, problems: ['tooLong'] };
  const name = input.normalize('NFC').trim();
  if (name === '') return { ok: false, problems: ['required'] };

  const problems: NameProblem[] = [];
  if (CONTROL.test(name)) problems.push('control');
  if (DN_SPECIAL.test(name)) problems.push('dnCharacter');
  if (problems.length > 0) return { ok: false, problems };

  if (ANY_HANGUL.test(name)) {
    if (ANY_LATIN.test(name)) return { ok: false, problems: ['mixedScripts'] };
    problems.push(...lengthProblems(name, HANGUL_LENGTH));
    if (!HANGUL_NAME.test(name)) problems.push('characters');
    return problems.length > 0
      ? { ok: false, problems }
      : { ok: true, name, script: 'hangul', problems };
  }

  // Any run of spaces (no-break, ideographic, …) becomes one ASCII space.
  const latin = name.replace(/\s+/gu, ' ');
  problems.push(...lengthProblems(latin, LATIN_LENGTH));
  if (!LATIN_NAME.test(latin)) problems.push('characters');
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, name: latin, script: 'latin', problems };
}

/**
 * Length against the script's bounds. Every character a name may hold is in the BMP, so UTF-16
 * units are the characters the visitor counts (a name with others fails `characters` anyway).
 */
function lengthProblems(text: string, bounds: { min: number; max: number }): NameProblem[] {
  const { length } = text;
  if (length < bounds.min) return ['tooShort'];
  if (length > bounds.max) return ['tooLong'];
  return [];
}

// --- mobile phone ---

/**
 * What is wrong with a mobile number: nothing typed (`required`); something other than digits,
 * hyphens and spaces (`characters`); not a mobile prefix, e.g. a Seoul landline 02 (`notMobile`);
 * the wrong number of digits for its prefix (`length`).
 */
export type PhoneProblem = 'required' | 'characters' | 'notMobile' | 'length';

/** Result of {@link checkPhone}. */
export interface PhoneCheck {
  ok: boolean;
  /** `010-1234-5678`, or `011-123-4567` for a 10-digit legacy number; only when ok. */
  phone?: string;
  problems: PhoneProblem[];
}

/** 11 digits with separators between every digit is 21 characters; anything over 32 is not a phone. */
const MAX_PHONE_INPUT = 32;
/**
 * Korean mobile prefixes (Telecommunications Numbering Plan, 전기통신번호관리세칙): 010 with an
 * 8-digit subscriber number; the legacy 011, 016, 017, 018, 019 with 7 or 8 digits.
 */
const MOBILE_DIGITS: Readonly<Record<string, readonly number[]>> = {
  '010': [11],
  '011': [10, 11],
  '016': [10, 11],
  '017': [10, 11],
  '018': [10, 11],
  '019': [10, 11],
};

/** Checks a Korean mobile number, typed with or without hyphens or spaces, and formats it. */
export function checkPhone(input: string): PhoneCheck {
  if (input.length > MAX_PHONE_INPUT) return { ok: false, problems: ['length'] };
  const text = input.trim();
  if (text === '') return { ok: false, problems: ['required'] };
  // ASCII digits only: fullwidth or other scripts' digits are a `characters` problem.
  if (!/^[0-9][0-9 -]*$/.test(text) || /[ -]$/.test(text)) {
    return { ok: false, problems: ['characters'] };
  }
  const digits = text.replace(/[ -]/g, '');
  const lengths = MOBILE_DIGITS[digits.slice(0, 3)];
  if (lengths === undefined) {
    return { ok: false, problems: [digits.length < 3 ? 'length' : 'notMobile'] };
  }
  if (!lengths.includes(digits.length)) return { ok: false, problems: ['length'] };
  const middle = digits.length === 11 ? 4 : 3;
  const phone = `${digits.slice(0, 3)}-${digits.slice(3, 3 + middle)}-${digits.slice(3 + middle)}`;
  return { ok: true, phone, problems: [] };
}

// --- account number ---

/**
 * What is wrong with an account number: nothing typed (`required`); something other than digits
 * in groups joined by single hyphens (`characters`); fewer than 10 or more than 16 digits
 * (`length`).
 */
export type AccountProblem = 'required' | 'characters' | 'length';

/** Result of {@link checkAccountNumber}. */
export interface AccountCheck {
  ok: boolean;
  /** The digits alone, as the bank's fee withdrawal takes them; only when ok. */
  digits?: string;
  problems: AccountProblem[];
}

/** 16 digits with a hyphen between each are 31 characters. */
const MAX_ACCOUNT_INPUT = 40;
/** Issue 13's bounds for a Korean bank account number, in digits (hyphens do not count). */
const ACCOUNT_DIGITS = { min: 10, max: 16 } as const;

/** Checks the account number the fee is paid from: digits and hyphens, 10–16 digits. */
export function checkAccountNumber(input: string): AccountCheck {
  if (input.length > MAX_ACCOUNT_INPUT) return { ok: false, problems: ['length'] };
  const text = input.trim();
  if (text === '') return { ok: false, problems: ['required'] };
  if (!/^[0-9]+(?:-[0-9]+)*$/.test(text)) return { ok: false, problems: ['characters'] };
  const digits = text.replace(/-/g, '');
  if (digits.length < ACCOUNT_DIGITS.min || digits.length > ACCOUNT_DIGITS.max) {
    return { ok: false, problems: ['length'] };
  }
  return { ok: true, digits, problems: [] };
}

// --- messages ---

const NAME_MESSAGES: Record<NameProblem, Words> = {
  required: { ko: '이름을 입력해 주세요.', en: 'Enter your name.' },
  tooShort: {
    ko: '이름은 두 글자 이상이어야 합니다.',
    en: 'The name needs at least 2 characters.',
  },
  tooLong: {
    ko: '이름이 너무 깁니다. 한글은 20자, 영문은 64자까지 입력할 수 있습니다.',
    en: 'The name is too long: up to 20 Hangul or 64 Latin characters.',
  },
  control: {
    ko: '이름에 보이지 않는 제어 문자가 들어 있습니다. 다시 입력해 주세요.',
    en: 'The name contains invisible control characters. Type it again.',
  },
  dnCharacter: {
    ko: '이름에 ( ) , = + / \\ 같은 기호는 쓸 수 없습니다.',
    en: 'The name cannot contain symbols such as ( ) , = + / \\.',
  },
  mixedScripts: {
    ko: '이름은 한글 또는 영문 중 하나로만 입력해 주세요.',
    en: 'Type the name either in Hangul or in Latin letters, not both.',
  },
  characters: {
    ko: "이름은 띄어쓰기 없는 한글, 또는 영문 글자와 띄어쓰기, 하이픈(-), 아포스트로피(')로 입력해 주세요.",
    en: "Type the name in Hangul without spaces, or in Latin letters with spaces, hyphens (-) or apostrophes (').",
  },
};

const PHONE_MESSAGES: Record<PhoneProblem, Words> = {
  required: { ko: '휴대전화 번호를 입력해 주세요.', en: 'Enter your mobile phone number.' },
  characters: {
    ko: '휴대전화 번호는 숫자로만 입력해 주세요 (예: 010-1234-5678).',
    en: 'Type the mobile number in digits only (e.g. 010-1234-5678).',
  },
  notMobile: {
    ko: '휴대전화 번호(010 등으로 시작)를 입력해 주세요.',
    en: 'Enter a mobile number (starting with 010 or another mobile prefix).',
  },
  length: {
    ko: '휴대전화 번호의 자릿수가 맞지 않습니다 (010은 뒤 8자리).',
    en: 'The mobile number has the wrong number of digits (010 takes 8 more).',
  },
};

const ACCOUNT_MESSAGES: Record<AccountProblem, Words> = {
  required: {
    ko: '수수료를 낼 계좌번호를 입력해 주세요.',
    en: 'Enter the account number for the fee.',
  },
  characters: {
    ko: '계좌번호는 숫자와 하이픈(-)으로만 입력해 주세요.',
    en: 'Type the account number in digits and hyphens (-) only.',
  },
  length: {
    ko: '계좌번호는 10자리에서 16자리 숫자입니다.',
    en: 'An account number has 10 to 16 digits.',
  },
};

/** Korean and English text for a name problem (a fresh object each call). */
export function nameProblemMessage(p: NameProblem): Words {
  return { ...NAME_MESSAGES[p] };
}

/** Korean and English text for a phone problem (a fresh object each call). */
export function phoneProblemMessage(p: PhoneProblem): Words {
  return { ...PHONE_MESSAGES[p] };
}

/** Korean and English text for an account problem (a fresh object each call). */
export function accountProblemMessage(p: AccountProblem): Words {
  return { ...ACCOUNT_MESSAGES[p] };
}

// --- the whole form ---

export type FormField = 'name' | 'idn' | 'phone' | 'account';

/** The form as typed. */
export interface FormInput {
  readonly name: string;
  readonly idn: string;
  readonly phone: string;
  /** Only when the certificate type has a fee: absent, the field is not asked and not checked. */
  readonly account?: string;
}

/** Result of {@link checkForm}. */
export interface FormCheck {
  /** True when no field has a problem (warnings do not count). */
  ok: boolean;
  /** What the machine may hold, the IDN masked; only when ok. */
  form?: AcceptedForm;
  /** Messages per field, in the order of the field's checks; empty arrays for good fields. */
  problems: Record<FormField, Words[]>;
  /** Messages the visitor or the teller should see without being stopped (the IDN check digit). */
  warnings: Record<FormField, Words[]>;
}

/**
 * An IDN is 14 characters with its dash; longer input is not looked at (it is a `format`
 * problem), so checkResidentNumber never sees a pasted megabyte.
 */
const MAX_IDN_INPUT = 64;

/**
 * Checks every field and, when all pass, builds the {@link AcceptedForm}: the name as normalised,
 * the IDN masked (`900101-1******`: never its last six digits), the birth date from the IDN, the
 * phone formatted. The account number is checked but not carried: the machines do not hold it,
 * the service reads it with {@link checkAccountNumber}. Neither the full IDN nor the account
 * appears anywhere in the result, so it may be logged or persisted.
 *
 * @param now The current time, for the IDN's "born no later than today (KST)".
 * @throws {RangeError} If `now` is an invalid Date (a programming error, not user input).
 */
export function checkForm(input: FormInput, now: Date): FormCheck {
  const problems: Record<FormField, Words[]> = { name: [], idn: [], phone: [], account: [] };
  const warnings: Record<FormField, Words[]> = { name: [], idn: [], phone: [], account: [] };

  const name = checkName(input.name);
  problems.name = name.problems.map(nameProblemMessage);

  const idn: IdnCheck =
    input.idn.length > MAX_IDN_INPUT
      ? { ok: false, problems: ['format'], warnings: [] }
      : checkResidentNumber(input.idn, now);
  problems.idn = idn.problems.map(idnProblemMessage);
  warnings.idn = idn.warnings.map(idnProblemMessage);

  const phone = checkPhone(input.phone);
  problems.phone = phone.problems.map(phoneProblemMessage);

  if (input.account !== undefined) {
    problems.account = checkAccountNumber(input.account).problems.map(accountProblemMessage);
  }

  const ok = Object.values(problems).every((list) => list.length === 0);
  if (
    !ok ||
    name.name === undefined ||
    idn.digits === undefined ||
    idn.birthDate === undefined ||
    phone.phone === undefined
  ) {
    return { ok: false, problems, warnings };
  }
  const form: AcceptedForm = {
    name: name.name,
    idnMasked: maskResidentNumber(idn.digits),
    birthDate: idn.birthDate,
    phone: phone.phone,
  };
  return { ok: true, form, problems, warnings };
}
