import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeLength,
  encodeTlv,
  readBerTlv,
  readTlv,
  readTlvHeader,
  type DerContext,
  type TlvHeaderResult,
} from '../../../src/shared/der.js';

// src/shared/der.ts holds the project's one tag and length parser (issue 12 item 5): DER for the
// PKI files and messages, the chip's BER for drivers/emrtd. These pin down what each form accepts.

class Truncated extends Error {}
class Malformed extends Error {}
const ctx: DerContext = {
  truncated: (expected, actual) => new Truncated(`${String(expected)}/${String(actual)}`),
  malformed: (detail) => new Malformed(detail),
  maxBytes: 1 << 20,
};

const ok = (tag: number, headerLength: number, valueLength: number): TlvHeaderResult => ({
  ok: true,
  header: { tag, headerLength, valueLength },
});
const cut = (needed: number): TlvHeaderResult => ({ ok: false, truncated: true, needed });
const bad = (problem: string): TlvHeaderResult => ({ ok: false, truncated: false, problem });

describe('readTlvHeader, DER and BER', () => {
  it.each<[string, number[], TlvHeaderResult, TlvHeaderResult]>([
    ['a SEQUENCE', [0x30, 0x03], ok(0x30, 2, 3), ok(0x30, 2, 3)],
    [
      'a two-byte tag (ICAO 9303-10 5F1F)',
      [0x5f, 0x1f, 0x01],
      bad('multi-byte tag 0x5f'),
      ok(0x5f1f, 3, 1),
    ],
    [
      'a four-byte tag',
      [0x5f, 0x81, 0x81, 0x01, 0x00],
      bad('multi-byte tag 0x5f'),
      bad('tag longer than 3 bytes'),
    ],
    ['a long form below 128', [0x30, 0x81, 0x05], bad('non-minimal DER length'), ok(0x30, 3, 5)],
    [
      'a leading zero length byte',
      [0x30, 0x82, 0x00, 0x90],
      bad('non-minimal DER length'),
      ok(0x30, 4, 0x90),
    ],
    ['tag 00', [0x00, 0x00], ok(0, 2, 0), bad('tag byte 00')],
    ['indefinite length', [0x30, 0x80], bad('invalid DER length form 0x80'), bad('length byte 80')],
    [
      'four length bytes',
      [0x30, 0x84, 1, 2, 3, 4],
      bad('invalid DER length form 0x84'),
      bad('length byte 84'),
    ],
    ['nothing', [], cut(2), cut(2)],
    ['a tag alone', [0x30], cut(2), cut(2)],
    ['a long length cut short', [0x30, 0x82, 0x01], cut(4), cut(4)],
    ['a two-byte tag cut short', [0x7f], cut(2), cut(3)],
  ])('%s', (_, bytes, der, ber) => {
    const input = Uint8Array.from(bytes);
    expect(readTlvHeader(input, 0, 'der')).toEqual(der);
    expect(readTlvHeader(input, 0, 'ber')).toEqual(ber);
  });

  it('never throws, and what DER reads BER reads alike (tag 00 aside)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (input) => {
        const der = readTlvHeader(input, 0, 'der');
        const ber = readTlvHeader(input, 0, 'ber');
        if (der.ok && der.header.tag !== 0) expect(ber).toEqual(der);
      }),
    );
  });

  it('reads back every length encodeLength writes, in the shortest form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const header = Uint8Array.from([0x04, ...encodeLength(n)]);
        expect(readTlvHeader(header, 0, 'der')).toEqual(ok(0x04, header.length, n));
      }),
    );
  });
});

describe('readTlv (DER, throwing) and readBerTlv (values)', () => {
  it('agree on a TLV either may read', () => {
    const tag = fc.integer({ min: 1, max: 0xfe }).filter((t) => (t & 0x1f) !== 0x1f);
    fc.assert(
      fc.property(tag, fc.uint8Array({ maxLength: 300 }), (t, content) => {
        const bytes = new Uint8Array(encodeTlv(t, [content]));
        const der = readTlv(bytes, 0, ctx);
        const ber = readBerTlv(bytes);
        expect(ber).toEqual({ ok: true, tlv: der });
        expect(der.content).toEqual(content);
        expect(der.bytes.length).toBe(bytes.length);
      }),
    );
  });

  it('tell an overrun apart: a file cut short or a lie inside a holder (DER), a problem (BER)', () => {
    const short = Uint8Array.of(0x04, 0x05, 1, 2);
    expect(() => readTlv(short, 0, ctx)).toThrow(Truncated);
    expect(() => readTlv(short, 0, ctx, true)).toThrow(Malformed);
    expect(readBerTlv(short)).toEqual({
      ok: false,
      problem: 'length 5 runs past the 2 bytes left',
    });
    expect(readBerTlv(Uint8Array.of(0x04))).toEqual({ ok: false, problem: 'truncated header' });
  });
});
