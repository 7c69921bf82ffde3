import fc from 'fast-check';
import { expect, it } from 'vitest';
import { KioskError, MalformedFileError, TruncatedFileError } from '../../src/errors/index.js';
import { maxRandomNumBytes } from '../../src/npki/randomNum.js';

// Helpers shared by the property tests in test/unit/properties/ (fast-check).

/**
 * Timeout of each property `it`: far above what a run takes, so that it only ever fires on a hang
 * (DESIGN §8: every parser of outside bytes is bounded).
 */
export const propertyTimeout = 60_000;

// --- outcomes ---

/** What running a parser on one input gave: a value, or an error of the documented type. */
export type Outcome<T, E = KioskError> = { readonly value: T } | { readonly error: E };

/** A class of error a parser documents, e.g. KioskError or ConfigError. */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

/**
 * Runs `parse`: a value, or an instance of `expected` (KioskError unless given), is an accepted
 * outcome and is returned; anything else thrown fails the test, naming what was thrown.
 */
export function outcomeOf<T>(parse: () => T): Outcome<T>;
export function outcomeOf<T, E>(parse: () => T, expected: ErrorClass<E>): Outcome<T, E>;
export function outcomeOf<T, E>(
  parse: () => T,
  expected: ErrorClass<E | KioskError> = KioskError,
): Outcome<T, E | KioskError> {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof expected) return { error };
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`expected a ${expected.name}, got ${what}`, { cause: error });
  }
}

/**
 * Registers the two properties every parser of outside bytes gets on arbitrary input: `check` on
 * arbitrary bytes, and on arbitrary bytes inside a correct outer SEQUENCE header (which gets them
 * past the first length check). `check` fails the test on any outcome it does not accept; `extra`
 * draws a second argument for it (a password, an R).
 */
export function itChecksArbitraryBytes(what: string, check: (bytes: Buffer) => unknown): void;
export function itChecksArbitraryBytes<A>(
  what: string,
  check: (bytes: Buffer, extra: A) => unknown,
  extra: fc.Arbitrary<A>,
): void;
export function itChecksArbitraryBytes(
  what: string,
  check: (bytes: Buffer, extra: unknown) => unknown,
  extra: fc.Arbitrary<unknown> = fc.constant(undefined),
): void {
  const cases = [
    { name: 'arbitrary bytes', bytes: (b: Uint8Array) => Buffer.from(b) },
    {
      name: 'arbitrary bytes inside a correct outer SEQUENCE header',
      bytes: (b: Uint8Array) => tlv(0x30, b),
    },
  ];
  for (const { name, bytes } of cases) {
    it(
      `${name}: ${what}`,
      () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 4000 }), extra, (b, e) => {
            check(bytes(b), e);
          }),
          { numRuns: 200 },
        );
      },
      propertyTimeout,
    );
  }
}

/**
 * Checks that every proper prefix of the DER file `der` is refused by `run` with
 * TruncatedFileError giving the prefix's length as `actualBytes` and, once the outer header is
 * complete, the whole file's length as `expectedBytes`.
 */
export function expectTruncatedAtEveryProperPrefix(
  der: Buffer,
  run: (prefix: Buffer) => Outcome<unknown>,
): void {
  const { headerBytes } = header(der);
  for (let n = 0; n < der.length; n++) {
    const outcome = run(der.subarray(0, n));
    expect('error' in outcome && outcome.error).toBeInstanceOf(TruncatedFileError);
    expect(outcome).toMatchObject({ error: { actualBytes: n } });
    if (n >= headerBytes) expect(outcome).toMatchObject({ error: { expectedBytes: der.length } });
  }
}

/**
 * Checks that 1–64 bytes inserted anywhere into the DER file `der` make `run` refuse it with a
 * KioskError, and with MalformedFileError (a surplus after the structure) once past the outer
 * header.
 */
export function expectInsertionsRefused(
  der: Buffer,
  run: (file: Buffer) => Outcome<unknown>,
): void {
  const { headerBytes } = header(der);
  fc.assert(
    fc.property(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }), (at, extra) => {
      const outcome = run(insert(der, at, extra));
      expect('error' in outcome).toBe(true);
      if (at % (der.length + 1) >= headerBytes) {
        expect('error' in outcome && outcome.error).toBeInstanceOf(MalformedFileError);
      }
    }),
    { numRuns: 200 },
  );
}

// --- byte mutations ---

/** One edit of `mutate`: flip the bits `xor` (never 0) of the byte at `at` (modulo the length). */
export interface ByteEdit {
  readonly at: number;
  readonly xor: number;
}

/** 1–8 edits, each flipping at least one bit of one byte. */
export const mutations: fc.Arbitrary<ByteEdit[]> = fc.array(
  fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  { minLength: 1, maxLength: 8 },
);

/** A copy of `bytes` (not empty) with the edits applied. */
export function mutate(bytes: Uint8Array, edits: readonly ByteEdit[]): Buffer {
  const out = Buffer.from(bytes);
  for (const { at, xor } of edits) {
    const i = at % out.length;
    out[i] = (out[i] ?? 0) ^ xor;
  }
  return out;
}

/** A copy of `bytes` with `extra` inserted at `at` (modulo the length + 1: the end included). */
export function insert(bytes: Uint8Array, at: number, extra: Uint8Array): Buffer {
  const i = at % (bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, i), extra, bytes.subarray(i)]);
}

// --- values ---

/** An R as the randomNum attribute holds it and the VID hashes it: 1 to maxRandomNumBytes bytes. */
export const randomR: fc.Arbitrary<Buffer> = fc
  .uint8Array({ minLength: 1, maxLength: maxRandomNumBytes })
  .map((r) => Buffer.from(r));

// --- DER by hand: independent of the ASN.1 library under test ---

/** A DER length: short form below 128, long form from 128. */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with a single-byte tag whose content is `parts`, concatenated. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function base128(n: number): number[] {
  const out = [n & 0x7f];
  for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) {
    out.unshift((rest & 0x7f) | 0x80);
  }
  return out;
}

/** An OBJECT IDENTIFIER TLV from its dotted form. */
export function derOid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  return tlv(0x06, Buffer.from([first * 40 + second, ...rest].flatMap(base128)));
}

/** Header length and content length of the well-formed, definite-length TLV at `der[0]`. */
export function header(der: Buffer): { headerBytes: number; bodyBytes: number } {
  const first = der[1] ?? 0;
  if (first < 0x80) return { headerBytes: 2, bodyBytes: first };
  const count = first & 0x7f;
  return { headerBytes: 2 + count, bodyBytes: der.readUIntBE(2, count) };
}

/** The content of the well-formed TLV at `der[0]`. */
export function bodyOf(der: Buffer): Buffer {
  const { headerBytes, bodyBytes } = header(der);
  return der.subarray(headerBytes, headerBytes + bodyBytes);
}

/** The consecutive well-formed TLVs making up a constructed value's content. */
export function children(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const { headerBytes, bodyBytes } = header(body.subarray(at));
    out.push(body.subarray(at, at + headerBytes + bodyBytes));
    at += headerBytes + bodyBytes;
  }
  return out;
}
