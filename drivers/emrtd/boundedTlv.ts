/**
 * A bounded BER-TLV reader for the few places this driver reads TLV from the chip: secure
 * messaging data objects (ICAO 9303-11 §9.8, ISO/IEC 7816-4 §10) and the header of an LDS file
 * (9303-10 §4.6). Hand-written rather than an ASN.1 library because these are not DER structures
 * (SM objects are a flat sequence of context tags, a file header may be all we have of a file),
 * and because every length must be checked against the buffer before anything is sliced or
 * allocated (DESIGN §8). Results are values, never exceptions: callers raise their own typed errors.
 */

/** One TLV read from a buffer. */
export interface Tlv {
  /** The tag bytes as a number (`0x87`, `0x5F01`). */
  readonly tag: number;
  /** The value, a view into the buffer. */
  readonly value: Uint8Array;
  /** The whole TLV (tag, length and value), a view into the buffer. */
  readonly raw: Uint8Array;
}

/** The tag and length of a TLV, without its value. */
export interface TlvHeader {
  readonly tag: number;
  readonly headerLength: number;
  readonly valueLength: number;
}

export type TlvHeaderResult =
  | { readonly ok: true; readonly header: TlvHeader }
  /** The buffer ends inside the header; `needed` is a lower bound on the header's length. */
  | { readonly ok: false; readonly truncated: true; readonly needed: number }
  | { readonly ok: false; readonly truncated: false; readonly problem: string };

/** Tags of more than 3 bytes and lengths of more than 3 bytes (16 MiB) are refused. */
const maxTagBytes = 3;
const maxLengthBytes = 3;

/** Reads the tag and length at `offset`. */
export function readTlvHeader(buffer: Uint8Array, offset = 0): TlvHeaderResult {
  let at = offset;
  const first = buffer[at];
  if (first === undefined) return { ok: false, truncated: true, needed: 2 };
  if (first === 0x00 || first === 0xff) {
    return { ok: false, truncated: false, problem: `tag byte ${hex(first)}` };
  }
  let tag = first;
  at++;
  if ((first & 0x1f) === 0x1f) {
    // Multi-byte tag (X.690 §8.1.2.4): continuation while bit 8 is set.
    for (;;) {
      const b = buffer[at];
      if (b === undefined) return { ok: false, truncated: true, needed: at - offset + 2 };
      tag = tag * 256 + b;
      at++;
      if ((b & 0x80) === 0) break;
      if (at - offset >= maxTagBytes) {
        return { ok: false, truncated: false, problem: 'tag longer than 3 bytes' };
      }
    }
  }
  const l0 = buffer[at];
  if (l0 === undefined) return { ok: false, truncated: true, needed: at - offset + 1 };
  at++;
  let valueLength = l0;
  if (l0 >= 0x80) {
    const count = l0 & 0x7f;
    // 0x80 is BER's indefinite length, never used by 9303; more than 3 length bytes is absurd here.
    if (count === 0 || count > maxLengthBytes) {
      return { ok: false, truncated: false, problem: `length byte ${hex(l0)}` };
    }
    if (at + count > buffer.length) {
      return { ok: false, truncated: true, needed: at - offset + count };
    }
    valueLength = 0;
    for (let i = 0; i < count; i++) valueLength = valueLength * 256 + (buffer[at + i] ?? 0);
    at += count;
  }
  return { ok: true, header: { tag, headerLength: at - offset, valueLength } };
}

/** Reads the whole TLV at `offset`, or says why it cannot (its value overruns the buffer…). */
export function readTlv(
  buffer: Uint8Array,
  offset = 0,
): { readonly ok: true; readonly tlv: Tlv } | { readonly ok: false; readonly problem: string } {
  const h = readTlvHeader(buffer, offset);
  if (!h.ok) return { ok: false, problem: h.truncated ? 'truncated header' : h.problem };
  const start = offset + h.header.headerLength;
  const end = start + h.header.valueLength;
  if (end > buffer.length) {
    return {
      ok: false,
      problem: `length ${h.header.valueLength} runs past the ${buffer.length - start} bytes left`,
    };
  }
  return {
    ok: true,
    tlv: {
      tag: h.header.tag,
      value: buffer.subarray(start, end),
      raw: buffer.subarray(offset, end),
    },
  };
}

/** A definite length in the shortest form (X.690 §8.1.3). */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  if (length < 0x10000) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
}

/** A TLV with a one-byte tag. */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const length = encodeLength(value.length);
  const out = new Uint8Array(1 + length.length + value.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(value, 1 + length.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
