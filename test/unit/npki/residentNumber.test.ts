import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  checkResidentNumber,
  idnProblemMessage,
  maskResidentNumber,
  type IdnProblem,
} from '../../../machines/form/residentNumber.js';

/**
 * The check-digit formula, written out again here rather than imported, so the test does not just
 * repeat the implementation: weights 2,3,4,5,6,7,8,9,2,3,4,5 over the first 12 digits, then
 * check = (11 − sum mod 11) mod 10.
 */
function checkDigit(first12: string): number {
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (weights[i] ?? 0);
  return (11 - (sum % 11)) % 10;
}

/** A 13-digit number whose check digit is right. */
function valid(first12: string): string {
  return first12 + String(checkDigit(first12));
}

/** A 13-digit number whose check digit is wrong. */
function invalidCheck(first12: string): string {
  return first12 + String((checkDigit(first12) + 1) % 10);
}

/** Noon in Korea (03:00 UTC) on the given day, as an injected clock. */
function kstNoon(isoDate: string): Date {
  return new Date(`${isoDate}T12:00:00+09:00`);
}

const NOW = kstNoon('2024-06-15');

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.stringMatching(/^\s*[0-9]{6}-?[0-9]{7}\s*$/),
);
const thirteenDigits = fc.stringMatching(/^[0-9]{13}$/);

describe('the test’s own check-digit helper', () => {
  it('matches a hand computation', () => {
    // 9·2+0·3+0·4+1·5+0·6+1·7+1·8+2·9+3·2+4·3+5·4+6·5 = 124; 124 mod 11 = 3; (11−3) mod 10 = 8.
    expect(checkDigit('900101123456')).toBe(8);
    // Sum 0 → (11 − 0) mod 10 = 1: the outer mod 10 matters.
    expect(checkDigit('000000000000')).toBe(1);
  });
});

describe('checkResidentNumber', () => {
  it('accepts a number with a valid check digit', () => {
    const digits = valid('900101123456');
    expect(digits).toBe('9001011234568');
    expect(checkResidentNumber(digits, NOW)).toEqual({
      ok: true,
      digits,
      birthDate: '1990-01-01',
      checkDigitOk: true,
      problems: [],
      warnings: [],
    });
  });

  it.each<[string, string]>([
    ['plain', '9001011234568'],
    ['dashed', '900101-1234568'],
    ['leading/trailing spaces', '  900101-1234568  '],
    ['tabs and newline', '\t9001011234568\n'],
    ['ideographic space', '\u3000900101-1234568\u3000'],
  ])('accepts the %s form', (_name, input) => {
    const r = checkResidentNumber(input, NOW);
    expect(r.ok).toBe(true);
    expect(r.digits).toBe('9001011234568');
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['whitespace only', '   '],
    ['12 digits', '900101123456'],
    ['14 digits', '90010112345681'],
    ['dash in the wrong place', '90010-11234568'],
    ['two dashes', '900101--1234568'],
    ['space instead of dash', '900101 1234568'],
    ['inner space', '900101-123 4568'],
    ['en dash', '900101–1234568'],
    ['letter', '900101-123456a'],
    ['masked input', '900101-1******'],
    ['fullwidth digits', '９００１０１１２３４５６８'],
    ['Arabic-Indic digits', '٩٠٠١٠١١٢٣٤٥٦٨'],
    ['leading plus', '+9001011234568'],
    ['decimal point', '9001011234.568'],
  ])('rejects %s as a format problem', (_name, input) => {
    const r = checkResidentNumber(input, NOW);
    expect(r).toEqual({ ok: false, problems: ['format'], warnings: [] });
    // exactOptionalPropertyTypes: absent, not undefined.
    expect(Object.keys(r).sort()).toEqual(['ok', 'problems', 'warnings']);
  });

  it.each<[string, number]>([
    ['1', 1900],
    ['2', 1900],
    ['5', 1900],
    ['6', 1900],
    ['3', 2000],
    ['4', 2000],
    ['7', 2000],
    ['8', 2000],
  ])('gender digit %s means the %ds', (g, century) => {
    const r = checkResidentNumber(valid(`050307${g}12345`), NOW);
    expect(r.ok).toBe(true);
    expect(r.problems).not.toContain('genderDigit');
    expect(r.birthDate).toBe(`${String(century + 5)}-03-07`);
  });

  it.each(['9', '0'])('gender digit %s (born in the 1800s) is a genderDigit problem', (g) => {
    const r = checkResidentNumber(valid(`050307${g}12345`), NOW);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['genderDigit']);
    expect(r.birthDate).toBeUndefined();
  });

  it.each<[string, string, string | null]>([
    // [first 12 digits, description, expected birth date or null for a date problem]
    ['960229112345', 'Feb 29 1996 (leap)', '1996-02-29'],
    ['000229312345', 'Feb 29 2000 (leap: divisible by 400)', '2000-02-29'],
    ['240229312345', 'Feb 29 2024 (leap)', '2024-02-29'],
    ['990229112345', 'Feb 29 1999 (not leap)', null],
    ['000229112345', 'Feb 29 1900 (not leap: divisible by 100)', null],
    ['230229312345', 'Feb 29 2023 (not leap)', null],
    ['900228112345', 'Feb 28 1990', '1990-02-28'],
    ['900230112345', 'Feb 30', null],
    ['900431112345', 'Apr 31', null],
    ['900430112345', 'Apr 30', '1990-04-30'],
    ['900631112345', 'Jun 31', null],
    ['900931112345', 'Sep 31', null],
    ['901131112345', 'Nov 31', null],
    ['901231112345', 'Dec 31', '1990-12-31'],
    ['900131112345', 'Jan 31', '1990-01-31'],
    ['900132112345', 'Jan 32', null],
    ['900100112345', 'day 00', null],
    ['900001112345', 'month 00', null],
    ['901301112345', 'month 13', null],
    ['999999112345', 'month 99', null],
    ['000101312345', 'Jan 1 2000', '2000-01-01'],
    ['000101112345', 'Jan 1 1900', '1900-01-01'],
  ])('date %s (%s)', (first12, _name, birthDate) => {
    const r = checkResidentNumber(valid(first12), NOW);
    if (birthDate === null) {
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual(['date']);
      expect('birthDate' in r).toBe(false);
      // The format was fine, so the digits and the check-digit result are still reported.
      expect(r.digits).toBe(valid(first12));
      expect(r.checkDigitOk).toBe(true);
    } else {
      expect(r.ok).toBe(true);
      expect(r.problems).toEqual([]);
      expect(r.birthDate).toBe(birthDate);
    }
  });

  describe('future birth dates (now = 2024-06-15 KST)', () => {
    it.each<[string, string, boolean]>([
      ['240615312345', 'born today', true],
      ['240614312345', 'born yesterday', true],
      ['240616312345', 'tomorrow', false],
      ['240701312345', 'next month', false],
      ['250101312345', 'next year', false],
      ['991231312345', '2099 with a 2000s digit', false],
      ['991231112345', '1999 with a 1900s digit', true],
    ])('%s (%s) ok=%s', (first12, _name, ok) => {
      const r = checkResidentNumber(valid(first12), NOW);
      expect(r.ok).toBe(ok);
      expect(r.problems).toEqual(ok ? [] : ['date']);
      expect('birthDate' in r).toBe(ok);
    });
  });

  it('judges "today" by the Korean calendar date, whatever the UTC date', () => {
    const bornJun15 = valid('240615312345');
    // 2024-06-14T15:00Z is already 2024-06-15 00:00 in Korea.
    expect(checkResidentNumber(bornJun15, new Date('2024-06-14T15:00:00Z')).ok).toBe(true);
    // One second earlier it is still 2024-06-14 in Korea.
    expect(checkResidentNumber(bornJun15, new Date('2024-06-14T14:59:59Z')).problems).toEqual([
      'date',
    ]);
  });

  it('defaults `now` to the system clock', () => {
    expect(checkResidentNumber(valid('900101123456')).ok).toBe(true);
    // 2099 births are in the future for as long as this code is likely to run.
    expect(checkResidentNumber(valid('991231312345')).problems).toEqual(['date']);
  });

  it('throws a RangeError for an invalid injected clock (a programming error)', () => {
    expect(() => checkResidentNumber('9001011234568', new Date(Number.NaN))).toThrow(RangeError);
  });

  it('treats a wrong check digit as a warning only: ok stays true', () => {
    const digits = invalidCheck('900101123456');
    expect(checkResidentNumber(digits, NOW)).toEqual({
      ok: true,
      digits,
      birthDate: '1990-01-01',
      checkDigitOk: false,
      problems: [],
      warnings: ['checkDigit'],
    });
  });

  it.each(Array.from({ length: 10 }, (_, d) => d))(
    'check digit %d: only the right one passes',
    (d) => {
      const first12 = '900101123456';
      const r = checkResidentNumber(`${first12}${String(d)}`, NOW);
      expect(r.ok).toBe(true);
      expect(r.checkDigitOk).toBe(d === checkDigit(first12));
      expect(r.warnings).toEqual(d === checkDigit(first12) ? [] : ['checkDigit']);
    },
  );

  it('reports a date problem and a check-digit warning together', () => {
    const r = checkResidentNumber(invalidCheck('901301112345'), NOW);
    expect(r).toEqual({
      ok: false,
      digits: invalidCheck('901301112345'),
      checkDigitOk: false,
      problems: ['date'],
      warnings: ['checkDigit'],
    });
  });

  it('never throws on arbitrary strings, and its result is consistent', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const r = checkResidentNumber(s, NOW);
        expect(r.ok).toBe(r.problems.length === 0);
        if (r.problems.includes('format')) {
          expect(r).toEqual({ ok: false, problems: ['format'], warnings: [] });
        } else {
          expect(r.digits).toMatch(/^[0-9]{13}$/);
          expect(typeof r.checkDigitOk).toBe('boolean');
          expect(r.warnings).toEqual(r.checkDigitOk === true ? [] : ['checkDigit']);
          expect(r.ok).toBe('birthDate' in r);
          if (r.birthDate !== undefined) {
            expect(r.birthDate <= '2024-06-15').toBe(true);
            expect(r.birthDate.slice(2).replaceAll('-', '')).toBe(r.digits?.slice(0, 6));
          }
        }
        for (const key of Object.keys(r)) {
          expect(r[key as keyof typeof r]).not.toBeUndefined();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the independent check-digit formula on any 13 digits', () => {
    fc.assert(
      fc.property(thirteenDigits, (digits) => {
        const r = checkResidentNumber(digits, NOW);
        expect(r.checkDigitOk).toBe(Number(digits[12]) === checkDigit(digits.slice(0, 12)));
      }),
    );
  });

  it('accepts every real past date with a valid check digit', () => {
    const birth = fc.date({
      min: new Date('1900-01-01T00:00Z'),
      max: new Date('2024-06-15T00:00Z'),
    });
    fc.assert(
      fc.property(birth, fc.boolean(), fc.stringMatching(/^[0-9]{5}$/), (d, female, serial) => {
        if (Number.isNaN(d.getTime())) return;
        const year = d.getUTCFullYear();
        const yymmdd = d.toISOString().slice(2, 10).replaceAll('-', '');
        const g = { 1900: female ? '2' : '1', 2000: female ? '4' : '3' }[
          Math.floor(year / 100) * 100
        ];
        if (g === undefined) return;
        const r = checkResidentNumber(valid(`${yymmdd}${g}${serial}`), NOW);
        expect(r.ok).toBe(true);
        expect(r.birthDate).toBe(d.toISOString().slice(0, 10));
        expect(r.warnings).toEqual([]);
      }),
    );
  });
});

describe('maskResidentNumber', () => {
  it.each<[string, string]>([
    ['9001011234568', '900101-1******'],
    ['900101-1234568', '900101-1******'],
    [' 900101-1234568 ', '900101-1******'],
    ['0001013000000', '000101-3******'],
    ['', '******-*******'],
    ['900101', '******-*******'],
    ['900101123456', '******-*******'],
    ['90010112345689', '******-*******'],
    ['900101--1234568', '******-*******'],
    ['900101-123456a', '******-*******'],
    ['900101-1******', '******-*******'],
    ['９００１０１１２３４５６８', '******-*******'],
    ['hello', '******-*******'],
  ])('%j → %j', (input, expected) => {
    expect(maskResidentNumber(input)).toBe(expected);
  });

  it('masks the digits field of a check result', () => {
    const r = checkResidentNumber('900101-1234568', NOW);
    expect(maskResidentNumber(r.digits ?? '')).toBe('900101-1******');
  });

  it('never reveals more than the first 7 digits, for any input', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const masked = maskResidentNumber(s);
        expect(masked).toMatch(/^(\*{6}-\*{7}|[0-9]{6}-[0-9]\*{6})$/);
        const shown = masked.replace(/[^0-9]/g, '');
        expect(shown.length).toBeLessThanOrEqual(7);
        // Whatever is shown is the start of the number typed, never anything else.
        if (shown.length > 0) expect(s.replace(/[^0-9]/g, '').startsWith(shown)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('shows exactly the first 7 digits of any 13-digit number, dashed or not', () => {
    fc.assert(
      fc.property(thirteenDigits, fc.boolean(), (digits, dashed) => {
        const input = dashed ? `${digits.slice(0, 6)}-${digits.slice(6)}` : digits;
        expect(maskResidentNumber(input)).toBe(`${digits.slice(0, 6)}-${digits.charAt(6)}******`);
      }),
    );
  });
});

describe('idnProblemMessage', () => {
  const ids: (IdnProblem | 'checkDigit')[] = ['format', 'date', 'genderDigit', 'checkDigit'];

  it.each(ids)('has Korean and English text for %s', (id) => {
    const m = idnProblemMessage(id);
    expect(m.ko.length).toBeGreaterThan(0);
    expect(m.en.length).toBeGreaterThan(0);
    expect(m.ko).toMatch(/[가-힣]/);
  });

  it('gives a distinct message for each id', () => {
    expect(new Set(ids.map((id) => idnProblemMessage(id).en)).size).toBe(ids.length);
    expect(new Set(ids.map((id) => idnProblemMessage(id).ko)).size).toBe(ids.length);
  });

  it('tells the teller why a check-digit mismatch may be fine', () => {
    expect(idnProblemMessage('checkDigit').en).toContain('2020');
    expect(idnProblemMessage('checkDigit').ko).toContain('2020');
  });

  it('returns a copy the caller cannot use to change later messages', () => {
    const m = idnProblemMessage('format');
    m.en = 'tampered';
    expect(idnProblemMessage('format').en).not.toBe('tampered');
  });
});
