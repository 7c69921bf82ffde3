import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareChipWithForm,
  type ChipIdentity,
  type FormIdentity,
} from '../../../../machines/form/compare.js';
import type { ChipSummary } from '../../../../machines/types.js';
import { propertyTimeout } from '../../../support/property.js';

// The ICAO 9303-4 Appendix A specimen passport, as DG1 gives it:
//   P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<
//   L898902C36UTO7408122F1204159ZE184226B<<<<<10
const anna: ChipIdentity = {
  surname: 'ERIKSSON',
  givenNames: 'ANNA MARIA',
  birthDate: '740812',
  documentNumber: 'L898902C3',
};
const annaForm: FormIdentity = {
  name: 'Anna Maria Eriksson',
  birthDate: '1974-08-12',
  documentNumber: 'L898902C3',
};

describe('compareChipWithForm: the ICAO specimen', () => {
  it('agrees with a form typed from the same passport', () => {
    expect(compareChipWithForm(anna, annaForm)).toEqual({
      mismatches: [],
      nameNeedsTeller: false,
    });
  });

  it.each([
    ['given names first', 'Anna Maria Eriksson'],
    ['surname first', 'ERIKSSON Anna Maria'],
    ['the MRZ form itself', 'ERIKSSON<<ANNA<MARIA'],
    ['lower case, extra spaces', '  anna   maria eriksson '],
    ['given names run together', 'AnnaMaria Eriksson'],
  ])('matches the name typed %s', (_what, name) => {
    expect(compareChipWithForm(anna, { ...annaForm, name })).toEqual({
      mismatches: [],
      nameNeedsTeller: false,
    });
  });

  it('takes the chip as ChipSummary and the form as AcceptedForm hold it', () => {
    const chip: ChipSummary = {
      ...anna,
      verified: true,
      failures: [],
      mismatches: [],
      nameNeedsTeller: false,
    };
    const form = { name: 'Anna Maria Eriksson', birthDate: '1974-08-12', idnMasked: '', phone: '' };
    expect(compareChipWithForm(chip, form).mismatches).toEqual([]);
  });

  it('reports another name, with both values', () => {
    const r = compareChipWithForm(anna, { ...annaForm, name: 'Anna Maria Eriksen' });
    expect(r.nameNeedsTeller).toBe(false);
    expect(r.mismatches).toEqual([
      {
        field: 'name',
        ko: '이름 불일치: 신청서 Anna Maria Eriksen, 칩 ERIKSSON, ANNA MARIA',
        en: 'Name mismatch: form Anna Maria Eriksen, chip ERIKSSON, ANNA MARIA',
      },
    ]);
  });

  it('reports a name missing a given name', () => {
    expect(
      compareChipWithForm(anna, { ...annaForm, name: 'Anna Eriksson' }).mismatches,
    ).toHaveLength(1);
  });

  it('reports another birth date', () => {
    const r = compareChipWithForm(anna, { ...annaForm, birthDate: '1974-08-13' });
    expect(r.mismatches).toEqual([
      {
        field: 'birthDate',
        ko: '생년월일 불일치: 신청서 1974-08-13, 칩 1974-08-12',
        en: 'Date of birth mismatch: form 1974-08-13, chip 1974-08-12',
      },
    ]);
  });

  it('compares the date without its century (the MRZ has none)', () => {
    expect(compareChipWithForm(anna, { ...annaForm, birthDate: '2074-08-12' }).mismatches).toEqual(
      [],
    );
  });

  it('ignores the unknown month or day of a chip date written with fillers (9303-3 §4.8.3)', () => {
    const unknownDay = { ...anna, birthDate: '7408<<' };
    expect(compareChipWithForm(unknownDay, annaForm).mismatches).toEqual([]);
    const wrongYear = compareChipWithForm(unknownDay, { ...annaForm, birthDate: '1975-08-12' });
    expect(wrongYear.mismatches[0]?.ko).toBe('생년월일 불일치: 신청서 1975-08-12, 칩 7408<<');
  });

  it.each(['l898902c3', 'L898902C3<', ' L898902C3 ', 'L898902C3<<<<<<'])(
    'matches the document number typed %j',
    (documentNumber) => {
      expect(compareChipWithForm(anna, { ...annaForm, documentNumber }).mismatches).toEqual([]);
    },
  );

  it('reports another document number', () => {
    const r = compareChipWithForm(anna, { ...annaForm, documentNumber: 'L898902C4' });
    expect(r.mismatches).toEqual([
      {
        field: 'documentNumber',
        ko: '신분증 번호 불일치: 입력 L898902C4, 칩 L898902C3',
        en: 'Document number mismatch: typed L898902C4, chip L898902C3',
      },
    ]);
  });

  it('does not compare a document number that was not typed', () => {
    const noNumber: FormIdentity = { name: annaForm.name, birthDate: annaForm.birthDate };
    expect(compareChipWithForm({ ...anna, documentNumber: 'X' }, noNumber).mismatches).toEqual([]);
    expect(
      compareChipWithForm({ ...anna, documentNumber: 'X' }, { ...noNumber, documentNumber: '' })
        .mismatches,
    ).toEqual([]);
  });

  it('lists every mismatch in the order the teller reads the ID', () => {
    const r = compareChipWithForm(anna, {
      name: 'Peter Stevenson',
      birthDate: '1934-07-12',
      documentNumber: 'D23145890',
    });
    expect(r.mismatches.map((m) => m.field)).toEqual(['name', 'birthDate', 'documentNumber']);
  });
});

describe('compareChipWithForm: birth dates as the teller reads them', () => {
  it('shows the chip date in the form’s century (the example of issue 13)', () => {
    const r = compareChipWithForm(
      { ...anna, birthDate: '910101' },
      { ...annaForm, birthDate: '1990-01-01' },
    );
    expect(r.mismatches[0]?.ko).toBe('생년월일 불일치: 신청서 1990-01-01, 칩 1991-01-01');
  });

  it('shows the nearest century across 2000', () => {
    const r = compareChipWithForm(
      { ...anna, birthDate: '991231' },
      { ...annaForm, birthDate: '2000-01-01' },
    );
    expect(r.mismatches[0]?.en).toBe('Date of birth mismatch: form 2000-01-01, chip 1999-12-31');
  });

  it('reports a malformed chip date as it is', () => {
    const r = compareChipWithForm({ ...anna, birthDate: '7408' }, annaForm);
    expect(r.mismatches[0]?.en).toBe('Date of birth mismatch: form 1974-08-12, chip 7408');
  });
});

describe('compareChipWithForm: names the kiosk does not compare', () => {
  const hong: ChipIdentity = {
    surname: 'HONG',
    givenNames: 'GILDONG',
    birthDate: '900101',
    documentNumber: 'M12345678',
  };
  const hongForm: FormIdentity = { name: '홍길동', birthDate: '1990-01-01' };

  it('leaves a Hangul name to the teller, reporting nothing for it', () => {
    expect(compareChipWithForm(hong, hongForm)).toEqual({ mismatches: [], nameNeedsTeller: true });
    // Even an unrelated romanisation is not a mismatch: the kiosk cannot tell.
    expect(compareChipWithForm({ ...hong, surname: 'SMITH' }, hongForm).nameNeedsTeller).toBe(true);
  });

  it('leaves a name in a script it cannot reduce to A–Z to the teller', () => {
    const r = compareChipWithForm(hong, { ...hongForm, name: '洪吉童' });
    expect(r).toEqual({ mismatches: [], nameNeedsTeller: true });
  });

  it('compares the Latin name of a Korean passport, however the given name is split', () => {
    for (const givenNames of ['GILDONG', 'GIL DONG', 'GIL<DONG']) {
      for (const name of ['Hong Gildong', 'Gil-Dong Hong', 'HONG GIL DONG']) {
        expect(compareChipWithForm({ ...hong, givenNames }, { ...hongForm, name })).toEqual({
          mismatches: [],
          nameNeedsTeller: false,
        });
      }
    }
  });
});

describe('compareChipWithForm: transliteration (ICAO 9303-3 §6.A, §4.6)', () => {
  const base: ChipIdentity = {
    surname: '',
    givenNames: '',
    birthDate: '800101',
    documentNumber: '',
  };
  const form = (name: string): FormIdentity => ({ name, birthDate: '1980-01-01' });

  it.each<[string, string, string]>([
    ['Åsa Öberg', 'OEBERG', 'AASA'],
    ['Åsa Öberg', 'OBERG', 'ASA'],
    ['Jürgen Müller', 'MUELLER', 'JUERGEN'],
    ['José Álvarez', 'ALVAREZ', 'JOSE'],
    ['Søren Kierkegaard', 'KIERKEGAARD', 'SOEREN'],
    ['Lech Wałęsa', 'WALESA', 'LECH'],
    ['Hans Weiß', 'WEISS', 'HANS'],
    ["Mary O'Brien-Smith", 'OBRIEN SMITH', 'MARY'],
    ['Nguyễn Thị Minh', 'NGUYEN', 'THI MINH'],
  ])('%s matches %s<<%s', (name, surname, givenNames) => {
    expect(compareChipWithForm({ ...base, surname, givenNames }, form(name))).toEqual({
      mismatches: [],
      nameNeedsTeller: false,
    });
  });

  it('matches DG11’s full name when the MRZ truncated it (9303-4 §4.2.2: 39 characters)', () => {
    // MARTINEZ<DE<LA<CRUZ<GONZALEZ<<MARIA<JOS: the TD3 name field, full at 39.
    const dg1Only: ChipIdentity = {
      ...base,
      surname: 'MARTINEZ DE LA CRUZ GONZALEZ',
      givenNames: 'MARIA JOS',
    };
    const chip = { ...dg1Only, fullName: 'MARTINEZ<DE<LA<CRUZ<GONZALEZ<<MARIA<JOSEFINA' };
    const name = 'María Josefina Martínez de la Cruz González';
    expect(compareChipWithForm(chip, form(name)).mismatches).toEqual([]);
    expect(compareChipWithForm(dg1Only, form(name)).mismatches).toHaveLength(1);
  });
});

// --- properties ---

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit, maxLength: 300 }),
  fc.stringMatching(/^[A-Z<]{0,39}$/),
  fc.stringMatching(/^[0-9<]{6}$/),
  fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/),
);
const hugeString = fc
  .tuple(
    fc.constantFrom('A', '<', '0', '\u0000', '\ud800', '홍', ' '),
    fc.integer({ min: 257, max: 1_000_000 }),
  )
  .map(([unit, length]) => unit.repeat(length));
const input = fc.oneof(anyString, hugeString);

const chip = fc.record(
  { surname: input, givenNames: input, birthDate: input, documentNumber: input, fullName: input },
  { requiredKeys: ['surname', 'givenNames', 'birthDate', 'documentNumber'] },
);
const formArb = fc.record(
  { name: input, birthDate: input, documentNumber: input },
  { requiredKeys: ['name', 'birthDate'] },
);

describe('compareChipWithForm (properties)', () => {
  it(
    'never throws, and every message is short and free of control characters',
    () => {
      fc.assert(
        fc.property(chip, formArb, (dg1, form) => {
          const r = compareChipWithForm(dg1, form);
          expect(r.mismatches.length).toBeLessThanOrEqual(3);
          for (const m of r.mismatches) {
            for (const text of [m.ko, m.en]) {
              expect(text.length).toBeLessThan(200);
              expect(text).not.toMatch(/[\p{Cc}\p{Cs}\p{Cf}]/u);
            }
          }
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    'a Latin name matches the chip’s in either order, whatever the case and separators',
    () => {
      const word = fc.stringMatching(/^[A-Z]{1,10}$/);
      const words = fc.array(word, { minLength: 1, maxLength: 3 });
      fc.assert(
        fc.property(words, words, fc.boolean(), (surname, given, givenFirst) => {
          const dg1 = { ...anna, surname: surname.join(' '), givenNames: given.join('<') };
          const typed = (givenFirst ? [...given, ...surname] : [...surname, ...given])
            .map((w) => w.toLowerCase())
            .join(' ');
          const r = compareChipWithForm(dg1, { ...annaForm, name: typed });
          expect(r).toEqual({ mismatches: [], nameNeedsTeller: false });
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );
});
