import { timingSafeEqual } from 'node:crypto';

/**
 * Certificate password rules for joint certificates (공동인증서), in force for all accredited Korean
 * CAs since 2014-09-22:
 *
 * - at least 10 characters;
 * - letters, digits and special characters must all be present;
 * - case-sensitive (so nothing here folds case);
 * - `'` `"` `\` `|` and `₩` (U+20A9) are not allowed. `\` and `₩` are the same key on a Korean
 *   keyboard (code page 949 fonts draw 0x5C as ₩), which is why both are banned.
 *
 * Kiosk policy on top of those rules (the kiosk keyboards are ASCII, and the password must encrypt
 * to the same bytes on any PC the visitor later uses, so anything that is not printable ASCII is
 * refused):
 *
 * - letters are ASCII `A`–`Z` / `a`–`z` only; a Hangul syllable or `é` is not a letter;
 * - special characters are printable ASCII (U+0021–U+007E) that are neither letters nor digits and
 *   not one of the forbidden four, so typing only `'` does not tick "special";
 * - space, control characters and every non-ASCII character (Hangul, fullwidth forms, ₩, emoji, …)
 *   are refused. To keep the checklist at exactly five rules this is folded into `noForbiddenChars`,
 *   and its label says so.
 *
 * Input is normalized to NFC first, so a decomposed (NFD) string, e.g. from a macOS clipboard or an
 * IME, is judged — and counted — as the composed characters the visitor saw.
 */

/** Identifiers of the five checklist rules, in display order. */
export type PasswordRuleId =
  'minLength' | 'hasLetter' | 'hasDigit' | 'hasSpecial' | 'noForbiddenChars';

/** One line of the live checklist: whether the rule holds, with short Korean and English labels. */
export interface PasswordRuleResult {
  id: PasswordRuleId;
  ok: boolean;
  ko: string;
  en: string;
}

/** Minimum length in characters (Unicode code points after NFC). */
const MIN_LENGTH = 10;

/** Printable ASCII characters the CA rules forbid (₩ is outside ASCII and refused as such). */
const FORBIDDEN_ASCII = new Set(["'", '"', '\\', '|']);

const LETTER = /[A-Za-z]/;
const DIGIT = /[0-9]/;
/** Printable ASCII without space: U+0021 `!` to U+007E `~`. */
const PRINTABLE_NO_SPACE = /^[\x21-\x7E]$/;

const LABELS: Record<PasswordRuleId, { ko: string; en: string }> = {
  minLength: { ko: '10자 이상', en: 'At least 10 characters' },
  hasLetter: { ko: '영문자 포함', en: 'Contains a letter (A–Z, a–z)' },
  hasDigit: { ko: '숫자 포함', en: 'Contains a digit (0–9)' },
  hasSpecial: { ko: '특수문자 포함', en: 'Contains a special character (e.g. ! @ # $)' },
  noForbiddenChars: {
    ko: `' " \\ | ₩ 및 공백·한글 사용 불가 (영문 키보드 문자만)`,
    en: `No ' " \\ | ₩, spaces or non-ASCII characters such as Hangul`,
  },
};

const RULE_ORDER: readonly PasswordRuleId[] = [
  'minLength',
  'hasLetter',
  'hasDigit',
  'hasSpecial',
  'noForbiddenChars',
];

function isAllowedSpecial(ch: string): boolean {
  return (
    PRINTABLE_NO_SPACE.test(ch) && !LETTER.test(ch) && !DIGIT.test(ch) && !FORBIDDEN_ASCII.has(ch)
  );
}

/**
 * Evaluates every rule against `password` (normalized to NFC first) for the live checklist.
 *
 * Always returns all five rules, in the order of {@link PasswordRuleId}, even for an empty string,
 * so the UI can render a stable list. Never throws, whatever the input.
 */
export function checkPassword(password: string): PasswordRuleResult[] {
  // Iterate by code point so a surrogate pair (emoji) is one character, not two.
  const chars = Array.from(password.normalize('NFC'));
  const ok: Record<PasswordRuleId, boolean> = {
    minLength: chars.length >= MIN_LENGTH,
    hasLetter: chars.some((c) => LETTER.test(c)),
    hasDigit: chars.some((c) => DIGIT.test(c)),
    hasSpecial: chars.some(isAllowedSpecial),
    // Only printable ASCII minus the CA-forbidden characters; also refuses space, ₩ and all
    // other non-ASCII (kiosk policy, see the module comment).
    noForbiddenChars: chars.every((c) => PRINTABLE_NO_SPACE.test(c) && !FORBIDDEN_ASCII.has(c)),
  };
  return RULE_ORDER.map((id) => ({ id, ok: ok[id], ...LABELS[id] }));
}

/** True when `password` satisfies all five rules of {@link checkPassword}. */
export function passwordAcceptable(password: string): boolean {
  return checkPassword(password).every((r) => r.ok);
}

/** A lone UTF-16 surrogate, which UTF-8 encoding would silently turn into U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Compares the password and its confirmation ("비밀번호 확인") in constant time.
 *
 * Both are normalized to NFC (as {@link checkPassword} does) and compared as UTF-8 bytes with
 * `crypto.timingSafeEqual`, so the comparison time does not reveal how long a common prefix is.
 * Different byte lengths return false at once: `timingSafeEqual` requires equal lengths, and the
 * length is not secret from someone watching the screen's masked dots anyway.
 *
 * A string containing a lone surrogate never matches: UTF-8 encoding would map every lone
 * surrogate to the same U+FFFD bytes and make different strings compare equal. Such a string is
 * never an acceptable password, so nothing legitimate is lost.
 */
export function passwordsMatch(a: string, b: string): boolean {
  if (LONE_SURROGATE.test(a) || LONE_SURROGATE.test(b)) return false;
  const bytesA = Buffer.from(a.normalize('NFC'), 'utf8');
  const bytesB = Buffer.from(b.normalize('NFC'), 'utf8');
  if (bytesA.length !== bytesB.length) return false;
  return timingSafeEqual(bytesA, bytesB);
}
