import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bacKeySeedInput, checkDigit, parseMrz } from '../../../drivers/emrtd/mrz.js';
import { MrzInvalidError } from '../../../src/errors/index.js';
import { propertyTimeout } from '../../support/property.js';

// The ICAO specimens: TD3 from 9303-4 Appendix A, TD1 from 9303-5 Appendix A, TD2 from 9303-6
// Appendix A, and the TD1 long document number of 9303-5 §4.2.2 note j.
const td3 = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];
const td1 = [
  'I<UTOD231458907<<<<<<<<<<<<<<<',
  '7408122F1204159UTO<<<<<<<<<<<6',
  'ERIKSSON<<ANNA<MARIA<<<<<<<<<<',
];
const td2 = ['I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<', 'D231458907UTO7408122F1204159<<<<<<<6'];
const td1Long = [
  'I<UTOD23145890<7349<<<<<<<<<<<',
  '3407127M9507122UTO<<<<<<<<<<<2',
  'STEVENSON<<PETER<JOHN<<<<<<<<<',
];

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof MrzInvalidError) return error.problems;
    throw error;
  }
  throw new Error('no MrzInvalidError');
}

describe('check digits (9303-3 §4.9)', () => {
  it.each([
    ['L898902C3', 6],
    ['740812', 2],
    ['120415', 9],
    ['ZE184226B<<<<<', 1],
    ['L898902C3674081221204159ZE184226B<<<<<1', 0],
    ['D23145890', 7],
    ['D231458907<<<<<<<<<<<<<<<74081221204159<<<<<<<<<<<', 6],
    ['520727', 3],
    ['L898902C<', 3],
    ['690806', 1],
    ['940623', 6],
    ['D23145890734', 9],
  ])('%s → %i', (field, digit) => {
    expect(checkDigit(field)).toBe(digit);
  });

  it('refuses characters outside A–Z, 0–9 and <', () => {
    expect(problemsOf(() => checkDigit('l898'))).toEqual(['characters']);
  });
});

describe('parseMrz', () => {
  it('TD3 specimen', () => {
    expect(parseMrz(td3)).toMatchObject({
      format: 'TD3',
      documentCode: 'P',
      issuingState: 'UTO',
      documentNumber: 'L898902C3',
      birthDate: '740812',
      expiryDate: '120415',
      nationality: 'UTO',
      sex: 'F',
      lastName: 'ERIKSSON',
      firstName: 'ANNA MARIA',
      mrzInfo: 'L898902C36' + '7408122' + '1204159',
    });
  });

  it('TD3 as one string with line breaks and surrounding blanks', () => {
    expect(parseMrz(`  ${td3[0] ?? ''}\r\n${td3[1] ?? ''}\n`).mrzInfo).toBe(
      'L898902C367408122120415' + '9',
    );
  });

  it('TD1 specimen', () => {
    expect(parseMrz(td1)).toMatchObject({
      format: 'TD1',
      documentCode: 'I',
      documentNumber: 'D23145890',
      birthDate: '740812',
      expiryDate: '120415',
      mrzInfo: 'D23145890774081221204159',
    });
  });

  it('TD2 specimen', () => {
    expect(parseMrz(td2)).toMatchObject({
      format: 'TD2',
      documentNumber: 'D23145890',
      lastName: 'ERIKSSON',
      mrzInfo: 'D23145890774081221204159',
    });
  });

  it('TD1 with a document number longer than 9 characters uses the whole number', () => {
    const mrz = parseMrz(td1Long);
    expect(mrz.documentNumber).toBe('D23145890734');
    expect(mrz.mrzInfo).toBe('D23145890734' + '9' + '3407127' + '9507122');
    expect(bacKeySeedInput('D23145890734', '340712', '950712')).toBe(mrz.mrzInfo);
  });

  it('names each bad check digit', () => {
    const bad = [td3[0] ?? '', 'L898902C37UTO7408123F1204158ZE184226B<<<<<10'];
    expect(problemsOf(() => parseMrz(bad))).toEqual([
      'documentNumberCheckDigit',
      'birthDateCheckDigit',
      'expiryDateCheckDigit',
      'compositeCheckDigit',
    ]);
    const composite = [td3[0] ?? '', 'L898902C36UTO7408122F1204159ZE184226B<<<<<11'];
    expect(problemsOf(() => parseMrz(composite))).toEqual(['compositeCheckDigit']);
    const longBad = [...td1Long];
    longBad[0] = 'I<UTOD23145890<7348<<<<<<<<<<<';
    expect(problemsOf(() => parseMrz(longBad))).toContain('documentNumberCheckDigit');
  });

  it('refuses shapes and characters it cannot read', () => {
    expect(problemsOf(() => parseMrz([td3[0] ?? '']))).toEqual(['format']);
    expect(problemsOf(() => parseMrz([td3[0] ?? '', td1[1] ?? '']))).toEqual(['format']);
    expect(problemsOf(() => parseMrz([td3[0] ?? '', (td3[1] ?? '').toLowerCase()]))).toEqual([
      'characters',
    ]);
    expect(problemsOf(() => parseMrz('x'.repeat(10_000)))).toEqual(['format']);
    expect(
      problemsOf(() => parseMrz([td3[0] ?? '', 'L898902C36UTO7413322F1204159ZE184226B<<<<<10'])),
    ).toContain('birthDate');
  });

  it('bacKeySeedInput pads short numbers and refuses malformed fields', () => {
    expect(bacKeySeedInput('L898902C', '690806', '940623')).toBe('L898902C<369080619406236');
    expect(bacKeySeedInput('L898902C<', '690806', '940623')).toBe('L898902C<369080619406236');
    expect(problemsOf(() => bacKeySeedInput('', '69080', '9406AB'))).toEqual([
      'documentNumber',
      'birthDate',
      'expiryDate',
    ]);
    expect(problemsOf(() => bacKeySeedInput('A'.repeat(23), '690806', '940623'))).toEqual([
      'documentNumber',
    ]);
  });

  it(
    'arbitrary input: a value or MrzInvalidError, nothing else',
    () => {
      const mrzChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<'.split(''));
      const line = (n: number) => fc.string({ unit: mrzChars, minLength: n, maxLength: n });
      const input = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(fc.string({ maxLength: 50 }), { maxLength: 5 }),
        fc.tuple(line(44), line(44)),
        fc.tuple(line(36), line(36)),
        fc.tuple(line(30), line(30), line(30)),
      );
      fc.assert(
        fc.property(input, (lines) => {
          try {
            const mrz = parseMrz(lines);
            expect(mrz.mrzInfo.length).toBeGreaterThanOrEqual(24);
          } catch (error) {
            expect(error).toBeInstanceOf(MrzInvalidError);
          }
        }),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );
});
