import { AsnParser } from '@peculiar/asn1-schema';
import { MalformedFileError, TruncatedFileError, type NpkiFileKind } from '../errors/index.js';

/** Largest file the NPKI readers accept; real signPri.key files are ~1.3 KB, certificates ~2 KB. */
export const maxNpkiFileBytes = 64 * 1024;

/**
 * Checks the outer DER header of a file that must be one SEQUENCE and nothing else, before any
 * ASN.1 library sees it: so a cut-short copy is reported as truncated (not as garbage), trailing
 * bytes are refused, and the size is bounded (DESIGN §8: every parser of outside bytes is bounded).
 */
export function checkDerSequence(bytes: Uint8Array, file: NpkiFileKind): void {
  if (bytes.length > maxNpkiFileBytes) {
    throw new MalformedFileError(file, `${bytes.length} bytes exceeds ${maxNpkiFileBytes}`);
  }
  if (bytes.length < 2) throw new TruncatedFileError(file, 2, bytes.length);
  if (bytes[0] !== 0x30) {
    throw new MalformedFileError(file, `expected a SEQUENCE (0x30), found 0x${hex(bytes[0])}`);
  }
  const first = bytes[1] ?? 0;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    // DER: no indefinite length; four length bytes already exceed the size bound.
    if (count === 0 || count > 3) {
      throw new MalformedFileError(file, `invalid DER length form 0x${hex(first)}`);
    }
    header = 2 + count;
    if (bytes.length < header) throw new TruncatedFileError(file, header, bytes.length);
    length = 0;
    for (let i = 2; i < header; i++) length = length * 256 + (bytes[i] ?? 0);
  }
  const total = header + length;
  if (bytes.length < total) throw new TruncatedFileError(file, total, bytes.length);
  if (bytes.length > total) {
    throw new MalformedFileError(file, `${bytes.length - total} bytes after the DER structure`);
  }
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
