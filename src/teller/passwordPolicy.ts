import type { Words } from '../../machines/types.js';

// What a teller's password must be (issue 14 item 1), checked when an account is made. A teller's
// password alone approves an identity for a certificate, so it is a single-factor secret guarding
// something that matters: at least 12 characters, after OWASP ASVS 4.0.3 V2.1.1 (12 for
// single-factor passwords; NIST SP 800-63B's 8 assumes a second factor or a blocklist service a
// kiosk cannot reach). Online guessing is throttled (loginThrottle.ts) and a stolen database
// costs a scrypt per guess (passwordHash.ts), so length is the rule that matters; no composition
// rules (ASVS V2.1.9), and up to 128 characters are accepted (V2.1.2), spaces included (V2.1.4:
// any printable Unicode).

export const minPasswordCharacters = 12;
export const maxPasswordCharacters = 128;
/** Bound on the bytes looked at: 128 characters of at most 4 UTF-8 bytes. */
export const maxPasswordBytes = maxPasswordCharacters * 4;

export type PasswordProblem =
  'tooShort' | 'tooLong' | 'notText' | 'controlCharacters' | 'containsName' | 'oneCharacter';

const messages: Record<PasswordProblem, Words> = {
  tooShort: {
    ko: `비밀번호는 ${String(minPasswordCharacters)}자 이상이어야 합니다.`,
    en: `at least ${String(minPasswordCharacters)} characters (runs of spaces count as one)`,
  },
  tooLong: {
    ko: `비밀번호는 ${String(maxPasswordCharacters)}자 이하여야 합니다.`,
    en: `at most ${String(maxPasswordCharacters)} characters`,
  },
  notText: { ko: '비밀번호가 UTF-8 글자가 아닙니다.', en: 'UTF-8 text' },
  controlCharacters: {
    ko: '비밀번호에 제어 문자를 쓸 수 없습니다.',
    en: 'no control or format characters (a second line in the file?)',
  },
  containsName: {
    ko: '비밀번호에 직원 이름을 넣을 수 없습니다.',
    en: 'must not contain the teller’s name',
  },
  oneCharacter: {
    ko: '한 글자만 반복한 비밀번호는 쓸 수 없습니다.',
    en: 'not one character repeated',
  },
};

/** A problem in words (Korean for screens, English for the CLI's error line). */
export function passwordProblemMessage(problem: PasswordProblem): Words {
  return messages[problem];
}

/**
 * The rules `password` (UTF-8 bytes, not zeroed here) breaks for the account `name`; empty when
 * it may be used. Non-ASCII text is decoded to a string to be checked: JavaScript cannot wipe
 * strings, so that copy is never kept, returned or logged.
 */
export function checkTellerPassword(password: Uint8Array, name: string): PasswordProblem[] {
  if (password.length > maxPasswordBytes) return ['tooLong'];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(password).normalize('NFC');
  } catch {
    return ['notText'];
  }
  const problems: PasswordProblem[] = [];
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(text)) problems.push('controlCharacters');
  // ASVS V2.1.1 counts "after multiple spaces are combined": spaces pad, they do not add.
  const characters = codePoints(text.replace(/ {2,}/g, ' '));
  if (characters < minPasswordCharacters) problems.push('tooShort');
  if (characters > maxPasswordCharacters) problems.push('tooLong');
  const lower = text.toLowerCase();
  const account = name.normalize('NFC').toLowerCase();
  if (account.length >= 3 && lower.includes(account)) problems.push('containsName');
  if (text.length > 0 && new Set(text).size === 1) problems.push('oneCharacter');
  return problems;
}

/**
 * The bytes a password is hashed as: NFC-normalised UTF-8, so that the same password typed as
 * composed or decomposed Hangul verifies (DESIGN §7: NFC everywhere). ASCII is its own NFC and is
 * copied without becoming a string. A new buffer the caller zeroes; undefined if not UTF-8.
 */
export function passwordBytes(password: Uint8Array): Buffer | undefined {
  if (password.every((b) => b < 0x80)) return Buffer.from(password);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(password);
    return Buffer.from(text.normalize('NFC'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Characters as NIST SP 800-63B counts them: Unicode code points (a Hangul syllable is one). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
