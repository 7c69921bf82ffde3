import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseDg1,
  parseDg11,
  parseDg15,
  parseDg2,
  parseEfCom,
} from '../../../drivers/emrtd/lds.js';
import { encodeLdsTlv } from '../../../drivers/emrtd/ldsTlv.js';
import { checkDigit } from '../../../drivers/emrtd/mrz.js';
import { drawTestFace } from '../../../src/virtualDocument/testFace.js';
import { encodeDg2 } from '../../../src/virtualDocument/testProfile.js';
import { EmrtdMalformedError, RetriableError } from '../../../src/errors/index.js';
import { emrtdProfile, type EmrtdProfileFixture } from '../../support/emrtdProfile.js';
import { mutate, mutations, outcomeOf, propertyTimeout } from '../../support/property.js';

let fixture: EmrtdProfileFixture;
beforeAll(async () => {
  fixture = await emrtdProfile({ seed: 7 });
});

function dg(n: number): Buffer {
  const bytes = fixture.profile.dataGroups.get(n);
  if (bytes === undefined) throw new Error(`no DG${n} in the profile`);
  return bytes;
}

function mrzDg1(text: string): Buffer {
  return encodeLdsTlv(0x61, encodeLdsTlv(0x5f1f, Buffer.from(text, 'latin1')));
}

describe('LDS files of a generated profile', () => {
  it('EF.COM lists the data groups present, with its versions', () => {
    const file = readFileSync(join(fixture.dir, fixture.manifest.files['011E'] ?? ''));
    expect(parseEfCom(file)).toEqual({
      ldsVersion: '1.7',
      unicodeVersion: '4.0.0',
      dataGroups: [1, 2, 11, 15],
    });
  });

  it('DG1 splits the TD3 MRZ into its fields, every check digit good', () => {
    const { person } = fixture.profile;
    const dg1 = parseDg1(readFileSync(join(fixture.dir, 'DG1.bin')));
    expect(dg1).toMatchObject({
      format: 'TD3',
      lines: fixture.manifest.mrz,
      documentCode: 'PM',
      issuingState: 'KOR',
      primaryIdentifier: person.surname,
      secondaryIdentifier: person.givenNames,
      documentNumber: fixture.manifest.documentNumber,
      nationality: 'KOR',
      birthDate: fixture.manifest.birthDate,
      sex: person.sex === 'M' ? 'male' : 'female',
      expiryDate: fixture.manifest.expiryDate,
      optionalData: '',
      checkDigits: {
        documentNumber: true,
        birthDate: true,
        expiryDate: true,
        optionalData: true,
        composite: true,
      },
    });
  });

  it('DG2 yields the very JPEG written to face.jpg, with the record header fields', () => {
    const face = readFileSync(join(fixture.dir, 'face.jpg'));
    const dg2 = parseDg2(dg(2));
    expect(dg2.records).toHaveLength(1);
    const record = dg2.records[0];
    expect(record?.header).toEqual({ biometricType: 2, formatOwner: 0x0101, formatType: 0x0008 });
    expect(record?.enciphered).toBe(false);
    const image = record?.images[0];
    expect(image).toMatchObject({ imageFormat: 'jpeg', declaredDataType: 0, width: 240 });
    expect(image?.height).toBe(320);
    expect(Buffer.from(image?.image ?? []).equals(face)).toBe(true);
    expect(face.subarray(0, 2).toString('hex')).toBe('ffd8');
  });

  it('the face is deterministic given the seed', () => {
    expect(drawTestFace({ seed: 7 }).equals(fixture.profile.face)).toBe(true);
    expect(drawTestFace({ seed: 8 }).equals(fixture.profile.face)).toBe(false);
  });

  it('DG11 gives the fields present, Hangul included', () => {
    const { person } = fixture.profile;
    const dg11 = parseDg11(dg(11));
    expect(dg11).toMatchObject({
      fullName: { primaryIdentifier: person.surname, secondaryIdentifier: person.givenNames },
      otherNames: [person.hangulName],
      placeOfBirth: ['SEOUL', 'KOR'],
      permanentAddress: ['123 TESTRO', 'JUNG-GU', 'SEOUL', 'KOR'],
      unknownTags: [],
    });
    expect(dg11.fullDateOfBirth?.slice(2)).toBe(person.birthDate);
    expect(dg11.personalNumber).toBeUndefined();
  });

  it('DG15 holds the AA public key (RSA here, EC in an EC profile)', async () => {
    expect(parseDg15(dg(15))).toMatchObject({ keyType: 'rsa', bits: 1024 });
    const ec = await emrtdProfile({ aaKey: 'ec-p256' });
    expect(parseDg15(ec.profile.dataGroups.get(15) ?? Buffer.alloc(0))).toMatchObject({
      keyType: 'ec',
      bits: 256,
    });
  });
});

describe('DG1 MRZ formats (ICAO 9303 specimens)', () => {
  it('TD1', () => {
    const dg1 = parseDg1(
      mrzDg1(
        'I<UTOD231458907<<<<<<<<<<<<<<<' +
          '7408122F1204159UTO<<<<<<<<<<<6' +
          'ERIKSSON<<ANNA<MARIA<<<<<<<<<<',
      ),
    );
    expect(dg1).toMatchObject({
      format: 'TD1',
      documentCode: 'I',
      issuingState: 'UTO',
      documentNumber: 'D23145890',
      birthDate: '740812',
      sex: 'female',
      expiryDate: '120415',
      nationality: 'UTO',
      primaryIdentifier: 'ERIKSSON',
      secondaryIdentifier: 'ANNA MARIA',
      checkDigits: { documentNumber: true, birthDate: true, expiryDate: true, composite: true },
    });
  });

  it('TD1 with a document number longer than nine characters (9303-5 §4.2.4)', () => {
    const number = 'D23145890AB1';
    const line1 = `I<UTO${number.slice(0, 9)}<${number.slice(9)}${checkDigit(number)}<`.padEnd(
      30,
      '<',
    );
    const line2 = '7408122F1204159UTO<<<<<<<<<<<';
    const composite =
      line1.slice(5, 30) + line2.slice(0, 7) + line2.slice(8, 15) + line2.slice(18, 29);
    const dg1 = parseDg1(
      mrzDg1(`${line1}${line2}${checkDigit(composite)}ERIKSSON<<ANNA<MARIA<<<<<<<<<<`),
    );
    expect(dg1.documentNumber).toBe(number);
    expect(dg1.checkDigits).toMatchObject({ documentNumber: true, composite: true });
  });

  it('TD2', () => {
    const dg1 = parseDg1(
      mrzDg1('I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<' + 'D231458907UTO7408122F1204159<<<<<<<6'),
    );
    expect(dg1).toMatchObject({
      format: 'TD2',
      documentNumber: 'D23145890',
      primaryIdentifier: 'ERIKSSON',
      secondaryIdentifier: 'ANNA MARIA',
      checkDigits: { documentNumber: true, birthDate: true, expiryDate: true, composite: true },
    });
  });

  it('TD3 with a personal number', () => {
    const dg1 = parseDg1(
      mrzDg1(
        'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' +
          'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
      ),
    );
    expect(dg1).toMatchObject({
      format: 'TD3',
      documentCode: 'P',
      documentNumber: 'L898902C3',
      optionalData: 'ZE184226B',
      checkDigits: { documentNumber: true, optionalData: true, composite: true },
    });
  });

  it('reports a wrong check digit rather than refusing the file', () => {
    const dg1 = parseDg1(
      mrzDg1(
        'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' +
          'L898902C37UTO7408122F1204159ZE184226B<<<<<10',
      ),
    );
    expect(dg1.checkDigits.documentNumber).toBe(false);
    expect(dg1.checkDigits.composite).toBe(false);
  });
});

describe('DG2 record layout (ISO/IEC 19794-5:2005)', () => {
  const jpeg = drawTestFace({ seed: 3, width: 48, height: 64 });

  it('skips feature points of 8 bytes each to find the image', () => {
    const dg2 = parseDg2(encodeDg2(jpeg, { width: 48, height: 64, gender: 2, featurePoints: 3 }));
    const image = dg2.records[0]?.images[0];
    expect(image).toMatchObject({ featurePoints: 3, gender: 2, width: 48, height: 64 });
    expect(Buffer.from(image?.image ?? []).equals(jpeg)).toBe(true);
  });

  it('recognises JPEG 2000, as a JP2 file or a bare codestream', () => {
    const jp2 = Buffer.concat([Buffer.from('0000000c6a5020200d0a870a', 'hex'), Buffer.alloc(20)]);
    const j2k = Buffer.concat([Buffer.from('ff4fff51', 'hex'), Buffer.alloc(20)]);
    for (const image of [jp2, j2k]) {
      const parsed = parseDg2(encodeDg2(image, { width: 1, height: 1, gender: 1, dataType: 1 }));
      expect(parsed.records[0]?.images[0]).toMatchObject({
        imageFormat: 'jpeg2000',
        declaredDataType: 1,
      });
    }
  });

  it.each([
    ['an image that is neither JPEG nor JPEG 2000', (b: Buffer) => swap(b, 'ffd8', '0000')],
    [
      'a record length that disagrees with the block',
      (b: Buffer) => swap(b, '4641430030313000', '4641430030313000', 4),
    ],
    ['another record format', (b: Buffer) => swap(b, '46414300', '46494e00')],
    ['a 19794-5:2011 record', (b: Buffer) => swap(b, '4641430030313000', '4641430030333000')],
  ])('refuses %s', (_name, edit) => {
    const outcome = outcomeOf(
      () => parseDg2(edit(encodeDg2(jpeg, { width: 48, height: 64, gender: 1 }))),
      EmrtdMalformedError,
    );
    expect(outcome).toMatchObject({ error: { code: 'EMRTD_MALFORMED', file: 'DG2' } });
  });
});

/** A copy of `bytes` with the first `from` (hex) replaced by `to`; `bump` adds to the byte after it. */
function swap(bytes: Buffer, from: string, to: string, bump = 0): Buffer {
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(from, 'hex'));
  if (at < 0) throw new Error(`${from} not found`);
  Buffer.from(to, 'hex').copy(out, at);
  if (bump > 0) {
    const lengthAt = at + 8;
    out.writeUInt32BE(out.readUInt32BE(lengthAt) + bump, lengthAt);
  }
  return out;
}

describe('malformed LDS files', () => {
  it.each([
    ['the wrong outer tag', () => parseEfCom(mrzDg1('X'))],
    ['bytes after the TLV', () => parseDg11(Buffer.concat([dg(11), Buffer.from([0])]))],
    ['a length past the end', () => parseDg1(dg(1).subarray(0, 50))],
    ['an indefinite length', () => parseDg1(Buffer.from('618000005f1f00', 'hex'))],
    ['a three-byte tag', () => parseDg1(Buffer.from('61045f9f1f00', 'hex'))],
    ['an MRZ of the wrong length', () => parseDg1(mrzDg1('P<UTO'))],
    ['an MRZ with lower case', () => parseDg1(mrzDg1('p'.repeat(88)))],
    ['EF.COM naming an unknown tag', () => parseEfCom(efCom([0x61, 0x99]))],
    ['EF.COM naming DG1 twice', () => parseEfCom(efCom([0x61, 0x61]))],
    [
      'DG11 with text that is not UTF-8',
      () => parseDg11(encodeLdsTlv(0x6b, encodeLdsTlv(0x5f0e, Buffer.from([0xc3])))),
    ],
    ['DG15 holding no key', () => parseDg15(encodeLdsTlv(0x6f, Buffer.from('3003020100', 'hex')))],
  ])('%s is EMRTD_MALFORMED naming the file', (_name, parse) => {
    const outcome = outcomeOf<unknown, EmrtdMalformedError>(parse, EmrtdMalformedError);
    expect('error' in outcome).toBe(true);
    if ('error' in outcome) {
      expect(outcome.error).toBeInstanceOf(RetriableError);
      expect(outcome.error.code).toBe('EMRTD_MALFORMED');
      expect(outcome.error.message).toContain(outcome.error.file);
      expect(outcome.error.visitor.ko.length).toBeGreaterThan(0);
    }
  });
});

function efCom(tags: number[]): Buffer {
  return encodeLdsTlv(
    0x60,
    encodeLdsTlv(0x5f01, Buffer.from('0107')),
    encodeLdsTlv(0x5f36, Buffer.from('040000')),
    encodeLdsTlv(0x5c, Buffer.from(tags)),
  );
}

// DESIGN §8: every parser of outside bytes gives a value or its typed error, never anything else.
describe('properties: only EmrtdMalformedError, whatever the bytes', () => {
  const parsers = [
    ['EF.COM', 0x60, (b: Uint8Array) => parseEfCom(b)],
    ['DG1', 0x61, (b: Uint8Array) => parseDg1(b)],
    ['DG2', 0x75, (b: Uint8Array) => parseDg2(b)],
    ['DG11', 0x6b, (b: Uint8Array) => parseDg11(b)],
    ['DG15', 0x6f, (b: Uint8Array) => parseDg15(b)],
  ] as const;

  for (const [name, tag, parse] of parsers) {
    it(
      `${name}: arbitrary bytes, bare and inside the right outer tag`,
      () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, wrap) => {
            const input = wrap ? encodeLdsTlv(tag, bytes) : bytes;
            const outcome = outcomeOf(() => parse(input), EmrtdMalformedError);
            if ('error' in outcome) expect(outcome.error.file).toBe(name);
          }),
          { numRuns: 300 },
        );
      },
      propertyTimeout,
    );
  }

  it(
    'mutated files of the profile',
    () => {
      const files = [
        ['EF.COM', fixture.profile.efCom, parseEfCom],
        ['DG1', dg(1), parseDg1],
        ['DG2', dg(2), parseDg2],
        ['DG11', dg(11), parseDg11],
        ['DG15', dg(15), parseDg15],
      ] as const;
      for (const [, bytes, parse] of files) {
        fc.assert(
          fc.property(mutations, (edits) => {
            outcomeOf(() => parse(mutate(bytes, edits)), EmrtdMalformedError);
          }),
          { numRuns: 200 },
        );
      }
    },
    propertyTimeout,
  );

  it('every proper prefix of each file is refused', () => {
    for (const [bytes, parse] of [
      [fixture.profile.efCom, parseEfCom],
      [dg(1), parseDg1],
      [dg(11), parseDg11],
      [dg(15), parseDg15],
    ] as const) {
      for (let n = 0; n < bytes.length; n++) {
        expect(() => parse(bytes.subarray(0, n))).toThrow(EmrtdMalformedError);
      }
    }
    const dg2 = dg(2);
    for (let n = 0; n < dg2.length; n += 97) {
      expect(() => parseDg2(dg2.subarray(0, n))).toThrow(EmrtdMalformedError);
    }
  });
});
