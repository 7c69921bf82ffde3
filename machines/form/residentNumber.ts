/**
 * Korean resident registration number (주민등록번호, IDN) checks for the issuance form.
 *
 * Layout: `YYMMDD-GNNNNNC` — birth date, the gender/century digit G, serial digits, and a check
 * digit C. The check digit has not been reliable since October 2020 (new numbers drop the regional
 * code and are no longer guaranteed to satisfy the formula), so a mismatch is only a warning the
 * teller confirms against the ID card, never a refusal.
 */

/**
 * A hard problem that makes the number unusable: not 13 digits (`format`), not a real past birth
 * date (`date`), or an unusable gender/century digit (`genderDigit`).
 */
export type IdnProblem = 'format' | 'date' | 'genderDigit';

/** Result of {@link checkResidentNumber}. Optional keys are omitted, never set to undefined. */
export interface IdnCheck {
  /** True when `problems` is empty; a `checkDigit` warning alone keeps this true. */
  ok: boolean;
  /** The 13 digits without dash or whitespace; present only when the format is right. */
  digits?: string;
  /** Birth date as `YYYY-MM-DD`; present only when it is a real date not after today (KST). */
  birthDate?: string;
  /** Whether the 13th digit satisfies the check-digit formula; present when the format is right. */
  checkDigitOk?: boolean;
  problems: IdnProblem[];
  warnings: 'checkDigit'[];
}

/** `YYMMDD` + optional dash + seven digits, ASCII digits only (`\d` could match other scripts). */
const IDN_FORMAT = /^([0-9]{6})-?([0-9]{7})$/;

/** Weights for the first 12 digits in the check-digit formula. */
const CHECK_WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] as const;

/**
 * Century by gender digit: 1,2,5,6 → 1900s; 3,4,7,8 → 2000s (5–8 are the codes for foreign
 * nationals). 9 and 0 denote births in the 1800s: no living visitor has one, so they are reported
 * as `genderDigit` (a typing error, most likely).
 */
const CENTURY_BY_GENDER_DIGIT: Readonly<Record<string, number>> = {
  '1': 1900,
  '2': 1900,
  '3': 2000,
  '4': 2000,
  '5': 1900,
  '6': 1900,
  '7': 2000,
  '8': 2000,
};

/** Korea Standard Time is UTC+9 with no daylight saving (none since 1988). */
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Today's calendar date in Korea as `YYYY-MM-DD`, whatever the process time zone. */
function kstToday(now: Date): string {
  const kst = new Date(now.getTime() + KST_OFFSET_MS);
  return `${pad(kst.getUTCFullYear(), 4)}-${pad(kst.getUTCMonth() + 1, 2)}-${pad(kst.getUTCDate(), 2)}`;
}

/** Check digit of the first 12 digits: (11 − Σ digitᵢ·weightᵢ mod 11) mod 10. */
export function expectedCheckDigit(digits: string): number {
  let sum = 0;
  CHECK_WEIGHTS.forEach((w, i) => {
    sum += Number(digits[i]) * w;
  });
  return (11 - (sum % 11)) % 10;
}

/**
 * Validates a resident registration number typed at the kiosk.
 *
 * Accepts `9001011234567` or `900101-1234567`, with optional surrounding whitespace; anything else
 * gives the single problem `format`. Otherwise the birth date (YYMMDD with the century from the
 * 7th digit) must be a real calendar date and not after today's date in Korea (KST, UTC+9) at
 * `now`; a wrong check digit only adds the `checkDigit` warning (see the module comment).
 *
 * Never throws for any string input.
 *
 * @param now The current time, injectable for tests; defaults to the system clock.
 * @throws {RangeError} If `now` is an invalid Date (a programming error, not user input).
 */
export function checkResidentNumber(input: string, now: Date = new Date()): IdnCheck {
  if (Number.isNaN(now.getTime())) throw new RangeError('checkResidentNumber: invalid `now`');

  const match = IDN_FORMAT.exec(input.trim());
  const front = match?.[1];
  const back = match?.[2];
  if (front === undefined || back === undefined) {
    return { ok: false, problems: ['format'], warnings: [] };
  }

  const digits = front + back;
  const problems: IdnProblem[] = [];
  const warnings: 'checkDigit'[] = [];
  const result: IdnCheck = { ok: false, digits, problems, warnings };

  const century = CENTURY_BY_GENDER_DIGIT[back.charAt(0)];
  if (century === undefined) {
    problems.push('genderDigit');
  } else {
    const year = century + Number(front.slice(0, 2));
    const month = Number(front.slice(2, 4));
    const day = Number(front.slice(4, 6));
    const realDate = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
    const birthDate = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
    // Same-width ISO dates compare correctly as strings; born today is allowed.
    if (realDate && birthDate <= kstToday(now)) {
      result.birthDate = birthDate;
    } else {
      problems.push('date');
    }
  }

  const checkDigitOk = Number(digits.charAt(12)) === expectedCheckDigit(digits);
  result.checkDigitOk = checkDigitOk;
  if (!checkDigitOk) warnings.push('checkDigit');

  result.ok = problems.length === 0;
  return result;
}

/** What {@link maskResidentNumber} returns for anything that is not a 13-digit number. */
const FULL_MASK = '******-*******';

/**
 * Masks a resident registration number for display and logs: `900101-1******`.
 *
 * Only the birth date and the gender digit (the first 7 digits) are shown, as on printed forms.
 * Surrounding whitespace and one dash are removed first; if what remains is not exactly 13 ASCII
 * digits the result is `******-*******`, so a malformed entry (e.g. with a typo'd extra digit)
 * never leaks any of its digits.
 */
export function maskResidentNumber(digits: string): string {
  const plain = digits.trim().replace('-', '');
  if (!/^[0-9]{13}$/.test(plain)) return FULL_MASK;
  return `${plain.slice(0, 6)}-${plain.charAt(6)}******`;
}

const MESSAGES: Record<IdnProblem | 'checkDigit', { ko: string; en: string }> = {
  format: {
    ko: '주민등록번호 13자리를 정확히 입력해 주세요.',
    en: 'Enter all 13 digits of the resident registration number.',
  },
  date: {
    ko: '주민등록번호 앞자리의 생년월일이 올바르지 않습니다.',
    en: 'The date of birth in the first six digits is not valid.',
  },
  genderDigit: {
    ko: '주민등록번호 뒷자리 첫 숫자가 올바르지 않습니다.',
    en: 'The first digit after the dash is not valid.',
  },
  checkDigit: {
    ko: '검증번호가 맞지 않습니다. 2020년 10월 이후 발급된 번호일 수 있으니 신분증과 대조해 주세요.',
    en: 'The check digit does not match. Numbers issued since October 2020 may not follow it; compare with the ID card.',
  },
};

/**
 * Korean and English UI text for a problem or the `checkDigit` warning. Returns a fresh object so
 * callers cannot alter the shared table.
 */
export function idnProblemMessage(p: IdnProblem | 'checkDigit'): { ko: string; en: string } {
  return { ...MESSAGES[p] };
}
