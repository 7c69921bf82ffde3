import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountProblemMessage,
  checkAccountNumber,
  checkForm,
  checkName,
  checkPhone,
  nameProblemMessage,
  phoneProblemMessage,
  type AccountProblem,
  type FormInput,
  type NameProblem,
  type PhoneProblem,
} from '../../../../machines/form/fields.js';
import { maskResidentNumber } from '../../../../machines/form/residentNumber.js';
import { propertyTimeout } from '../../../support/property.js';

/** Noon in Korea on 2024-06-15, as an injected clock. */
const NOW = new Date('2024-06-15T12:00:00+09:00');

// 900101-123456 with its check digit worked by hand: Σ = 9·2+0·3+0·4+1·5+0·6+1·7+1·8+2·9+3·2+4·3+
// 5·4+6·5 = 124; 124 mod 11 = 3; (11 − 3) mod 10 = 8.
const IDN = '900101-1234568';
const IDN_BAD_CHECK = '900101-1234567';

const good: FormInput = { name: '홍길동', idn: IDN, phone: '010-1234-5678' };

describe('checkName', () => {
  it.each<[string, string, string, 'hangul' | 'latin']>([
    ['a Hangul name', '홍길동', '홍길동', 'hangul'],
    ['a four-syllable name', '남궁민수', '남궁민수', 'hangul'],
    ['a two-syllable name', '김솔', '김솔', 'hangul'],
    ['20 syllables', '가'.repeat(20), '가'.repeat(20), 'hangul'],
    ['decomposed jamo (NFD), composed', '홍길동'.normalize('NFD'), '홍길동', 'hangul'],
    ['surrounding spaces', '  홍길동\u3000', '홍길동', 'hangul'],
    ['a Latin name', 'Anna Maria Eriksson', 'Anna Maria Eriksson', 'latin'],
    ['hyphen and apostrophe', "Mary O'Brien-Smith", "Mary O'Brien-Smith", 'latin'],
    ['diacritics', 'José Álvarez', 'José Álvarez', 'latin'],
    ['Vietnamese', 'Nguyễn Thị Minh', 'Nguyễn Thị Minh', 'latin'],
    ['runs of spaces collapse', 'Anna  Maria\u00a0 Eriksson', 'Anna Maria Eriksson', 'latin'],
    ['64 Latin letters', 'A'.repeat(64), 'A'.repeat(64), 'latin'],
  ])('accepts %s', (_what, input, name, script) => {
    expect(checkName(input)).toEqual({ ok: true, name, script, problems: [] });
  });

  it('returns the NFC form of an accented name typed decomposed', () => {
    const r = checkName('Jose\u0301');
    expect(r.name).toBe('José');
    expect(r.name?.length).toBe(4);
  });

  it.each<[string, string, NameProblem[]]>([
    ['empty', '', ['required']],
    ['spaces only', '   ', ['required']],
    ['one syllable', '홍', ['tooShort']],
    ['21 syllables', '가'.repeat(21), ['tooLong']],
    ['65 Latin letters', 'A'.repeat(65), ['tooLong']],
    ['one Latin letter', 'A', ['tooShort']],
    ['over 256 units as typed', 'A'.repeat(257), ['tooLong']],
    ['a space inside a Hangul name', '홍 길동', ['characters']],
    ['a half-typed syllable', '홍길ㄷ', ['characters']],
    ['Hangul and digits', '홍길동2', ['characters']],
    ['Hangul and Latin', 'Kim 민수', ['mixedScripts']],
    ['digits in a Latin name', 'John3', ['characters']],
    ['a leading hyphen', '-John', ['characters']],
    ['two hyphens in a row', 'Jean--Paul', ['characters']],
    ['a period', 'John Q. Public', ['characters']],
    ['Han characters', '洪吉童', ['characters']],
    ['fullwidth Latin', 'ＪＯＨＮ', ['characters']],
    ['a click letter that looks like !', 'Anna\u01c3', ['characters']],
    ['NUL', 'Kim\u0000Min', ['control']],
    ['a tab', 'Kim\tMin', ['control']],
    ['a right-to-left override', '\u202eKim Min', ['control']],
    ['a zero-width joiner', '홍\u200d길동', ['control']],
    ['a lone surrogate', 'Kim\ud800', ['control']],
    ['control and DN character', 'Kim\u0000(Min)', ['control', 'dnCharacter']],
  ])('refuses %s', (_what, input, problems) => {
    expect(checkName(input)).toEqual({ ok: false, problems });
  });

  it.each(['(', ')', ',', '=', '+', '/', '\\', '"', ';', '<', '>', '#'])(
    'refuses %s, which breaks the certificate DN',
    (c) => {
      expect(checkName(`홍${c}길동`).problems).toEqual(['dnCharacter']);
      expect(checkName(`Anna${c}Maria`).problems).toEqual(['dnCharacter']);
    },
  );
});

describe('checkPhone', () => {
  it.each<[string, string]>([
    ['010-1234-5678', '010-1234-5678'],
    ['01012345678', '010-1234-5678'],
    ['010 1234 5678', '010-1234-5678'],
    [' 010-9876-5432 ', '010-9876-5432'],
    ['011-123-4567', '011-123-4567'],
    ['0111234567', '011-123-4567'],
    ['016-1234-5678', '016-1234-5678'],
    ['017 234 5678', '017-234-5678'],
    ['018-2345-6789', '018-2345-6789'],
    ['019-123-4567', '019-123-4567'],
  ])('accepts %s as %s', (input, phone) => {
    expect(checkPhone(input)).toEqual({ ok: true, phone, problems: [] });
  });

  it.each<[string, string, PhoneProblem]>([
    ['empty', '', 'required'],
    ['a Seoul landline', '02-123-4567', 'notMobile'],
    ['a Busan landline', '051-123-4567', 'notMobile'],
    ['an internet phone', '070-1234-5678', 'notMobile'],
    ['a pager prefix', '015-123-4567', 'notMobile'],
    ['010 with 7 digits', '010-123-4567', 'length'],
    ['010 with 9 digits', '010-1234-56789', 'length'],
    ['legacy with 6 digits', '011-12-3456', 'length'],
    ['two digits', '01', 'length'],
    ['a letter', '010-1234-567a', 'characters'],
    ['the international form', '+82 10-1234-5678', 'characters'],
    ['parentheses', '(010) 1234-5678', 'characters'],
    ['fullwidth digits', '０１０-１２３４-５６７８', 'characters'],
    ['a trailing hyphen', '010-1234-5678-', 'characters'],
    ['over 32 characters', `010-1234-5678${' '.repeat(20)}`, 'length'],
  ])('refuses %s', (_what, input, problem) => {
    expect(checkPhone(input)).toEqual({ ok: false, problems: [problem] });
  });
});

describe('checkAccountNumber', () => {
  it.each<[string, string]>([
    ['110-123-456789', '110123456789'],
    ['1002-123-456789', '1002123456789'],
    ['123-456789-01-012', '12345678901012'],
    ['1234567890', '1234567890'],
    ['1234-5678-9012-3456', '1234567890123456'],
  ])('accepts %s', (input, digits) => {
    expect(checkAccountNumber(input)).toEqual({ ok: true, digits, problems: [] });
  });

  it.each<[string, string, AccountProblem]>([
    ['empty', '', 'required'],
    ['9 digits', '123-456-789', 'length'],
    ['17 digits', '12345678901234567', 'length'],
    ['spaces inside', '110 123 456789', 'characters'],
    ['a leading hyphen', '-1101234567890', 'characters'],
    ['two hyphens', '110--123456789', 'characters'],
    ['a letter', '110-123-45678O', 'characters'],
    ['over 40 characters', '1'.repeat(41), 'length'],
  ])('refuses %s', (_what, input, problem) => {
    expect(checkAccountNumber(input)).toEqual({ ok: false, problems: [problem] });
  });
});

describe('messages', () => {
  const all = [
    ...(
      [
        'required',
        'tooShort',
        'tooLong',
        'control',
        'dnCharacter',
        'mixedScripts',
        'characters',
      ] as const
    ).map(nameProblemMessage),
    ...(['required', 'characters', 'notMobile', 'length'] as const).map(phoneProblemMessage),
    ...(['required', 'characters', 'length'] as const).map(accountProblemMessage),
  ];

  it('every problem has Korean and English text', () => {
    for (const m of all) {
      expect(m.ko).toMatch(/[\uAC00-\uD7A3]/);
      expect(m.en).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('returns a fresh object each call', () => {
    const m = nameProblemMessage('required');
    (m as { ko: string }).ko = 'changed';
    expect(nameProblemMessage('required').ko).not.toBe('changed');
  });
});

describe('checkForm', () => {
  it('accepts a good form and keeps the IDN masked', () => {
    const r = checkForm(good, NOW);
    expect(r).toEqual({
      ok: true,
      form: {
        name: '홍길동',
        idnMasked: '900101-1******',
        birthDate: '1990-01-01',
        phone: '010-1234-5678',
      },
      problems: { name: [], idn: [], phone: [], account: [] },
      warnings: { name: [], idn: [], phone: [], account: [] },
    });
    expect(JSON.stringify(r)).not.toContain('234568');
  });

  it('keeps a wrong check digit a warning', () => {
    const r = checkForm({ ...good, idn: IDN_BAD_CHECK }, NOW);
    expect(r.ok).toBe(true);
    expect(r.form?.idnMasked).toBe('900101-1******');
    expect(r.warnings.idn).toHaveLength(1);
    expect(r.warnings.idn[0]?.ko).toContain('검증번호');
  });

  it('names every field that is wrong, and builds no form', () => {
    const r = checkForm(
      { name: 'Kim(Min)', idn: '901301-1234567', phone: '02-123-4567', account: '123' },
      NOW,
    );
    expect(r.ok).toBe(false);
    expect('form' in r).toBe(false);
    expect(r.problems.name).toEqual([nameProblemMessage('dnCharacter')]);
    expect(r.problems.idn[0]?.en).toContain('date of birth');
    expect(r.problems.phone).toEqual([phoneProblemMessage('notMobile')]);
    expect(r.problems.account).toEqual([accountProblemMessage('length')]);
  });

  it('checks the account only when the certificate has a fee (the field is given)', () => {
    expect(checkForm(good, NOW).problems.account).toEqual([]);
    expect(checkForm({ ...good, account: '' }, NOW).problems.account).toEqual([
      accountProblemMessage('required'),
    ]);
    const paid = checkForm({ ...good, account: '110-123-456789' }, NOW);
    expect(paid.ok).toBe(true);
    expect(JSON.stringify(paid)).not.toContain('456789');
  });

  it('refuses an IDN pasted past 64 characters without looking at it', () => {
    const r = checkForm({ ...good, idn: `${IDN}${' '.repeat(100)}` }, NOW);
    expect(r.problems.idn[0]?.en).toContain('13 digits');
  });
});

// --- properties ---

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit, maxLength: 300 }),
  fc.stringMatching(/^\s*[0-9]{6}-?[0-9]{7}\s*$/),
  fc.stringMatching(/^01[0-9][ -]?[0-9]{3,4}[ -]?[0-9]{4}$/),
);
/** Strings of up to a million units: repeated, with NUL, lone surrogates, Hangul, digits. */
const hugeString = fc
  .tuple(
    fc.constantFrom('a', '0', '\u0000', '\ud800', '\udfff', '홍', '010-', ' ', 'A-', 'ᄒ'),
    fc.integer({ min: 257, max: 1_000_000 }),
    fc.string({ maxLength: 8 }),
  )
  .map(([unit, length, tail]) => unit.repeat(Math.ceil(length / unit.length)) + tail);
const input = fc.oneof(anyString, hugeString);

/** The longest run of consecutive ASCII digits in `text`. */
function longestDigitRun(text: string): number {
  return Math.max(0, ...(text.match(/[0-9]+/g) ?? []).map((run) => run.length));
}

describe('fields (properties)', () => {
  it(
    'no input throws, and each result is consistent',
    () => {
      fc.assert(
        fc.property(input, (text) => {
          const name = checkName(text);
          expect(name.ok).toBe(name.problems.length === 0);
          if (name.ok) expect(name.name?.length).toBeLessThanOrEqual(64);
          const phone = checkPhone(text);
          if (phone.ok) expect(phone.phone).toMatch(/^01[016789]-[0-9]{3,4}-[0-9]{4}$/);
          const account = checkAccountNumber(text);
          if (account.ok) expect(account.digits).toMatch(/^[0-9]{10,16}$/);
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    'a million characters of NUL, lone surrogates or digits in every field: no throw',
    () => {
      for (const unit of ['\u0000', '\ud800', '0', '홍', ' ']) {
        const text = unit.repeat(1_000_000);
        const r = checkForm({ name: text, idn: text, phone: text, account: text }, NOW);
        expect(r.ok).toBe(false);
      }
    },
    propertyTimeout,
  );

  it(
    'checkForm never throws, and its result holds no more than the first 7 IDN digits',
    () => {
      fc.assert(
        fc.property(input, input, input, fc.option(input, { nil: undefined }), (n, i, p, a) => {
          const r = checkForm(
            { name: n, idn: i, phone: p, ...(a === undefined ? {} : { account: a }) },
            NOW,
          );
          expect(r.ok).toBe(r.form !== undefined);
          // The phone (3-4-4), birth date (4-2-2) and masked IDN (6-1) are the only digits kept.
          expect(longestDigitRun(JSON.stringify(r))).toBeLessThanOrEqual(6);
        }),
        { numRuns: 200 },
      );
    },
    propertyTimeout,
  );

  it(
    'for a good 13-digit IDN the form shows only its first 7 digits',
    () => {
      const idn = fc
        .tuple(
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 28 }),
          fc.constantFrom('1', '2', '5', '6'),
          fc.stringMatching(/^[0-9]{6}$/),
          fc.boolean(),
        )
        .map(([yy, mm, dd, g, rest, dash]) => {
          const front = [yy, mm, dd].map((n) => String(n).padStart(2, '0')).join('');
          return `${front}${dash ? '-' : ''}${g}${rest}`;
        });
      fc.assert(
        fc.property(idn, (typed) => {
          const digits = typed.replace('-', '');
          const r = checkForm({ ...good, idn: typed }, NOW);
          expect(r.ok).toBe(true);
          expect(r.form?.idnMasked).toBe(`${digits.slice(0, 6)}-${digits.charAt(6)}******`);
          expect(JSON.stringify(r)).not.toContain(digits.slice(6));
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    'maskResidentNumber shows at most the first 7 digits of whatever it is given',
    () => {
      fc.assert(
        fc.property(input, (text) => {
          const masked = maskResidentNumber(text);
          expect(masked).toMatch(/^([0-9]{6}-[0-9]\*{6}|\*{6}-\*{7})$/);
          const shown = masked.replace(/[^0-9]/g, '');
          expect(text.replace(/[^0-9]/g, '').startsWith(shown)).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );
});
