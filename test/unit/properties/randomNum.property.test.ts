import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KioskError, MalformedFileError } from '../../../src/errors/index.js';
import { oid } from '../../../src/npki/asn1/oids.js';
import { parseCertificate } from '../../../src/npki/certificate.js';
import { keyMatchesCertificate } from '../../../src/npki/keyPair.js';
import {
  maxRandomNumBytes,
  readRandomNum,
  withRandomNum,
  withoutAttributes,
} from '../../../src/npki/randomNum.js';
import { readYessign, yessignR } from '../../support/fixtures.js';
import {
  bodyOf,
  children,
  derOid,
  expectTruncatedAtEveryProperPrefix,
  itChecksArbitraryBytes,
  mutate,
  mutations,
  outcomeOf,
  propertyTimeout as timeout,
  randomR,
  tlv,
  type Outcome,
} from '../../support/property.js';

// DESIGN §8: every parser of outside bytes rejects malformed input with a typed KioskError and
// never throws anything else. The timeout of each `it` is the guard against a hang.

const plain = readYessign('plainSignPri.der');
const bare = withoutAttributes(plain);
const randomNumOid = derOid(oid.randomNum);

/**
 * The top-level parts of a PrivateKeyInfo that parsed (src has checked them as DER TLVs): version,
 * algorithm, key; the [0] attributes, if any; what follows them.
 */
function split(pki: Uint8Array): {
  head: Buffer[];
  attributes: Buffer | undefined;
  tail: Buffer[];
} {
  const parts = children(bodyOf(Buffer.from(pki)));
  const [attributes, ...rest] = parts.slice(3);
  return attributes?.[0] === 0xa0
    ? { head: parts.slice(0, 3), attributes, tail: rest }
    : { head: parts.slice(0, 3), attributes: undefined, tail: parts.slice(3) };
}

/** The attributes one by one (only once withRandomNum has checked them as DER TLVs). */
const attributesOf = (attributes: Buffer | undefined): Buffer[] =>
  attributes === undefined ? [] : children(bodyOf(attributes));

const isRandomNum = (attribute: Buffer): boolean =>
  bodyOf(attribute).subarray(0, randomNumOid.length).equals(randomNumOid);

/** readRandomNum, withoutAttributes and withRandomNum all refuse `pki` with MalformedFileError. */
function expectMalformed(pki: Uint8Array, r: Uint8Array = Buffer.alloc(20, 1)): void {
  for (const run of [
    () => readRandomNum(pki),
    () => withoutAttributes(pki),
    () => withRandomNum(pki, r),
  ]) {
    const outcome = outcomeOf(run);
    expect('error' in outcome && outcome.error).toBeInstanceOf(MalformedFileError);
  }
}

const sameBytes = (a: readonly Buffer[], b: readonly Buffer[]): boolean =>
  a.length === b.length && a.every((part, i) => b[i]?.equals(part) === true);

/**
 * All three functions on one input: each returns or throws a KioskError (MalformedFileError, or
 * TruncatedFileError for a structure cut short); they agree with each other; and what they write
 * keeps version, algorithm, key, the other attributes and any RFC 5958 tail byte for byte.
 * Returns what readRandomNum and withRandomNum gave.
 */
function checkPrivateKeyInfo(
  pki: Uint8Array,
  r: Uint8Array,
): { read: Outcome<Buffer | undefined>; written: Outcome<Buffer> } {
  const read = outcomeOf(() => readRandomNum(pki));
  if ('value' in read && read.value !== undefined) {
    expect(read.value.length).toBeGreaterThanOrEqual(1);
    expect(read.value.length).toBeLessThanOrEqual(maxRandomNumBytes);
  }
  const stripped = outcomeOf(() => withoutAttributes(pki));
  const written = outcomeOf(() => withRandomNum(pki, r));
  if ('error' in stripped) {
    // All three parse the PrivateKeyInfo first: what one refuses, all refuse the same way.
    for (const other of [read, written]) {
      expect('error' in other && other.error.constructor).toBe(stripped.error.constructor);
    }
    return { read, written };
  }

  const input = split(pki);
  const out = stripped.value;
  expect(out.equals(tlv(0x30, ...input.head, ...input.tail))).toBe(true);
  // OPEN BUG (src/npki/privateKeyInfo.ts, pinned by the it.fails test at the end): elements after
  // the attributes are accepted unchecked, and without the attributes before them they no longer
  // parse. Only this re-read is left out for such inputs; everything else is checked.
  if (input.tail.length === 0) {
    expect(readRandomNum(out)).toBeUndefined();
    expect(withoutAttributes(out).equals(out)).toBe(true);
  }

  if ('value' in written) {
    const result = split(written.value);
    expect(sameBytes(result.head, input.head)).toBe(true);
    expect(sameBytes(result.tail, input.tail)).toBe(true);
    const others = attributesOf(input.attributes).filter((attribute) => !isRandomNum(attribute));
    expect(sameBytes(attributesOf(result.attributes).slice(0, -1), others)).toBe(true);
    expect(readRandomNum(written.value)?.equals(r)).toBe(true);
    expect(withoutAttributes(written.value).equals(out)).toBe(true);
  }
  return { read, written };
}

/** version, privateKeyAlgorithm, privateKey of the fixture (no attributes). */
const [, bareAlgorithm = Buffer.alloc(0), barePrivateKey = Buffer.alloc(0)] = children(
  bodyOf(bare),
);

/** A randomNum-like value: mostly `BIT STRING 00 R`, sometimes anything. */
const bitStringValue = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: maxRandomNumBytes })
      .map((r) => ({ der: tlv(0x03, Buffer.from([0]), r), r: Buffer.from(r) })),
  },
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 100 }))
    .map(([unused, bytes]) => ({ der: tlv(0x03, Buffer.from([unused]), bytes), r: undefined })),
  fc.constant({ der: Buffer.from([0x03, 0x00]), r: undefined }),
  fc
    .tuple(fc.constantFrom(0x04, 0x16, 0x80), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, bytes]) => ({ der: tlv(tag, bytes), r: undefined })),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, bytes]) => ({ der: tlv(tag, bytes), r: undefined })),
);
const attribute = fc
  .record({
    type: fc.constantFrom(oid.randomNum, oid.randomNum, '1.2.840.113549.1.9.14', '1.2.3'),
    values: fc.oneof(
      { weight: 3, arbitrary: bitStringValue.map((v) => [v]) },
      fc.array(bitStringValue, { maxLength: 3 }),
    ),
  })
  .map(({ type, values }) => ({
    type,
    der: tlv(0x30, derOid(type), tlv(0x31, ...values.map((v) => v.der))),
    r: values.length === 1 ? values[0]?.r : undefined,
  }));
/** The version INTEGER's content: mostly 0 or 1, sometimes any bytes (huge, negative, empty). */
const versionContent = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom([0], [1]).map((b) => Buffer.from(b)) },
  fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
);
/**
 * A PrivateKeyInfo around the fixture's key with a random version and attributes, and sometimes
 * an RFC 5958 `[1] publicKey` after them.
 */
const structuredPrivateKeyInfo = fc
  .record({
    version: versionContent,
    attributes: fc.option(fc.array(attribute, { maxLength: 3 })),
    publicKey: fc.option(fc.uint8Array({ maxLength: 40 }), { freq: 3 }),
  })
  .map(({ version, attributes, publicKey }) => {
    const attributesDer = attributes === null ? [] : [tlv(0xa0, ...attributes.map((a) => a.der))];
    const tail = publicKey === null ? [] : [tlv(0x81, Buffer.from([0]), publicKey)];
    const first = attributes?.find((a) => a.type === oid.randomNum);
    return {
      der: tlv(0x30, tlv(0x02, version), bareAlgorithm, barePrivateKey, ...attributesDer, ...tail),
      /** Only a version INTEGER of exactly one byte, 0 or 1, is a PrivateKeyInfo. */
      versionOk: version.length === 1 && (version[0] === 0 || version[0] === 1),
      /** What readRandomNum must return when the first randomNum attribute is well formed. */
      r: first?.r,
    };
  });

describe('randomNum attribute on malformed input (properties)', () => {
  it(
    'the fixture: R as the fixture README gives it',
    () => {
      const { read } = checkPrivateKeyInfo(plain, Buffer.alloc(20, 1));
      expect('value' in read && read.value?.toString('hex')).toBe(yessignR);
    },
    timeout,
  );

  itChecksArbitraryBytes(
    'each function returns or throws a KioskError',
    checkPrivateKeyInfo,
    randomR,
  );

  it(
    'plainSignPri.der with 1–8 bytes changed: each function returns or throws a KioskError',
    () => {
      fc.assert(
        fc.property(mutations, randomR, (edits, r) => {
          checkPrivateKeyInfo(mutate(plain, edits), r);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'plainSignPri.der with its last 1–64 bytes (the attribute) changed: returns or throws a KioskError',
    () => {
      const tail = fc.record({
        at: fc.integer({ min: 1, max: 64 }),
        xor: fc.integer({ min: 1, max: 255 }),
      });
      fc.assert(
        fc.property(fc.array(tail, { minLength: 1, maxLength: 8 }), randomR, (edits, r) => {
          const file = mutate(
            plain,
            edits.map(({ at, xor }) => ({ at: plain.length - at, xor })),
          );
          checkPrivateKeyInfo(file, r);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'every proper prefix of plainSignPri.der: throws TruncatedFileError',
    () => {
      expectTruncatedAtEveryProperPrefix(plain, (prefix) => outcomeOf(() => readRandomNum(prefix)));
      expectTruncatedAtEveryProperPrefix(plain, (prefix) =>
        outcomeOf(() => withoutAttributes(prefix)),
      );
      expectTruncatedAtEveryProperPrefix(plain, (prefix) =>
        outcomeOf(() => withRandomNum(prefix, Buffer.alloc(20, 1))),
      );
    },
    timeout,
  );

  it(
    'random versions, attributes and [1] tails: consistent, byte-exact, and R reads back exactly',
    () => {
      let checked = 0;
      fc.assert(
        fc.property(structuredPrivateKeyInfo, randomR, ({ der, versionOk, r: expected }, r) => {
          const { read, written } = checkPrivateKeyInfo(der, r);
          if (!versionOk) expectMalformed(der, r);
          // A random value elsewhere may make the attributes malformed, and then readRandomNum
          // does not always agree (open bug at the end): R is checked where withRandomNum, which
          // splits and parses each attribute, accepts them.
          if (expected !== undefined && 'value' in written) {
            expect('value' in read && read.value?.equals(expected)).toBe(true);
            checked++;
          }
        }),
        { numRuns: 300 },
      );
      expect(checked).toBeGreaterThan(30);
    },
    timeout,
  );
});

describe('randomNum round trip (properties)', () => {
  it(
    'readRandomNum(withRandomNum(plain, R)) is R, and the attributes come off again',
    () => {
      fc.assert(
        fc.property(randomR, (r) => {
          const withR = withRandomNum(plain, r);
          expect(readRandomNum(withR)?.equals(r)).toBe(true);
          expect(withoutAttributes(withR).equals(bare)).toBe(true);
          // Setting R on a key without attributes gives the same bytes as replacing it.
          expect(withRandomNum(bare, r).equals(withR)).toBe(true);
        }),
        { numRuns: 200 },
      );
    },
    timeout,
  );

  it(
    'R of 0 or more than maxRandomNumBytes bytes is a programming error (RangeError)',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.constant(new Uint8Array(0)),
            fc.uint8Array({ minLength: maxRandomNumBytes + 1, maxLength: 300 }),
          ),
          (r) => {
            expect(() => withRandomNum(plain, r)).toThrow(RangeError);
          },
        ),
        { numRuns: 100 },
      );
    },
    timeout,
  );
});

describe('regressions: the PrivateKeyInfo version must be 0 or 1', () => {
  /** PrivateKeyInfo around the fixture's key with this version INTEGER. */
  const withVersion = (version: Buffer): Buffer =>
    tlv(0x30, version, bareAlgorithm, barePrivateKey);

  it('the fixture is rebuilt byte for byte from its parts', () => {
    expect(withVersion(Buffer.from([0x02, 0x01, 0x00])).equals(bare)).toBe(true);
  });

  // Once re-encoded through a double: 02 08 0080000000000005 came out as 02 00 (not DER).
  it(
    'a version beyond 2^53 is refused with MalformedFileError, never rewritten',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 7, maxLength: 12 }), randomR, (content, r) => {
          expectMalformed(withVersion(tlv(0x02, Buffer.from([0x00, 0x80, ...content]))), r);
        }),
        { numRuns: 50 },
      );
    },
    timeout,
  );

  it.each([
    ['empty', '0200'],
    ['2', '020102'],
    ['-1', '0201ff'],
    ['0 padded to two bytes', '02020000'],
    ['1 padded to two bytes', '02020001'],
  ])(
    'version %s (%s) is refused with MalformedFileError',
    (_, hex) => {
      expectMalformed(withVersion(Buffer.from(hex, 'hex')));
    },
    timeout,
  );
});

describe('regressions: values asn1-schema parses but cannot re-encode are never re-encoded', () => {
  /** The fixture's key, optionally with other algorithm parameters and extra attributes. */
  const privateKeyInfo = (params: Buffer, attributes: readonly Buffer[]): Buffer =>
    tlv(
      0x30,
      Buffer.from([0x02, 0x01, 0x00]),
      tlv(0x30, derOid(oid.rsaEncryption), params),
      barePrivateKey,
      ...(attributes.length === 0 ? [] : [tlv(0xa0, ...attributes)]),
    );
  /** `17 00`: an empty UTCTime. asn1-schema parses it (as ANY) but cannot serialize it again. */
  const emptyUtcTime = Buffer.from([0x17, 0x00]);
  const nullParams = Buffer.from([0x05, 0x00]);
  const r = Buffer.alloc(20, 1);

  it('the fixture is rebuilt byte for byte from its parts', () => {
    expect(privateKeyInfo(nullParams, []).equals(bare)).toBe(true);
  });

  // Once a plain Error("Wrong input string for conversion") out of AsnConvert.serialize.
  it(
    'withRandomNum keeps another attribute holding SET { 17 00 } byte for byte',
    () => {
      const other = tlv(0x30, derOid('1.2.3.4'), tlv(0x31, emptyUtcTime));
      const pki = privateKeyInfo(nullParams, [other]);
      expect(readRandomNum(pki)).toBeUndefined();
      const written = withRandomNum(pki, r);
      expect(attributesOf(split(written).attributes)[0]?.equals(other)).toBe(true);
      expect(readRandomNum(written)?.equals(r)).toBe(true);
      expect(withoutAttributes(written).equals(bare)).toBe(true);
      checkPrivateKeyInfo(pki, r);
    },
    timeout,
  );

  it(
    'an attribute whose type is not an OBJECT IDENTIFIER is refused with MalformedFileError',
    () => {
      const other = tlv(0x30, Buffer.from([0x02, 0x01, 0x01]), tlv(0x31, emptyUtcTime));
      expectMalformed(privateKeyInfo(nullParams, [other]), r);
    },
    timeout,
  );

  // Once a plain Error out of keyMatchesCertificate, which calls withoutAttributes outside its try.
  it(
    'algorithm parameters 17 00: withoutAttributes is byte-exact, keyMatchesCertificate does not crash',
    () => {
      const pki = privateKeyInfo(emptyUtcTime, []);
      expect(readRandomNum(pki)).toBeUndefined();
      expect(withoutAttributes(pki).equals(pki)).toBe(true);
      const cert = parseCertificate(readYessign('signCert.der'));
      const outcome = outcomeOf(() => keyMatchesCertificate(pki, cert));
      // OpenSSL ignores rsaEncryption parameters, so the key loads and is the certificate's pair;
      // were it refused, the refusal would have to be a KioskError.
      if ('value' in outcome) expect(outcome.value).toBe(true);
      else expect(outcome.error).toBeInstanceOf(KioskError);
      checkPrivateKeyInfo(pki, r);
    },
    timeout,
  );
});

describe('open bugs in src/npki/privateKeyInfo.ts (it.fails: flip to it once fixed)', () => {
  const [version = Buffer.alloc(0)] = children(bodyOf(bare));
  const randomNumAttribute = attributesOf(split(plain).attributes)[0] ?? Buffer.alloc(0);

  // BUG (src/npki/privateKeyInfo.ts parsePrivateKeyInfo): asn1-schema ignores elements after the
  // [0] attributes, and parsePrivateKeyInfo keeps them unchecked as the "tail". withoutAttributes
  // then writes them where the attributes were, and there they do not parse: its output is refused
  // by readRandomNum, withoutAttributes and decryptSignPriKey ("PrivateKeyInfo does not parse").
  // A valid RFC 5958 v1 key (attributes, then [1] publicKey) hits this, as does a stray SEQUENCE.
  it.fails.each([
    ['an RFC 5958 [1] publicKey', Buffer.from([0x02, 0x01, 0x01]), '810300abcd'],
    ['a stray SEQUENCE', version, '3003020100'],
  ])(
    'withoutAttributes on a key with %s after its attributes returns a key that reads again',
    (_, versionTlv, tailHex) => {
      const pki = tlv(
        0x30,
        versionTlv,
        bareAlgorithm,
        barePrivateKey,
        tlv(0xa0, randomNumAttribute),
        Buffer.from(tailHex, 'hex'),
      );
      expect(readRandomNum(pki)?.toString('hex')).toBe(yessignR);
      const out = outcomeOf(() => withoutAttributes(pki));
      expect('value' in out && outcomeOf(() => readRandomNum(out.value))).toEqual({
        value: undefined,
      });
    },
    timeout,
  );

  // BUG (src/npki/privateKeyInfo.ts, src/npki/randomNum.ts): parsePrivateKeyInfo checks only the
  // top-level TLVs as DER. Inside the [0] attributes readRandomNum and withoutAttributes go by
  // asn1-schema, which is lenient, while withRandomNum splits them with readTlv and parses each
  // Attribute alone, and refuses. So readRandomNum returns R (or undefined) for bytes withRandomNum
  // calls malformed:
  // - the randomNum Attribute's SEQUENCE length changed from 0x25 to 0x1c (plainSignPri.der, offset
  //   1220): readRandomNum returns the fixture's R; withRandomNum: "invalid DER length form 0xfe";
  // - an attribute holding a value tagged 00 before the randomNum attribute: asn1-schema swallows
  //   the randomNum attribute and readRandomNum returns undefined, as for an old key without R
  //   (src/certificates/check.ts then skips the VID check); withRandomNum: "an attribute does not
  //   parse".
  it.fails.each([
    [
      'the randomNum SEQUENCE length disagrees with its content',
      mutate(plain, [{ at: plain.indexOf(Buffer.from('a0273025', 'hex')) + 3, xor: 0x25 ^ 0x1c }]),
    ],
    [
      'another attribute holds a value tagged 00',
      tlv(
        0x30,
        version,
        bareAlgorithm,
        barePrivateKey,
        tlv(
          0xa0,
          tlv(0x30, derOid('1.2.3'), tlv(0x31, Buffer.from('0007321b0000000000', 'hex'))),
          tlv(0x30, randomNumOid, tlv(0x31, Buffer.from('030400000000', 'hex'))),
        ),
      ),
    ],
  ])(
    'what withRandomNum refuses as malformed, readRandomNum and withoutAttributes refuse too: %s',
    (_, pki) => {
      expect('error' in outcomeOf(() => withRandomNum(pki, Buffer.alloc(20, 1)))).toBe(true);
      expectMalformed(pki);
    },
    timeout,
  );
});
