import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedFileError, UnsupportedAlgorithmError } from '../../../src/errors/index.js';
import { oid } from '../../../src/npki/asn1/oids.js';
import {
  decryptSignPriKey,
  encryptSignPriKey,
  iterationBounds,
  type DecryptedKeyFile,
  type WritableKeyFileFormat,
} from '../../../src/npki/signPriKey.js';
import { readYessign } from '../../support/fixtures.js';
import {
  derOid,
  expectInsertionsRefused,
  expectTruncatedAtEveryProperPrefix,
  itChecksArbitraryBytes,
  insert,
  mutate,
  mutations,
  outcomeOf,
  propertyTimeout as timeout,
  tlv,
  type Outcome,
} from '../../support/property.js';

// DESIGN §8: every parser of outside bytes rejects malformed input with a typed KioskError and
// never throws anything else. The timeout of each `it` is the guard against a hang.

const password = readYessign('password.txt');
const fixtureKey = readYessign('signPri.key');
const plain = readYessign('plainSignPri.der');
const formats: readonly WritableKeyFileFormat[] = ['pbes2', 'seedCbcWithSha1'];
const writtenKeys = new Map(
  formats.map((format) => [
    format,
    encryptSignPriKey(plain, password, { format, iterations: 2048 }),
  ]),
);

/** Decrypts and checks the outcome: a well-formed result or a KioskError. */
function decryptOutcome(file: Uint8Array, pass: Uint8Array): Outcome<DecryptedKeyFile> {
  const outcome = outcomeOf(() => decryptSignPriKey(file, pass));
  if ('value' in outcome) {
    const { format, iterations, privateKeyInfo } = outcome.value;
    expect(Buffer.isBuffer(privateKeyInfo)).toBe(true);
    expect(['seedCbcWithSha1', 'seedCbcFixedIv', 'pbes2']).toContain(format);
    expect(Number.isInteger(iterations)).toBe(true);
    expect(iterations).toBeGreaterThanOrEqual(iterationBounds.min);
    expect(iterations).toBeLessThanOrEqual(iterationBounds.max);
  }
  return outcome;
}

// --- DER by hand, for structure-aware inputs that get past the outer parse ---

/** Minimal two's-complement INTEGER. */
function derInteger(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (!(rest === 0 && (bytes[0] ?? 0) < 0x80) && !(rest === -1 && (bytes[0] ?? 0) >= 0x80));
  return tlv(0x02, Buffer.from(bytes));
}

const sequence = (...parts: readonly Uint8Array[]): Buffer => tlv(0x30, ...parts);
const octets = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);

const randomOid = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.nat(), { maxLength: 6 }),
  )
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));
const oidFrom = (...known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: randomOid },
  );

/** Mostly cheap iteration counts; rarely raw INTEGER bytes (which may be huge, negative or 0). */
const iterationCount = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: -3, max: 3000 }).map(derInteger) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 6 }).map((b) => tlv(0x02, b)) },
);
const salt = fc.uint8Array({ maxLength: 24 });
/** Any DER-ish value: a random TLV, NULL, or nothing. */
const junkParams = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.constant(Buffer.from([0x05, 0x00])),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }))
    .map(([t, b]) => tlv(t, b)),
);
const algorithmId = (
  algorithm: fc.Arbitrary<string>,
  params: fc.Arbitrary<Buffer>,
): fc.Arbitrary<Buffer> => fc.tuple(algorithm, params).map(([a, p]) => sequence(derOid(a), p));

const saltAndIterations = fc.tuple(salt, iterationCount).map(([s, i]) => sequence(octets(s), i));
const pbkdf2Params = fc
  .record({
    salt,
    iterations: iterationCount,
    keyLength: fc.option(
      fc.oneof(fc.constant(16), fc.integer({ min: -1, max: 40 })).map(derInteger),
      { freq: 2 },
    ),
    prf: fc.option(
      algorithmId(
        oidFrom(oid.hmacWithSha1, oid.hmacWithSha256, oid.hmacWithSha512, oid.hmacWithSha224),
        junkParams,
      ),
    ),
  })
  .map(({ salt: s, iterations, keyLength, prf }) =>
    sequence(octets(s), iterations, keyLength ?? Buffer.alloc(0), prf ?? Buffer.alloc(0)),
  );
const seedIv = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) },
);
const pbes2Params = fc
  .tuple(
    algorithmId(oidFrom(oid.pbkdf2), fc.oneof({ weight: 4, arbitrary: pbkdf2Params }, junkParams)),
    algorithmId(
      oidFrom(oid.seedCbc),
      fc.oneof({ weight: 4, arbitrary: seedIv.map(octets) }, junkParams),
    ),
  )
  .map(([kdf, scheme]) => sequence(kdf, scheme));
const ciphertext = fc.oneof(
  fc
    .integer({ min: 1, max: 6 })
    .chain((blocks) => fc.uint8Array({ minLength: 16 * blocks, maxLength: 16 * blocks })),
  fc.uint8Array({ maxLength: 100 }),
);
/**
 * An EncryptedPrivateKeyInfo with random choices along the paths the decryptor takes: mostly the
 * parameters that go with the algorithm, sometimes any parameters with any algorithm.
 */
const structuredKeyFile = fc
  .tuple(
    fc.oneof(
      algorithmId(oidFrom(oid.seedCbcWithSha1, oid.seedCbc), saltAndIterations),
      { weight: 2, arbitrary: algorithmId(oidFrom(oid.pbes2), pbes2Params) },
      algorithmId(
        oidFrom(oid.seedCbcWithSha1, oid.seedCbc, oid.pbes2),
        fc.oneof(saltAndIterations, pbes2Params, junkParams),
      ),
    ),
    ciphertext,
  )
  .map(([algorithm, data]) => sequence(algorithm, octets(data)));

describe('decryptSignPriKey on malformed input (properties)', () => {
  itChecksArbitraryBytes(
    'returns or throws a KioskError',
    decryptOutcome,
    fc.uint8Array({ maxLength: 32 }),
  );

  it(
    'structured EncryptedPrivateKeyInfo with random algorithms and parameters: returns or throws a KioskError',
    () => {
      fc.assert(
        fc.property(structuredKeyFile, fc.uint8Array({ maxLength: 32 }), (file, pass) => {
          decryptOutcome(file, pass);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'the yessign fixture with 1–8 bytes changed: returns or throws a KioskError',
    () => {
      expect('value' in decryptOutcome(fixtureKey, password)).toBe(true);
      fc.assert(
        fc.property(mutations, (edits) => {
          decryptOutcome(mutate(fixtureKey, edits), password);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'every proper prefix of the fixture throws TruncatedFileError',
    () => {
      expectTruncatedAtEveryProperPrefix(fixtureKey, (prefix) => decryptOutcome(prefix, password));
    },
    timeout,
  );

  it(
    'random prefixes of a mutated fixture: throw a KioskError',
    () => {
      fc.assert(
        fc.property(mutations, fc.nat(), (edits, cut) => {
          const file = mutate(fixtureKey, edits);
          const outcome = decryptOutcome(file.subarray(0, cut % file.length), password);
          expect('error' in outcome).toBe(true);
        }),
        { numRuns: 200 },
      );
    },
    timeout,
  );

  it(
    'bytes inserted into the fixture: throw a KioskError, MalformedFileError when past the header',
    () => {
      expectInsertionsRefused(fixtureKey, (file) => decryptOutcome(file, password));
    },
    timeout,
  );

  it(
    'bytes appended to the fixture: throw MalformedFileError',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 4096 }), (extra) => {
          const outcome = decryptOutcome(Buffer.concat([fixtureKey, extra]), password);
          expect('error' in outcome && outcome.error).toBeInstanceOf(MalformedFileError);
        }),
        { numRuns: 100 },
      );
    },
    timeout,
  );

  it.each(formats)(
    'a key written as %s, then 1–8 bytes changed: returns or throws a KioskError',
    (format) => {
      const written = writtenKeys.get(format) ?? Buffer.alloc(0);
      const clean = decryptOutcome(written, password);
      expect('value' in clean && clean.value.privateKeyInfo.equals(plain)).toBe(true);
      fc.assert(
        fc.property(mutations, (edits) => {
          decryptOutcome(mutate(written, edits), password);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it.each(formats)(
    'every proper prefix of a key written as %s throws TruncatedFileError',
    (format) => {
      const written = writtenKeys.get(format) ?? Buffer.alloc(0);
      expectTruncatedAtEveryProperPrefix(written, (prefix) => decryptOutcome(prefix, password));
    },
    timeout,
  );

  it.each(formats)(
    'a key written as %s with random password, salt and bytes inserted: throws a KioskError',
    (format) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 16 }),
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          fc.nat(),
          fc.uint8Array({ minLength: 1, maxLength: 32 }),
          (pass, saltBytes, at, extra) => {
            const file = encryptSignPriKey(plain, pass, {
              format,
              iterations: 1024,
              salt: saltBytes,
            });
            const clean = decryptOutcome(file, pass);
            expect('value' in clean && clean.value.privateKeyInfo.equals(plain)).toBe(true);
            expect('error' in decryptOutcome(insert(file, at, extra), pass)).toBe(true);
          },
        ),
        { numRuns: 100 },
      );
    },
    timeout,
  );

  it(
    'iteration counts outside iterationBounds are refused before any key derivation',
    () => {
      const withCount = (count: Buffer): Buffer =>
        sequence(
          sequence(derOid(oid.seedCbcWithSha1), sequence(octets(Buffer.alloc(8)), count)),
          octets(Buffer.alloc(32)),
        );
      fc.assert(
        fc.property(
          fc.oneof(
            fc.integer({ min: iterationBounds.max + 1, max: 0x7fffff }).map(derInteger),
            fc.integer({ min: -0x800000, max: iterationBounds.min - 1 }).map(derInteger),
            fc.uint8Array({ minLength: 4, maxLength: 12 }).map((b) => tlv(0x02, b)),
          ),
          (count) => {
            const started = performance.now();
            const outcome = decryptOutcome(withCount(count), password);
            expect('error' in outcome && outcome.error).toBeInstanceOf(MalformedFileError);
            expect(performance.now() - started).toBeLessThan(500);
          },
        ),
        { numRuns: 200 },
      );
    },
    timeout,
  );

  it(
    'an unknown outer algorithm is refused with UnsupportedAlgorithmError naming it',
    () => {
      const known = new Set<string>([oid.seedCbcWithSha1, oid.seedCbc, oid.pbes2]);
      fc.assert(
        fc.property(
          randomOid.filter((o) => !known.has(o)),
          junkParams,
          ciphertext,
          (algorithm, params, data) => {
            const file = sequence(sequence(derOid(algorithm), params), octets(data));
            const outcome = decryptOutcome(file, password);
            // MalformedFileError when the random parameters do not parse as a DER value.
            const error = 'error' in outcome ? outcome.error : undefined;
            if (error instanceof UnsupportedAlgorithmError) expect(error.oid).toBe(algorithm);
            else expect(error).toBeInstanceOf(MalformedFileError);
          },
        ),
        { numRuns: 200 },
      );
    },
    timeout,
  );
});
