import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTellerPassword,
  passwordBytes,
  passwordProblemMessage,
} from '../../../src/teller/passwordPolicy.js';

const check = (text: string, name = 'kim-teller'): string[] =>
  checkTellerPassword(Buffer.from(text, 'utf8'), name);

describe('the teller password policy (at least 12 characters, ASVS V2.1.1)', () => {
  it('12 characters pass, 11 do not; no composition rules', () => {
    expect(check('abcdefghijkl')).toEqual([]);
    expect(check('abcdefghijk')).toEqual(['tooShort']);
    expect(check('correct horse battery')).toEqual([]);
  });

  it('counts characters, not bytes: twelve Hangul syllables pass, six do not', () => {
    expect(check('거북선열두척이남았습니다')).toEqual([]);
    expect(check('거북선열두척')).toEqual(['tooShort']);
    // A composed syllable sent decomposed is still one character.
    expect(check('거북선열두척이남았습니다'.normalize('NFD'))).toEqual([]);
  });

  it('runs of spaces count as one', () => {
    expect(check('abc          defgh')).toEqual(['tooShort']);
    expect(check('abc def ghi jk')).toEqual([]);
  });

  it('at most 128 characters', () => {
    expect(check('a1'.repeat(64))).toEqual([]);
    expect(check('a1'.repeat(64) + 'b')).toEqual(['tooLong']);
    expect(checkTellerPassword(Buffer.alloc(1_000_000, 0x61), 'kim')).toEqual(['tooLong']);
  });

  it('no control or format characters (a second line in the file), UTF-8 only', () => {
    expect(check('first line ok\nsecond')).toContain('controlCharacters');
    expect(check('abcdefghijkl\u202e')).toContain('controlCharacters');
    expect(check('abcdefghijkl\u0000')).toContain('controlCharacters');
    expect(checkTellerPassword(Buffer.from([0xff, 0xfe, 0x61]), 'kim')).toEqual(['notText']);
  });

  it('not the teller’s name, not one character repeated', () => {
    expect(check('my name is kim-teller', 'kim-teller')).toEqual(['containsName']);
    expect(check('My Name Is KIM-TELLER', 'kim-teller')).toEqual(['containsName']);
    expect(check('aaaaaaaaaaaaaaaa')).toEqual(['oneCharacter']);
  });

  it('every problem has words in both languages', () => {
    for (const problem of [
      'tooShort',
      'tooLong',
      'notText',
      'controlCharacters',
      'containsName',
      'oneCharacter',
    ] as const) {
      const words = passwordProblemMessage(problem);
      expect(words.ko.length).toBeGreaterThan(0);
      expect(words.en.length).toBeGreaterThan(0);
    }
  });

  it('hashes NFC: composed and decomposed Hangul give the same bytes; ASCII as is', () => {
    const composed = passwordBytes(Buffer.from('거북선 열두 척', 'utf8'));
    const decomposed = passwordBytes(Buffer.from('거북선 열두 척'.normalize('NFD'), 'utf8'));
    expect(composed?.equals(decomposed ?? Buffer.alloc(0))).toBe(true);
    expect(passwordBytes(Buffer.from('plain ascii'))?.toString()).toBe('plain ascii');
    expect(passwordBytes(Buffer.from([0xc3]))).toBeUndefined();
  });

  it('any bytes and any name: an answer, never a throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.string({ maxLength: 80 }),
        (bytes, name) => {
          const problems = checkTellerPassword(bytes, name);
          expect(Array.isArray(problems)).toBe(true);
        },
      ),
    );
  });
});
