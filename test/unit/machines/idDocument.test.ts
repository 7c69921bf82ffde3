import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalIdNumber,
  checkIdDocument,
  idDocumentProblemMessage,
  idDocumentTypes,
  type IdDocumentCheck,
  type IdDocumentProblem,
  type IdDocumentType,
} from '../../../machines/form/idDocument.js';
import { idnProblemMessage } from '../../../machines/form/residentNumber.js';
import { recordableDocument } from '../../../machines/tellerApproval.js';
import type { Words } from '../../../machines/types.js';
import { propertyTimeout } from '../../support/property.js';

// Issue 13: the physical ID a teller checks in person when the visitor has no chip: its number
// checked per type, masked as recordableDocument accepts, bounded, never repeated in a message.

/** Noon in Korea on 2024-06-15, as an injected clock. */
const NOW = new Date('2024-06-15T12:00:00+09:00');

// 900101-123456 with its check digit worked by hand (fields.test.ts): (11 − 124 mod 11) mod 10 = 8.
const IDN = '900101-1234568';

function problemOf(check: IdDocumentCheck): IdDocumentProblem | undefined {
  return check.ok ? undefined : check.code;
}

describe('checkIdDocument: resident registration card', () => {
  it.each([
    ['with its dash', IDN],
    ['without', '9001011234568'],
    ['with spaces and an en dash', ' 900101 – 1234568 '],
    ['with an ideographic space', '900101\u30001234568'],
  ])('accepts the number %s and masks it as the form does', (_what, input) => {
    expect(checkIdDocument('residentCard', input, NOW)).toEqual({
      ok: true,
      masked: '900101-1******',
      document: { type: 'residentCard', numberMasked: '900101-1******' },
      warnings: [],
    });
    expect(canonicalIdNumber('residentCard', input, NOW)).toBe('9001011234568');
  });

  it('accepts a wrong check digit with the warning the teller confirms (numbers since 2020-10)', () => {
    const check = checkIdDocument('residentCard', '900101-1234567', NOW);
    expect(check).toMatchObject({ ok: true, masked: '900101-1******' });
    expect(check.ok && check.warnings).toEqual([idnProblemMessage('checkDigit')]);
  });

  it.each<[string, string, IdDocumentProblem]>([
    ['12 digits', '900101-123456', 'format'],
    ['a letter', '900101-12345A8', 'format'],
    ['fullwidth digits', '９００１０１１２３４５６８', 'format'],
    ['February 30th', '900230-1234568', 'date'],
    ['born tomorrow (2024-06-16, KST)', '240616-3234568', 'date'],
    ['gender digit 9', '900101-9234568', 'genderDigit'],
  ])('refuses %s', (_what, input, code) => {
    const check = checkIdDocument('residentCard', input, NOW);
    expect(problemOf(check)).toBe(code);
    expect(check.ok || check.problem).toEqual(idDocumentProblemMessage(code, 'residentCard'));
    expect(canonicalIdNumber('residentCard', input, NOW)).toBeUndefined();
  });
});

describe("checkIdDocument: driver's licence", () => {
  it.each([
    ['the code form', '11-23-123456-01', '11', '23'],
    ['no dashes', '112312345601', '11', '23'],
    ['spaces for dashes', '26 99 000001 10', '26', '99'],
    ['경기북부 as 28', '28-16-123456-10', '28', '16'],
    ['an old licence, 서울', '서울 91-123456-12', '11', '91'],
    ['an old licence, 부산, no spaces', '부산91-123456-12', '12', '91'],
    ['전북 as 17 (RIMS §4.5)', '전북 05-123456-12', '17', '05'],
    ['전남 as 18 (RIMS §4.5)', '전남 05-123456-12', '18', '05'],
    ['경기북부 by name', '경기북부-16-123456-10', '28', '16'],
    ['경기남부 by name, as 13', '경기남부 16 123456 10', '13', '16'],
  ])('accepts %s, keeping region and year', (_what, input, region, year) => {
    const masked = `${region}-${year}-********`;
    expect(checkIdDocument('driverLicence', input, NOW)).toEqual({
      ok: true,
      masked,
      document: { type: 'driverLicence', numberMasked: masked },
      warnings: [],
    });
    expect(canonicalIdNumber('driverLicence', input, NOW)).toMatch(
      new RegExp(`^${region}${year}[0-9]{8}$`),
    );
  });

  it.each<[string, string, IdDocumentProblem]>([
    ['region 27 (unused)', '27-23-123456-01', 'region'],
    ['region 10', '10-23-123456-01', 'region'],
    ['region 29', '29-23-123456-01', 'region'],
    ['a place that is no licence region', '세종 91-123456-12', 'region'],
    ['11 digits', '11-23-123456-0', 'format'],
    ['13 digits', '11-23-123456-012', 'format'],
    ['a letter', '11-23-12345A-01', 'format'],
    ['a region name and a code', '서울 11-91-123456-12', 'format'],
    ['a Latin region', 'SE-91-123456-12', 'format'],
  ])('refuses %s', (_what, input, code) => {
    const check = checkIdDocument('driverLicence', input, NOW);
    expect(problemOf(check)).toBe(code);
    expect(check.ok || check.problem).toEqual(idDocumentProblemMessage(code, 'driverLicence'));
  });
});

describe('checkIdDocument: passport', () => {
  it.each([
    ['the old form', 'M12345678', 'M123*****', 'M12345678'],
    ['the 2021 form', 'M123A4567', 'M123*****', 'M123A4567'],
    ['typed in lower case', 'm123a4567', 'M123*****', 'M123A4567'],
    ['with spaces', ' S 1234 5678 ', 'S123*****', 'S12345678'],
    ['a resident passport', 'R98765432', 'R987*****', 'R98765432'],
    ['a government passport (G, passport.go.kr)', 'G00000001', 'G000*****', 'G00000001'],
    ['an official passport (O, Purview)', 'O123B4567', 'O123*****', 'O123B4567'],
    ['a diplomatic passport', 'D12345678', 'D123*****', 'D12345678'],
  ])('accepts %s, keeping four characters', (_what, input, masked, canonical) => {
    expect(checkIdDocument('passport', input, NOW)).toEqual({
      ok: true,
      masked,
      document: { type: 'passport', numberMasked: masked },
      warnings: [],
    });
    expect(canonicalIdNumber('passport', input, NOW)).toBe(canonical);
  });

  it.each<[string, string, IdDocumentProblem]>([
    ['an unknown kind letter', 'X12345678', 'passportKind'],
    ['a new-form number of an unknown kind', 'A123B4567', 'passportKind'],
    ['eight characters', 'M1234567', 'format'],
    ['ten characters', 'M123456789', 'format'],
    ['the letter in the wrong place', 'M12A34567', 'format'],
    ['two leading letters', 'MM2345678', 'format'],
    ['a fullwidth letter', 'Ｍ12345678', 'format'],
  ])('refuses %s', (_what, input, code) => {
    const check = checkIdDocument('passport', input, NOW);
    expect(problemOf(check)).toBe(code);
    expect(check.ok || check.problem).toEqual(idDocumentProblemMessage(code, 'passport'));
  });
});

describe('checkIdDocument: any type', () => {
  it.each(idDocumentTypes)('%s: nothing typed, or separators only, is `required`', (type) => {
    for (const input of ['', '   ', '-', ' - - ', '\u3000'])
      expect(problemOf(checkIdDocument(type, input, NOW))).toBe('required');
  });

  it.each(idDocumentTypes)('%s: over 64 units is `tooLong`, even when valid inside', (type) => {
    expect(problemOf(checkIdDocument(type, ' '.repeat(60) + IDN, NOW))).toBe('tooLong');
    expect(problemOf(checkIdDocument(type, 'M12345678'.padEnd(65, ' '), NOW))).toBe('tooLong');
    expect(problemOf(checkIdDocument(type, '1'.repeat(64), NOW))).not.toBe('tooLong');
  });

  it('refuses an unknown type (from outside, unchecked)', () => {
    const check = checkIdDocument('idCard' as IdDocumentType, IDN, NOW);
    expect(check).toEqual({
      ok: false,
      code: 'type',
      problem: idDocumentProblemMessage('type', 'passport'),
    });
  });

  it('throws on an invalid clock (a programming error)', () => {
    expect(() => checkIdDocument('passport', 'M12345678', new Date(NaN))).toThrow(RangeError);
  });

  it('gives a fresh message object each time', () => {
    const one = idDocumentProblemMessage('format', 'passport');
    (one as { ko: string }).ko = 'changed';
    expect(idDocumentProblemMessage('format', 'passport').ko).not.toBe('changed');
  });
});

// --- properties ---

/** Any UTF-16 code unit, lone surrogates included (fc.string's units never produce those). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.stringMatching(/^[0-9 -]{10,20}$/),
  fc.stringMatching(/^[A-Za-z][0-9A-Za-z ]{7,10}$/),
);
const anyType = fc.constantFrom(...idDocumentTypes);
const separator = fc.constantFrom('', '', '-', ' ', ' - ', '\u2013', '\u3000');

const problemTexts: readonly Words[] = (() => {
  const codes: IdDocumentProblem[] = [
    'type',
    'required',
    'tooLong',
    'format',
    'date',
    'genderDigit',
    'region',
    'passportKind',
  ];
  return idDocumentTypes.flatMap((type) => codes.map((c) => idDocumentProblemMessage(c, type)));
})();

/** Checks what every result must be, whatever the input. */
function expectSound(check: IdDocumentCheck, canonical: string | undefined): void {
  if (check.ok) {
    expect(recordableDocument(check.document)).toBe(true);
    expect(check.document.numberMasked).toBe(check.masked);
    expect(canonical).toBeDefined();
    // The mask shows at most 8 characters: never the whole number.
    expect(check.masked).not.toContain(canonical);
    for (const w of check.warnings) expect(w).toEqual(idnProblemMessage('checkDigit'));
  } else {
    // A message from the fixed table: it cannot repeat what was typed.
    expect(problemTexts).toContainEqual(check.problem);
    expect(canonical).toBeUndefined();
  }
}

describe('checkIdDocument properties', () => {
  it(
    'never throws on any input; valid results pass recordableDocument, problems are fixed text',
    () => {
      fc.assert(
        fc.property(anyType, anyString, (type, input) => {
          expectSound(checkIdDocument(type, input, NOW), canonicalIdNumber(type, input, NOW));
        }),
        { numRuns: 2000 },
      );
    },
    propertyTimeout,
  );

  it(
    'refuses million-character input by its length alone',
    () => {
      const filler = 'M12345678 '.repeat(100_000);
      fc.assert(
        fc.property(anyType, fc.string({ maxLength: 20 }), fc.nat(20), (type, noise, at) => {
          const input = filler.slice(0, at) + noise + filler.slice(at);
          expect(input.length).toBeGreaterThanOrEqual(1_000_000);
          expect(problemOf(checkIdDocument(type, input, NOW))).toBe('tooLong');
        }),
        { numRuns: 50 },
      );
    },
    propertyTimeout,
  );

  it(
    'accepts every well-formed licence, masked to its region code and year',
    () => {
      const codes = ['11', '12', '13', '14', '15', '16', '17', '18', '19', '20'];
      const regions = fc.constantFrom(
        ...codes,
        ...['21', '22', '23', '24', '25', '26', '28'],
        ...['서울', '부산', '경기', '강원', '충북', '충남', '전북', '전남', '경북', '경남'],
        ...['제주', '대구', '인천', '광주', '대전', '울산', '경기북부', '경기남부'],
      );
      const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
      fc.assert(
        fc.property(
          regions,
          digits(2),
          digits(6),
          digits(2),
          fc.array(separator, { minLength: 3, maxLength: 3 }),
          (region, year, serial, last, [a = '', b = '', c = '']) => {
            const input = `${region}${a}${year}${b}${serial}${c}${last}`;
            const check = checkIdDocument('driverLicence', input, NOW);
            const canonical = canonicalIdNumber('driverLicence', input, NOW);
            expectSound(check, canonical);
            expect(check.ok && check.masked).toMatch(new RegExp(`^[0-9]{2}-${year}-\\*{8}$`));
            expect(canonical?.slice(2)).toBe(year + serial + last);
          },
        ),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );

  it(
    'accepts every well-formed passport number, masked to its first four characters',
    () => {
      const kind = fc.constantFrom('M', 'S', 'R', 'G', 'O', 'D');
      const body = fc.oneof(
        fc.stringMatching(/^[0-9]{8}$/),
        fc.stringMatching(/^[0-9]{3}[A-Z][0-9]{4}$/),
      );
      fc.assert(
        fc.property(kind, body, fc.boolean(), (k, rest, lower) => {
          const typed = lower ? (k + rest).toLowerCase() : k + rest;
          const check = checkIdDocument('passport', typed, NOW);
          expectSound(check, canonicalIdNumber('passport', typed, NOW));
          expect(check.ok && check.masked).toBe(`${k}${rest.slice(0, 3)}*****`);
        }),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );

  it(
    'accepts every resident number with a real past birth date and its check digit',
    () => {
      const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
      const birth = fc.date({
        min: new Date('1900-01-01'),
        max: new Date('2024-06-14'),
        noInvalidDate: true,
      });
      fc.assert(
        fc.property(birth, fc.boolean(), fc.stringMatching(/^[0-9]{5}$/), (d, female, serial) => {
          const year = d.getUTCFullYear();
          const gender = (year >= 2000 ? 3 : 1) + (female ? 1 : 0);
          const front = d.toISOString().slice(2, 10).replaceAll('-', '');
          const twelve = `${front}${gender}${serial}`;
          const sum = weights.reduce((s, w, i) => s + w * Number(twelve[i]), 0);
          const input = `${front}-${gender}${serial}${(11 - (sum % 11)) % 10}`;
          const check = checkIdDocument('residentCard', input, NOW);
          expectSound(check, canonicalIdNumber('residentCard', input, NOW));
          expect(check).toMatchObject({ ok: true, warnings: [] });
          expect(check.ok && check.masked).toBe(`${front}-${gender}******`);
        }),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );
});
