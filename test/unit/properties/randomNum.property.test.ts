// Over 400 lines as one unit (issue 12): the PrivateKeyInfo grammar's generators and the properties
// that use them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KioskError, MalformedFileError, TruncatedFileError } from '../../../src/errors/index.js';
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
  type ErrorClass,
  type Outcome,
} from '../../support/property.js';

// DESIGN §8: every parser of outside bytes rejects malformed input with a typed KioskError and
// never throws anything else. The timeout of each `it` is the guard against a hang.
//
// The rules (src/npki/privateKeyInfo.ts): PrivateKeyInfo = SEQUENCE { INTEGER version (one content
// byte, 0 or 1), SEQUENCE privateKeyAlgorithm (an AlgorithmIdentifier), OCTET STRING privateKey,
// optional [0] attributes, optional [1] publicKey (tag 0x81, version 1 only) } and nothing else;
// every attribute SEQUENCE { OBJECT IDENTIFIER (minimal), SET { values } } and nothing else. A file
// cut short is TruncatedFileError, any other departure MalformedFileError; readRandomNum also
// refuses a duplicate or malformed randomNum, which withoutAttributes and withRandomNum drop.

const plain = readYessign('plainSignPri.der');
const bare = withoutAttributes(plain);
const randomNumOid = derOid(oid.randomNum);

/** The randomNum attribute withRandomNum writes for R. */
const randomNumAttribute = (r: Uint8Array): Buffer =>
  tlv(0x30, randomNumOid, tlv(0x31, tlv(0x03, Buffer.from([0]), r)));

/** DER SET OF order: ascending encodings (X.690 §11.6). */
const derOrder = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);

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

/** The attributes one by one (only once src has checked them as DER TLVs). */
const attributesOf = (attributes: Buffer | undefined): Buffer[] =>
  attributes === undefined ? [] : children(bodyOf(attributes));

const isRandomNum = (attribute: Buffer): boolean =>
  bodyOf(attribute).subarray(0, randomNumOid.length).equals(randomNumOid);

/**
 * What readRandomNum must make of the attributes of a PrivateKeyInfo the others accept: R when
 * there is exactly one randomNum and its SET holds exactly `BIT STRING 00 R` with R of 1 to
 * maxRandomNumBytes bytes; undefined without one; 'malformed' for anything else.
 */
function randomNumOf(attributes: readonly Buffer[]): { r: Buffer | undefined } | 'malformed' {
  const [attribute, ...duplicates] = attributes.filter(isRandomNum);
  if (attribute === undefined) return { r: undefined };
  if (duplicates.length > 0) return 'malformed';
  const [, set = Buffer.alloc(0)] = children(bodyOf(attribute));
  const [value, ...others] = children(bodyOf(set));
  if (value?.[0] !== 0x03 || others.length > 0) return 'malformed';
  const content = bodyOf(value);
  const r = content.subarray(1);
  return content[0] === 0 && r.length >= 1 && r.length <= maxRandomNumBytes ? { r } : 'malformed';
}

/** readRandomNum, withoutAttributes and withRandomNum all refuse `pki` with `error`. */
function expectRefused(
  pki: Uint8Array,
  error: ErrorClass<KioskError>,
  r: Uint8Array = Buffer.alloc(20, 1),
): void {
  for (const run of [
    () => readRandomNum(pki),
    () => withoutAttributes(pki),
    () => withRandomNum(pki, r),
  ]) {
    const outcome = outcomeOf(run);
    expect('error' in outcome && outcome.error).toBeInstanceOf(error);
  }
}

/** readRandomNum, withoutAttributes and withRandomNum all refuse `pki` with MalformedFileError. */
const expectMalformed = (pki: Uint8Array, r?: Uint8Array): void => {
  expectRefused(pki, MalformedFileError, r);
};

/**
 * All three functions on one input: each returns or throws a KioskError; what withoutAttributes
 * refuses the other two refuse with the same error; what it accepts has the structure the rules
 * allow, withRandomNum accepts too, and readRandomNum accepts unless its randomNum is duplicated
 * or malformed. What they write is checked byte for byte: version, algorithm, key, the [1]
 * publicKey and the other attributes as in the input, the attributes in DER SET OF order. Returns
 * what readRandomNum and withRandomNum gave.
 */
function checkPrivateKeyInfo(
  pki: Uint8Array,
  r: Uint8Array,
): { read: Outcome<Buffer | undefined>; written: Outcome<Buffer> } {
  const read = outcomeOf(() => readRandomNum(pki));
  const stripped = outcomeOf(() => withoutAttributes(pki));
  const written = outcomeOf(() => withRandomNum(pki, r));
  if ('error' in stripped) {
    // All three parse the PrivateKeyInfo first: what one refuses, all refuse the same way.
    for (const other of [read, written]) {
      expect('error' in other && other.error.constructor).toBe(stripped.error.constructor);
      expect('error' in other && other.error.message).toBe(stripped.error.message);
    }
    return { read, written };
  }

  // Accepted: version, algorithm, key; [0] attributes, each SEQUENCE { OID, SET }; [1] in v1 only.
  const input = split(pki);
  expect(input.head.map((part) => part[0])).toEqual([0x02, 0x30, 0x04]);
  const [version = Buffer.alloc(0)] = input.head;
  expect([[0], [1]]).toContainEqual([...bodyOf(version)]);
  expect(input.tail.map((part) => part[0])).toEqual(
    input.tail.length === 1 && bodyOf(version)[0] === 1 ? [0x81] : [],
  );
  const attributes = attributesOf(input.attributes);
  for (const attribute of attributes) {
    expect([attribute[0], ...children(bodyOf(attribute)).map((part) => part[0])]).toEqual([
      0x30, 0x06, 0x31,
    ]);
  }

  const out = stripped.value;
  expect(out.equals(tlv(0x30, ...input.head, ...input.tail))).toBe(true);
  expect(readRandomNum(out)).toBeUndefined();
  expect(withoutAttributes(out).equals(out)).toBe(true);

  // readRandomNum refuses only what the others accept: a duplicate or malformed randomNum.
  const expected = randomNumOf(attributes);
  if (expected === 'malformed') {
    expect('error' in read && read.error).toBeInstanceOf(MalformedFileError);
  } else {
    expect('value' in read).toBe(true);
    if ('value' in read) {
      expect(read.value === undefined ? undefined : read.value.toString('hex')).toBe(
        expected.r?.toString('hex'),
      );
    }
  }

  // withRandomNum drops any randomNum (unchecked beyond the attribute rules), keeps the other
  // attributes byte for byte, and writes them in DER SET OF order (ascending encodings, X.690
  // §11.6).
  expect('value' in written).toBe(true);
  if ('value' in written) {
    const others = attributes.filter((attribute) => !isRandomNum(attribute));
    const attributesTlv = tlv(0xa0, ...[...others, randomNumAttribute(r)].sort(derOrder));
    expect(written.value.equals(tlv(0x30, ...input.head, attributesTlv, ...input.tail))).toBe(true);
    expect(readRandomNum(written.value)?.equals(r)).toBe(true);
    expect(withoutAttributes(written.value).equals(out)).toBe(true);
    expect(withRandomNum(written.value, r).equals(written.value)).toBe(true);
  }
  return { read, written };
}

/** version, privateKeyAlgorithm, privateKey of the fixture (no attributes). */
const [
  bareVersion = Buffer.alloc(0),
  bareAlgorithm = Buffer.alloc(0),
  barePrivateKey = Buffer.alloc(0),
] = children(bodyOf(bare));

/** A generated TLV and whether the rules accept it where it is put. */
interface Part {
  readonly der: Buffer;
  readonly ok: boolean;
}

/** The version: mostly INTEGER 0 or 1, sometimes any content (huge, negative, empty) or tag. */
const versionPart = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constantFrom(0, 1).map((v) => ({ der: tlv(0x02, Buffer.from([v])), version: v })),
  },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => ({
      der: tlv(0x02, b),
      version: b.length === 1 && (b[0] === 0 || b[0] === 1) ? b[0] : undefined,
    })),
  },
  fc.constant({ der: tlv(0x04, Buffer.from([0])), version: undefined }),
);
const algorithmPart: fc.Arbitrary<Part> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.constantFrom(
      { der: bareAlgorithm, ok: true },
      // Parameters asn1-schema cannot re-encode: kept byte for byte all the same.
      { der: tlv(0x30, derOid(oid.rsaEncryption), Buffer.from([0x17, 0x00])), ok: true },
    ),
  },
  fc.constantFrom(
    { der: tlv(0x31, bodyOf(bareAlgorithm)), ok: false },
    { der: tlv(0x30, Buffer.from([0x05, 0x00])), ok: false },
    { der: Buffer.from([0x05, 0x00]), ok: false },
  ),
);
const privateKeyPart: fc.Arbitrary<Part> = fc.oneof(
  { weight: 16, arbitrary: fc.constant({ der: barePrivateKey, ok: true }) },
  fc.constantFrom(
    { der: tlv(0x03, Buffer.from([0]), bodyOf(barePrivateKey)), ok: false },
    { der: Buffer.from([0x05, 0x00]), ok: false },
  ),
);

/** A value in an attribute's SET: mostly `BIT STRING 00 R`, sometimes anything. */
const attributeValue: fc.Arbitrary<Part> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: maxRandomNumBytes })
      .map((r) => ({ der: tlv(0x03, Buffer.from([0]), r), ok: true })),
  },
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 100 }))
    .map(([unused, bytes]) => ({ der: tlv(0x03, Buffer.from([unused]), bytes), ok: true })),
  fc.constant({ der: Buffer.from([0x03, 0x00]), ok: true }),
  fc
    .tuple(fc.constantFrom(0x00, 0x04, 0x16, 0x80), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, bytes]) => ({ der: tlv(tag, bytes), ok: true })),
  // Any single byte as the tag: the multi-byte form (low five bits set) is not accepted.
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, bytes]) => ({ der: tlv(tag, bytes), ok: (tag & 0x1f) !== 0x1f })),
  // A declared length beyond 64 KiB.
  fc.constant({ der: Buffer.from([0x04, 0x83, 0x01, 0x00, 0x01]), ok: false }),
);

const attributeType = fc.constantFrom(
  oid.randomNum,
  oid.randomNum,
  '1.2.840.113549.1.9.14',
  '1.2.3',
);

/** One generated attribute: its type, the values of its SET, and whether it is well formed. */
interface AttributeModel {
  readonly type: string;
  readonly values: readonly Buffer[];
  /** One or more TLVs: the malformed shapes need not be one. */
  readonly der: Buffer;
  readonly ok: boolean;
}

const wellFormedAttribute: fc.Arbitrary<AttributeModel> = fc
  .record({
    type: attributeType,
    values: fc.oneof(
      { weight: 3, arbitrary: attributeValue.map((v) => [v]) },
      fc.array(attributeValue, { maxLength: 3 }),
    ),
  })
  .map(({ type, values }) => ({
    type,
    values: values.map((v) => v.der),
    der: tlv(0x30, derOid(type), tlv(0x31, ...values.map((v) => v.der))),
    ok: values.every((v) => v.ok),
  }));

/** The shapes an attribute must not have, from its OID content and its (well-formed) values. */
const malformedShapes: readonly ((oidContent: Buffer, values: readonly Buffer[]) => Buffer)[] = [
  (o, v) => tlv(0x31, tlv(0x06, o), tlv(0x31, ...v)), // a SET, not a SEQUENCE
  (o, v) => tlv(0x04, tlv(0x06, o), tlv(0x31, ...v)), // not constructed at all
  (_, v) => tlv(0x30, Buffer.from([0x02, 0x01, 0x01]), tlv(0x31, ...v)), // type not an OID
  (_, v) => tlv(0x30, tlv(0x06), tlv(0x31, ...v)), // empty OID
  (o, v) => tlv(0x30, tlv(0x06, o, Buffer.from([0x81])), tlv(0x31, ...v)), // OID cut short
  (o, v) => tlv(0x30, tlv(0x06, Buffer.from([0x80]), o), tlv(0x31, ...v)), // non-minimal first arc
  // a non-minimal second arc
  (o, v) =>
    tlv(0x30, tlv(0x06, o.subarray(0, 1), Buffer.from([0x80]), o.subarray(1)), tlv(0x31, ...v)),
  (o, v) => tlv(0x30, tlv(0x06, o), tlv(0x30, ...v)), // values not a SET
  (o) => tlv(0x30, tlv(0x06, o)), // no SET
  (o, v) => tlv(0x30, tlv(0x06, o), tlv(0x31, ...v), Buffer.from([0x05, 0x00])), // an extra element
  (o, v) => tlv(0x30, tlv(0x06, o), tlv(0x31), ...v), // SET length short of its values
  // SEQUENCE length short of its SET
  (o, v) => Buffer.concat([tlv(0x30, tlv(0x06, o)), tlv(0x31, ...v)]),
];
const malformedAttribute: fc.Arbitrary<AttributeModel> = fc
  .record({
    type: attributeType,
    values: fc.array(
      attributeValue.filter((v) => v.ok),
      { minLength: 1, maxLength: 2 },
    ),
    shape: fc.constantFrom(...malformedShapes),
  })
  .map(({ type, values, shape }) => ({
    type,
    values: values.map((v) => v.der),
    der: shape(
      bodyOf(derOid(type)),
      values.map((v) => v.der),
    ),
    ok: false,
  }));
const attribute = fc.oneof(
  { weight: 20, arbitrary: wellFormedAttribute },
  { weight: 1, arbitrary: malformedAttribute },
);

/** A top-level element after the privateKey: its tag, whether it is a TLV, any attributes. */
interface ElementModel {
  readonly der: Buffer;
  readonly tag: number;
  readonly ok: boolean;
  readonly attributes: readonly AttributeModel[];
}
const attributesElement = (attributes: readonly AttributeModel[]): ElementModel => ({
  der: tlv(0xa0, ...attributes.map((a) => a.der)),
  tag: 0xa0,
  ok: true,
  attributes,
});
const element = (der: Buffer, ok = true): ElementModel => ({
  der,
  tag: der[0] ?? 0,
  ok,
  attributes: [],
});
/** What may be misplaced among the optional elements. */
const strayElement = fc.constantFrom(
  element(tlv(0x30, Buffer.from([0x02, 0x01, 0x00]))), // a stray SEQUENCE
  element(tlv(0x81, Buffer.from([0x00, 0xab]))), // a [1] publicKey (a second one, or misplaced)
  element(tlv(0xa1, Buffer.from([0x03, 0x01, 0x00]))), // [1] constructed
  attributesElement([]), // a [0] (a second one, or misplaced)
  element(tlv(0x04, Buffer.from([0x01]))),
  element(Buffer.from([0x04, 0x83, 0x01, 0x00, 0x01]), false), // a declared length beyond 64 KiB
);

/** What the rules make of a generated PrivateKeyInfo. */
type Expected =
  | { readonly kind: 'truncated' }
  | { readonly kind: 'malformed' }
  | {
      readonly kind: 'accepted';
      readonly head: readonly Buffer[];
      readonly attributes: readonly AttributeModel[];
      readonly publicKey: Buffer | undefined;
      /** What readRandomNum gives: R, undefined, or 'malformed'. */
      readonly read: Buffer | undefined | 'malformed';
    };

/** What readRandomNum must make of well-formed attributes, from how they were generated. */
function readOf(attributes: readonly AttributeModel[]): Buffer | undefined | 'malformed' {
  const [randomNum, ...duplicates] = attributes.filter((a) => a.type === oid.randomNum);
  if (randomNum === undefined) return undefined;
  if (duplicates.length > 0) return 'malformed';
  const [value, ...more] = randomNum.values;
  if (value?.[0] !== 0x03 || more.length > 0) return 'malformed';
  const [unusedBits, ...r] = bodyOf(value);
  return unusedBits === 0 && r.length >= 1 && r.length <= maxRandomNumBytes
    ? Buffer.from(r)
    : 'malformed';
}

/**
 * A PrivateKeyInfo around the fixture's key: a random version, algorithm and key (mostly right),
 * random attributes (mostly well formed), sometimes an RFC 5958 `[1] publicKey` after them,
 * sometimes a misplaced element anywhere among these, and sometimes cut short; with what the
 * rules make of it, worked out from how it was made.
 */
const structuredPrivateKeyInfo = fc
  .record({
    version: versionPart,
    algorithm: algorithmPart,
    privateKey: privateKeyPart,
    attributes: fc.option(fc.array(attribute, { maxLength: 3 })),
    publicKey: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    ),
    stray: fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      fc.record({ element: strayElement, at: fc.nat() }),
    ),
    cut: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, fc.nat()),
  })
  .map(({ version, algorithm, privateKey, attributes, publicKey, stray, cut }) => {
    const elements: ElementModel[] = [
      ...(attributes === null ? [] : [attributesElement(attributes)]),
      ...(publicKey === null ? [] : [element(tlv(0x81, Buffer.from([0]), publicKey))]),
    ];
    if (stray !== null) elements.splice(stray.at % (elements.length + 1), 0, stray.element);
    const head = [version.der, algorithm.der, privateKey.der];
    const whole = tlv(0x30, ...head, ...elements.map((e) => e.der));
    const der = cut === null ? whole : whole.subarray(0, cut % whole.length);

    const expected = ((): Expected => {
      if (cut !== null) return { kind: 'truncated' };
      // The order the rules allow: [0] attributes, then [1] publicKey in version 1, then nothing.
      const rest = [...elements];
      const attributesTlv = rest[0]?.tag === 0xa0 ? rest.shift() : undefined;
      const publicKeyTlv =
        rest[0]?.tag === 0x81 && version.version === 1 ? rest.shift() : undefined;
      const found = attributesTlv?.attributes ?? [];
      const accepted =
        elements.every((e) => e.ok) &&
        version.version !== undefined &&
        algorithm.ok &&
        privateKey.ok &&
        rest.length === 0 &&
        found.every((a) => a.ok);
      return accepted
        ? {
            kind: 'accepted',
            head,
            attributes: found,
            publicKey: publicKeyTlv?.der,
            read: readOf(found),
          }
        : { kind: 'malformed' };
    })();
    return { der, expected };
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
    'random versions, attributes and [1] tails: accepted or refused as the rules say, byte-exact',
    () => {
      const seen = { truncated: 0, malformed: 0, withR: 0, readRefused: 0, publicKey: 0 };
      fc.assert(
        fc.property(structuredPrivateKeyInfo, randomR, ({ der, expected }, r) => {
          checkPrivateKeyInfo(der, r);
          if (expected.kind === 'truncated') {
            expectRefused(der, TruncatedFileError, r);
            seen.truncated++;
            return;
          }
          if (expected.kind === 'malformed') {
            expectMalformed(der, r);
            seen.malformed++;
            return;
          }
          const { head, attributes, publicKey, read } = expected;
          const tail = publicKey === undefined ? [] : [publicKey];
          expect(withoutAttributes(der).equals(tlv(0x30, ...head, ...tail))).toBe(true);
          const kept = attributes.filter((a) => a.type !== oid.randomNum).map((a) => a.der);
          const attributesTlv = tlv(0xa0, ...[...kept, randomNumAttribute(r)].sort(derOrder));
          expect(withRandomNum(der, r).equals(tlv(0x30, ...head, attributesTlv, ...tail))).toBe(
            true,
          );
          const outcome = outcomeOf(() => readRandomNum(der));
          if (read === 'malformed') {
            expect('error' in outcome && outcome.error).toBeInstanceOf(MalformedFileError);
            seen.readRefused++;
          } else {
            expect('value' in outcome && outcome.value?.toString('hex')).toBe(
              read?.toString('hex'),
            );
            if (read !== undefined) seen.withR++;
          }
          if (publicKey !== undefined) seen.publicKey++;
        }),
        { numRuns: 300 },
      );
      // Each outcome is reached often enough to be checked.
      for (const count of Object.values(seen)) expect(count).toBeGreaterThan(5);
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

describe('regressions: strict PrivateKeyInfo', () => {
  const v1 = Buffer.from([0x02, 0x01, 0x01]);
  const [fixtureRandomNum = Buffer.alloc(0)] = attributesOf(split(plain).attributes);
  const publicKey = Buffer.from('810300abcd', 'hex');
  /** The fixture's key with this version and these elements after it. */
  const privateKeyInfo = (version: Buffer, ...rest: Buffer[]): Buffer =>
    tlv(0x30, version, bareAlgorithm, barePrivateKey, ...rest);
  const r = Buffer.alloc(20, 1);

  // Once written by withoutAttributes where the attributes were, where it no longer parsed.
  it(
    'a v1 key with a [1] publicKey after its attributes: withoutAttributes keeps the [1], and its output reads again',
    () => {
      const pki = privateKeyInfo(v1, tlv(0xa0, fixtureRandomNum), publicKey);
      expect(readRandomNum(pki)?.toString('hex')).toBe(yessignR);
      const out = withoutAttributes(pki);
      expect(out.equals(privateKeyInfo(v1, publicKey))).toBe(true);
      expect(outcomeOf(() => readRandomNum(out))).toEqual({ value: undefined });
      expect(withoutAttributes(out).equals(out)).toBe(true);
      const written = withRandomNum(pki, r);
      expect(written.equals(privateKeyInfo(v1, tlv(0xa0, randomNumAttribute(r)), publicKey))).toBe(
        true,
      );
      checkPrivateKeyInfo(pki, r);
    },
    timeout,
  );

  // Once accepted unchecked after the attributes (and readRandomNum returned R).
  it.each([
    [
      'a stray SEQUENCE after the attributes',
      bareVersion,
      tlv(0xa0, fixtureRandomNum),
      Buffer.from('3003020100', 'hex'),
    ],
    ['a [1] publicKey in a version 0 key', bareVersion, tlv(0xa0, fixtureRandomNum), publicKey],
    ['a [1] publicKey before the attributes', v1, publicKey, tlv(0xa0, fixtureRandomNum)],
    ['a second [1] publicKey', v1, publicKey, publicKey],
    ['a second [0]', bareVersion, tlv(0xa0, fixtureRandomNum), tlv(0xa0)],
    ['a constructed [1]', v1, tlv(0xa0, fixtureRandomNum), tlv(0xa1, Buffer.from('030100', 'hex'))],
  ])(
    'a key with %s is refused with MalformedFileError by all three',
    (_, version, ...rest) => {
      expectMalformed(privateKeyInfo(version, ...rest), r);
    },
    timeout,
  );

  // Once read by asn1-schema inside the attributes, which readRandomNum and withoutAttributes
  // went by while withRandomNum refused.
  it.each([
    [
      'the randomNum SEQUENCE length is short of its content',
      mutate(plain, [{ at: plain.indexOf(Buffer.from('a0273025', 'hex')) + 3, xor: 0x25 ^ 0x1c }]),
    ],
    [
      'the randomNum SET length is short of its value',
      privateKeyInfo(
        bareVersion,
        tlv(0xa0, tlv(0x30, randomNumOid, tlv(0x31), tlv(0x03, Buffer.from([0]), r))),
      ),
    ],
    [
      'another attribute SEQUENCE length is short of its SET',
      privateKeyInfo(
        bareVersion,
        tlv(
          0xa0,
          tlv(0x30, derOid('1.2.3')),
          tlv(0x31, Buffer.from('0400', 'hex')),
          fixtureRandomNum,
        ),
      ),
    ],
    [
      'a value in another attribute declares more than 64 KiB',
      privateKeyInfo(
        bareVersion,
        tlv(
          0xa0,
          tlv(0x30, derOid('1.2.3'), tlv(0x31, Buffer.from('0483010001', 'hex'))),
          fixtureRandomNum,
        ),
      ),
    ],
  ])(
    'attribute lengths that disagree are refused with MalformedFileError by all three: %s',
    (_, pki) => {
      expectMalformed(pki, r);
    },
    timeout,
  );

  // Once taken by asn1-schema as swallowing the randomNum attribute after it, so that readRandomNum
  // returned undefined while withRandomNum refused. As DER, a value tagged 00 is a TLV like any
  // other: all three accept the key and agree on its R.
  it(
    'another attribute holding a value tagged 00 hides nothing: all three agree',
    () => {
      const other = tlv(0x30, derOid('1.2.3'), tlv(0x31, Buffer.from('0007321b0000000000', 'hex')));
      const randomNum = tlv(0x30, randomNumOid, tlv(0x31, Buffer.from('030400000000', 'hex')));
      const pki = privateKeyInfo(bareVersion, tlv(0xa0, other, randomNum));
      expect(readRandomNum(pki)?.toString('hex')).toBe('000000');
      expect(withoutAttributes(pki).equals(bare)).toBe(true);
      expect(
        withRandomNum(pki, r).equals(
          privateKeyInfo(bareVersion, tlv(0xa0, other, randomNumAttribute(r))),
        ),
      ).toBe(true);
      checkPrivateKeyInfo(pki, r);
    },
    timeout,
  );

  it.each([
    ['more than one randomNum', tlv(0xa0, fixtureRandomNum, fixtureRandomNum)],
    [
      'a randomNum with two values',
      tlv(0xa0, tlv(0x30, randomNumOid, tlv(0x31, Buffer.from('0302000103020002', 'hex')))),
    ],
    [
      'a randomNum of 65 bytes',
      tlv(0xa0, tlv(0x30, randomNumOid, tlv(0x31, tlv(0x03, Buffer.alloc(66))))),
    ],
  ])(
    'a key with %s: readRandomNum refuses it with MalformedFileError, the others drop it',
    (_, attributes) => {
      const pki = privateKeyInfo(bareVersion, attributes);
      const read = outcomeOf(() => readRandomNum(pki));
      expect('error' in read && read.error).toBeInstanceOf(MalformedFileError);
      expect(withoutAttributes(pki).equals(bare)).toBe(true);
      expect(withRandomNum(pki, r).equals(withRandomNum(bare, r))).toBe(true);
      checkPrivateKeyInfo(pki, r);
    },
    timeout,
  );

  it('a PrivateKeyInfo declaring more than 64 KiB is refused with MalformedFileError', () => {
    expectMalformed(Buffer.concat([Buffer.from('3083010001', 'hex'), bodyOf(bare)]), r);
  });
});

describe('regressions: strict DER lengths', () => {
  const r = Buffer.alloc(20, 1);
  const other = tlv(0x30, derOid('1.2.3'), tlv(0x31));

  // DER requires the shortest length form (X.690 §10.1): a long form below 128 or a leading zero
  // length byte is BER, and would be copied into what withoutAttributes and withRandomNum write.
  it.each([
    ['[0] of 81 08', Buffer.concat([Buffer.from([0xa0, 0x81, other.length]), other])],
    ['[0] of 82 00 08', Buffer.concat([Buffer.from([0xa0, 0x82, 0x00, other.length]), other])],
    ['version of 81 01', undefined],
  ])(
    'a non-minimal length (%s) is refused with MalformedFileError by all three',
    (_, attributes) => {
      const pki =
        attributes === undefined
          ? tlv(0x30, Buffer.from('02810100', 'hex'), bareAlgorithm, barePrivateKey)
          : tlv(0x30, bareVersion, bareAlgorithm, barePrivateKey, attributes);
      expectMalformed(pki, r);
    },
    timeout,
  );

  // The file is whole; its lengths disagree: malformed, not cut short (the visitor would be told
  // the wrong thing).
  it(
    'an attribute whose length runs past its [0] in a whole file is refused with MalformedFileError',
    () => {
      const at = plain.indexOf(Buffer.from('a0273025', 'hex')) + 3;
      expectMalformed(mutate(plain, [{ at, xor: 0x25 ^ 0x26 }]), r);
    },
    timeout,
  );
});
