import { AsnParser } from '@peculiar/asn1-schema';
import { MalformedFileError, TruncatedFileError, type NpkiFileKind } from '../errors/index.js';

/** Largest file the NPKI readers accept; real signPri.key files are ~1.3 KB, certificates ~2 KB. */
export const maxNpkiFileBytes = 64 * 1024;

/** One DER TLV located in a buffer. */
export interface Tlv {
  readonly tag: number;
  /** The whole TLV, header included. */
  readonly bytes: Uint8Array;
  /** The content octets. */
  readonly content: Uint8Array;
}

/**
 * Reads the TLV at `offset`. Single-byte tags and definite lengths only (DER as NPKI files use
 * it); a TLV running past the end is TruncatedFileError, anything else odd MalformedFileError.
 */
export function readTlv(bytes: Uint8Array, offset: number, file: NpkiFileKind): Tlv {
  const available = bytes.length - offset;
  if (available < 2) throw new TruncatedFileError(file, offset + 2, bytes.length);
  const tag = bytes[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new MalformedFileError(file, `multi-byte tag 0x${hex(tag)}`);
  const first = bytes[offset + 1] ?? 0;
  let length = first;
  let header = 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    // DER: no indefinite length; four length bytes already exceed the size bound.
    if (count === 0 || count > 3) {
      throw new MalformedFileError(file, `invalid DER length form 0x${hex(first)}`);
    }
    header = 2 + count;
    if (available < header) throw new TruncatedFileError(file, offset + header, bytes.length);
    length = 0;
    for (let i = 2; i < header; i++) length = length * 256 + (bytes[offset + i] ?? 0);
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new TruncatedFileError(file, end, bytes.length);
  return {
    tag,
    bytes: bytes.subarray(offset, end),
    content: bytes.subarray(offset + header, end),
  };
}

/** The TLVs that make up `content` (the inside of a constructed TLV), in order. */
export function readChildren(content: Uint8Array, file: NpkiFileKind): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < content.length;) {
    const child = readTlv(content, offset, file);
    children.push(child);
    offset += child.bytes.length;
  }
  return children;
}

/** Encodes a TLV with a single-byte tag (DER definite length). */
export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

/**
 * Checks that a file is one DER SEQUENCE and nothing else, before any ASN.1 library sees it: so
 * a cut-short copy is reported as truncated (not as garbage), trailing bytes are refused, and the
 * size is bounded (DESIGN §8: every parser of outside bytes is bounded). Returns the SEQUENCE.
 */
export function checkDerSequence(bytes: Uint8Array, file: NpkiFileKind): Tlv {
  if (bytes.length > maxNpkiFileBytes) {
    throw new MalformedFileError(file, `${bytes.length} bytes exceeds ${maxNpkiFileBytes}`);
  }
  if (bytes.length >= 1 && bytes[0] !== 0x30) {
    throw new MalformedFileError(file, `expected a SEQUENCE (0x30), found 0x${hex(bytes[0])}`);
  }
  const tlv = readTlv(bytes, 0, file);
  if (bytes.length > tlv.bytes.length) {
    throw new MalformedFileError(
      file,
      `${bytes.length - tlv.bytes.length} bytes after the DER structure`,
    );
  }
  return tlv;
}

/**
 * Parses DER into an asn1-schema class, turning any library error into a typed MalformedFileError
 * (the library's message stays in `cause` for the log).
 */
export function parseDer<T>(
  bytes: Uint8Array,
  target: new () => T,
  file: NpkiFileKind,
  what: string,
): T {
  try {
    return AsnParser.parse(bytes, target);
  } catch (cause) {
    throw new MalformedFileError(file, `${what} does not parse`, { cause });
  }
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
