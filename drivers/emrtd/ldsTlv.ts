import { encodeLength, readBerTlv, type Tlv } from '../../src/shared/der.js';
import { EmrtdMalformedError, type EmrtdFileName } from './errors.js';

/**
 * The LDS files' BER-TLV (ICAO 9303-10 §4.6: tags of one or two bytes such as `5F1F` and `7F61`,
 * lengths of up to three bytes) on top of the project's one bounded TLV reader (readBerTlv of
 * src/shared/der.ts, which also reads the chip's secure messaging objects and file headers), with
 * its results turned into EmrtdMalformedError naming the file, and with the LDS's own rules: one
 * TLV per file, nothing after it, a size bound, no repeated fields.
 */

/** Largest LDS file accepted: a DG2 with a few face images is far below (DESIGN §8: bounded). */
export const ldsMaxBytes = 1024 * 1024;

/** Reads the TLV at `offset`, or throws EmrtdMalformedError naming `file`. */
export function readLdsTlv(bytes: Uint8Array, offset: number, file: EmrtdFileName): Tlv {
  const result = readBerTlv(bytes, offset);
  if (!result.ok) {
    throw new EmrtdMalformedError(file, `${result.problem} (TLV at offset ${offset})`);
  }
  // ICAO 9303-10 §4.6 has no tag longer than two bytes: a third is a malformation here.
  if (result.tlv.tag > 0xffff) {
    throw new EmrtdMalformedError(file, `tag longer than two bytes at offset ${offset}`);
  }
  return result.tlv;
}

/**
 * Reads a whole LDS file: exactly one TLV with the expected tag and nothing after it (a reader
 * reads the length the header announces, so trailing bytes mean a confused read).
 */
export function readLdsFile(bytes: Uint8Array, tag: number, file: EmrtdFileName): Tlv {
  if (bytes.length > ldsMaxBytes) {
    throw new EmrtdMalformedError(file, `${bytes.length} bytes exceeds ${ldsMaxBytes}`);
  }
  const tlv = readLdsTlv(bytes, 0, file);
  if (tlv.tag !== tag) {
    throw new EmrtdMalformedError(file, `expected tag ${hex(tag)}, found ${hex(tlv.tag)}`);
  }
  if (tlv.bytes.length !== bytes.length) {
    throw new EmrtdMalformedError(file, `${bytes.length - tlv.bytes.length} bytes after the TLV`);
  }
  return tlv;
}

/** The TLVs that make up `value` (a constructed TLV's value), in order. */
export function readLdsChildren(value: Uint8Array, file: EmrtdFileName): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < value.length;) {
    const child = readLdsTlv(value, offset, file);
    children.push(child);
    offset += child.bytes.length;
  }
  return children;
}

/** The single child with `tag`; absent is `undefined`, repeated is a malformation. */
export function findOne(
  children: readonly Tlv[],
  tag: number,
  file: EmrtdFileName,
): Tlv | undefined {
  const found = children.filter((c) => c.tag === tag);
  if (found.length > 1) throw new EmrtdMalformedError(file, `tag ${hex(tag)} appears twice`);
  return found[0];
}

/** The single child with `tag`, which must be there. */
export function requireOne(
  children: readonly Tlv[],
  tag: number,
  file: EmrtdFileName,
  what: string,
): Tlv {
  const found = findOne(children, tag, file);
  if (found === undefined) throw new EmrtdMalformedError(file, `${what} (tag ${hex(tag)}) missing`);
  return found;
}

/** Encodes a TLV with a one- or two-byte tag (`61`, `5F1F`) from its value parts. */
export function encodeLdsTlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const value = Buffer.concat(parts);
  const tagBytes = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  return Buffer.concat([Buffer.from(tagBytes), encodeLength(value.length), value]);
}

/** A tag as hex, for messages: `5F1F`. */
export function hex(tag: number): string {
  const digits = tag.toString(16).toUpperCase();
  return digits.length % 2 === 0 ? digits : `0${digits}`;
}
