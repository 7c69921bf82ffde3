import * as crypto from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

import {
  checkPassword,
  passwordAcceptable,
  passwordsMatch,
  type PasswordRuleId,
} from '../../../src/npki/passwordRules.js';

// Spy on timingSafeEqual while keeping its real behaviour, to see passwordsMatch really uses it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const RULE_IDS: PasswordRuleId[] = [
  'minLength',
  'hasLetter',
  'hasDigit',
  'hasSpecial',
  'noForbiddenChars',
];

/** The rule ids that fail for `password`. */
function failing(password: string): PasswordRuleId[] {
  return checkPassword(password)
    .filter((r) => !r.ok)
    .map((r) => r.id);
}

/** Any UTF-16 code unit, lone surrogates included (fc.string's units never produce those). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: codeUnit }),
);

describe('checkPassword', () => {
  it('always returns the five rules in order, with labels', () => {
    for (const pw of ['', 'x', 'Abcdef123!', '가나다']) {
      const results = checkPassword(pw);
      expect(results.map((r) => r.id)).toEqual(RULE_IDS);
      for (const r of results) {
        expect(r.ko.length).toBeGreaterThan(0);
        expect(r.en.length).toBeGreaterThan(0);
      }
    }
  });

  it('labels the length rule as in the spec', () => {
    const minLength = checkPassword('').find((r) => r.id === 'minLength');
    expect(minLength).toMatchObject({ ko: '10자 이상', en: 'At least 10 characters' });
  });

  it.each(["'", '"', '\\', '|', '₩'])('lists forbidden character %j in both labels', (ch) => {
    const rule = checkPassword('').find((r) => r.id === 'noForbiddenChars');
    expect(rule?.ko).toContain(ch);
    expect(rule?.en).toContain(ch);
  });

  it('says in the forbidden-character label that spaces and non-ASCII are refused too', () => {
    const rule = checkPassword('').find((r) => r.id === 'noForbiddenChars');
    expect(rule?.ko).toContain('공백');
    expect(rule?.ko).toContain('한글');
    expect(rule?.en).toMatch(/spaces/);
    expect(rule?.en).toMatch(/non-ASCII/);
  });

  it.each<[string, string, PasswordRuleId[]]>([
    ['empty', '', ['minLength', 'hasLetter', 'hasDigit', 'hasSpecial']],
    ['9 characters', 'abcd1234!', ['minLength']],
    ['exactly 10 characters', 'abcd1234!x', []],
    ['long', 'Correct-Horse-Battery-Staple-42', []],
    ['upper-case letters only', 'ABCDE1234!', []],
    ['no letter', '1234567890!', ['hasLetter']],
    ['no digit', 'abcdefghij!', ['hasDigit']],
    ['no special', 'abcdefgh12', ['hasSpecial']],
    ['letters only', 'abcdefghij', ['hasDigit', 'hasSpecial']],
    ['digits only', '1234567890', ['hasLetter', 'hasSpecial']],
    ['specials only', '!@#$%^&*()', ['hasLetter', 'hasDigit']],
    ['every allowed special', 'a1!#$%&()*+,-./:;<=>?@[]^_`{}~', []],
    ['special at the start', '!abcdefgh1', []],
    ["only a forbidden special (')", "abcdefgh1'", ['hasSpecial', 'noForbiddenChars']],
    ['space is not a special', 'abcdefgh1 ', ['hasSpecial', 'noForbiddenChars']],
    ['space among valid characters', 'abcd 1234!', ['noForbiddenChars']],
    ['tab', 'abcd\t1234!', ['noForbiddenChars']],
    ['newline', 'abcd1234!x\n', ['noForbiddenChars']],
    ['DEL control character', 'abcd1234!x\x7f', ['noForbiddenChars']],
    ['NUL', 'abcd1234!x\0', ['noForbiddenChars']],
    ['₩ (U+20A9)', 'abcd1234!₩', ['noForbiddenChars']],
    ['fullwidth won ￦ (U+FFE6)', 'abcd1234!￦', ['noForbiddenChars']],
    ['Hangul with ASCII letters', 'abcd1234!가', ['noForbiddenChars']],
    ['Hangul is not a letter', '가나다라마바사1234!', ['hasLetter', 'noForbiddenChars']],
    ['Hangul jamo is not a letter', 'ㄱㄴㄷㄹㅁ1234!', ['hasLetter', 'noForbiddenChars']],
    ['Hangul is not a special', '가나다라마바사abc12', ['hasSpecial', 'noForbiddenChars']],
    ['accented letter is not a letter', 'éééééé1234!', ['hasLetter', 'noForbiddenChars']],
    ['fullwidth letters are not letters', 'ＡＢＣＤＥ12345!', ['hasLetter', 'noForbiddenChars']],
    ['fullwidth digits are not digits', 'abcde１２３４５!', ['hasDigit', 'noForbiddenChars']],
    ['fullwidth ! is not a special', 'abcde12345！', ['hasSpecial', 'noForbiddenChars']],
    ['emoji', 'abcd1234!😀', ['noForbiddenChars']],
    ['non-breaking space', 'abcd1234!\u00a0', ['noForbiddenChars']],
    ['zero-width space', 'abcd1234!\u200bx', ['noForbiddenChars']],
  ])('%s: %j fails %j', (_name, password, expected) => {
    expect(failing(password)).toEqual(expected);
    expect(passwordAcceptable(password)).toBe(expected.length === 0);
  });

  it.each(["'", '"', '\\', '|', '₩'])(
    'refuses forbidden character %j even with every other rule met',
    (ch) => {
      for (const password of [`Abcd1234!${ch}`, `${ch}Abcd1234!`, `Abcd${ch}1234!`]) {
        expect(failing(password)).toEqual(['noForbiddenChars']);
        expect(passwordAcceptable(password)).toBe(false);
      }
    },
  );

  it.each(["'", '"', '\\', '|'])(
    'does not count forbidden %j as the required special character',
    (ch) => {
      expect(checkPassword(`abcdefgh1${ch}`).find((r) => r.id === 'hasSpecial')?.ok).toBe(false);
    },
  );

  it('counts characters by code point after NFC, not by UTF-16 unit', () => {
    // 😀 is two UTF-16 units; with 8 other characters it is 9 characters in all.
    expect(checkPassword('abc123!!😀').find((r) => r.id === 'minLength')?.ok).toBe(false);
    expect(checkPassword('abc123!!x😀').find((r) => r.id === 'minLength')?.ok).toBe(true);
  });

  describe('NFD input is normalized to NFC first', () => {
    it.each<[string, string]>([
      // 'é' decomposed is e + U+0301: 10 code points in NFD, but 9 characters once composed.
      ['Latin e + combining acute', 'abc1234!e\u0301'],
      // '가' decomposed is ᄀ + ᅡ (two jamo): 10 code points in NFD, 9 in NFC.
      ['Hangul syllable as jamo', 'abc1234!가'.normalize('NFD')],
    ])('%s is judged as the composed 9 characters', (_name, nfd) => {
      expect(Array.from(nfd)).toHaveLength(10);
      expect(Array.from(nfd.normalize('NFC'))).toHaveLength(9);
      expect(checkPassword(nfd).find((r) => r.id === 'minLength')?.ok).toBe(false);
      expect(checkPassword(nfd)).toEqual(checkPassword(nfd.normalize('NFC')));
    });

    it('does not treat the base letter of a decomposed é as an ASCII letter', () => {
      const nfd = 'e\u0301e\u0301e\u0301e\u03011234!';
      expect(checkPassword(nfd).find((r) => r.id === 'hasLetter')?.ok).toBe(false);
    });
  });

  it('is case-sensitive: case changes are different passwords, both valid', () => {
    expect(passwordAcceptable('Abcdef123!')).toBe(true);
    expect(passwordAcceptable('aBCDEF123!')).toBe(true);
    expect(passwordsMatch('Abcdef123!', 'abcdef123!')).toBe(false);
  });

  it('never throws and always returns the five rules, for any string', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const results = checkPassword(s);
        expect(results.map((r) => r.id)).toEqual(RULE_IDS);
        expect(passwordAcceptable(s)).toBe(results.every((r) => r.ok));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only printable ASCII without space or forbidden characters, 10+ long', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        if (passwordAcceptable(s)) {
          const nfc = s.normalize('NFC');
          expect(nfc).toMatch(/^[\x21-\x7e]{10,}$/);
          expect(nfc).not.toMatch(/['"\\|]/);
          expect(nfc).toMatch(/[A-Za-z]/);
          expect(nfc).toMatch(/[0-9]/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts any 10+ string of allowed ASCII that has a letter, digit and special', () => {
    const allowed = '!#$%&()*+,-./:;<=>?@[]^_`{}~'.split('');
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
    const digits = '0123456789'.split('');
    const anyAllowed = fc.constantFrom(...allowed, ...letters, ...digits);
    fc.assert(
      fc.property(
        fc.constantFrom(...letters),
        fc.constantFrom(...digits),
        fc.constantFrom(...allowed),
        fc.array(anyAllowed, { minLength: 7, maxLength: 40 }),
        fc.nat(),
        (l, d, sp, rest, pos) => {
          const chars = [l, d, sp, ...rest];
          // Rotate so the required characters are not always at the start.
          const k = pos % chars.length;
          const password = [...chars.slice(k), ...chars.slice(0, k)].join('');
          expect(passwordAcceptable(password)).toBe(true);
        },
      ),
    );
  });
});

describe('passwordsMatch', () => {
  it.each<[string, string, string, boolean]>([
    ['identical', 'Abcdef123!', 'Abcdef123!', true],
    ['both empty', '', '', true],
    ['one character differs', 'Abcdef123!', 'Abcdef124!', false],
    ['case differs', 'Abcdef123!', 'abcdef123!', false],
    ['confirmation shorter', 'Abcdef123!', 'Abcdef123', false],
    ['confirmation longer', 'Abcdef123!', 'Abcdef123!!', false],
    ['trailing space is significant', 'Abcdef123!', 'Abcdef123! ', false],
    ['NFD and NFC of the same text', 'caf\u00e9', 'cafe\u0301', true],
    ['different lone surrogates (same U+FFFD bytes in UTF-8)', '\ud800', '\ud801', false],
    ['a lone surrogate never matches, even itself', 'ab\udc00', 'ab\udc00', false],
    ['a proper surrogate pair matches itself', 'ab😀', 'ab😀', true],
  ])('%s → %s', (_name, a, b, expected) => {
    expect(passwordsMatch(a, b)).toBe(expected);
    expect(passwordsMatch(b, a)).toBe(expected);
  });

  it('compares equal-length inputs with crypto.timingSafeEqual', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(passwordsMatch('Abcdef123!', 'Abcdef123?')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
    const [bufA, bufB] = spy.mock.calls[0] ?? [];
    expect(Buffer.from(bufA as Uint8Array).toString('utf8')).toBe('Abcdef123!');
    expect(Buffer.from(bufB as Uint8Array).toString('utf8')).toBe('Abcdef123?');
  });

  it('does not call timingSafeEqual (which would throw) when byte lengths differ', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    // Same UTF-16 length, different UTF-8 byte length.
    expect(passwordsMatch('a', '가')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });

  it('agrees with equality of the NFC forms for well-formed strings, and never throws', () => {
    const wellFormed = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(wellFormed, wellFormed, (a, b) => {
        expect(passwordsMatch(a, a)).toBe(true);
        expect(passwordsMatch(a, b)).toBe(a.normalize('NFC') === b.normalize('NFC'));
      }),
    );
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect(typeof passwordsMatch(a, b)).toBe('boolean');
      }),
    );
  });
});
