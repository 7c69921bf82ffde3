import { AsnParser } from '@peculiar/asn1-schema';

/**
 * Bounded, typed DER reading for bytes from outside (DESIGN §8). Hand-written because the ASN.1
 * library accepts BER, trailing bytes and lengths that disagree, and reports all of it with the
 * same untyped error; here each caller says which typed error a truncation or a malformation is.
 */
export interface DerContext {
  /** The input ends before a TLV does. */
  truncated(expectedBytes: number, actualBytes: number): Error;
  /** Anything else wrong. */
  malformed(detail: string, cause?: unknown): Error;
  /** No length above this is accepted. */
  readonly maxBytes: number;
}

/** One DER TLV located in a buffer. */
export interface Tlv {
  readonly tag: number;
  /** The whole TLV, header included. */
  readonly bytes: Uint8Array;
  /** The content octets. */
  readonly content: Uint8Array;
}

/**
 * Reads the TLV at `offset`: single-byte tags, definite minimal lengths (DER, X.690 §10.1). At
 * the top level (`nested` false) a TLV running past the end is a file cut short,
 * TruncatedFileError; inside a complete holder the same overrun is a lie about lengths,
 * MalformedFileError. Anything else odd is MalformedFileError too.
 */
export function readTlv(bytes: Uint8Array, offset: number, ctx: DerContext, nested = false): Tlv {
  const overrun = (needed: number): Error =>
    nested
      ? ctx.malformed(`an element at offset ${offset} overruns its holder`)
      : ctx.truncated(needed, bytes.length);
  const available = bytes.length - offset;
  if (available < 2) throw overrun(offset + 2);
  const tag = bytes[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw ctx.malformed(`multi-byte tag 0x${hex(tag)}`);
  const first = bytes[offset + 1] ?? 0;
  let length = first;
  let header = 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    // DER: no indefinite length; four length bytes already exceed the size bound.
    if (count === 0 || count > 3) throw ctx.malformed(`invalid DER length form 0x${hex(first)}`);
    header = 2 + count;
    if (available < header) throw overrun(offset + header);
    length = 0;
    for (let i = 2; i < header; i++) length = length * 256 + (bytes[offset + i] ?? 0);
    // DER: the shortest form, so no long form below 128 and no leading zero length byte.
    if (length < 0x80 || bytes[offset + 2] === 0) throw ctx.malformed('non-minimal DER length');
  }
  // A length past anything we accept is garbage, not a file cut short.
  if (length > ctx.maxBytes) throw ctx.malformed(`DER length ${length} is too large`);
  const end = offset + header + length;
  if (end > bytes.length) throw overrun(end);
  return { tag, bytes: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end) };
}

/** The TLVs that make up `content` (the inside of a complete constructed TLV), in order. */
export function readChildren(content: Uint8Array, ctx: DerContext): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < content.length;) {
    const child = readTlv(content, offset, ctx, true);
    children.push(child);
    offset += child.bytes.length;
  }
  return children;
}

/** The TLV's content when it has the expected tag; a malformation naming `what` otherwise. */
export function expectTag(
  tlv: Tlv | undefined,
  tag: number,
  what: string,
  ctx: DerContext,
): Uint8Array {
  if (tlv?.tag !== tag) {
    throw ctx.malformed(
      `${what}: expected tag 0x${hex(tag)}, found ${tlv === undefined ? 'nothing' : `0x${hex(tlv.tag)}`}`,
    );
  }
  return tlv.content;
}

/** Decodes OBJECT IDENTIFIER content to dotted form, refusing non-minimal encodings. */
export function decodeOid(content: Uint8Array, ctx: DerContext): string {
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] ?? 0;
    if (value === 0 && byte === 0x80) throw ctx.malformed('non-minimal OID encoding');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw ctx.malformed('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first] = arcs;
  if (first === undefined || value !== 0) throw ctx.malformed('incomplete OID');
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/**
 * Encodes a TLV with a single-byte tag (DER definite length) from its content parts, into one
 * unpooled buffer: no intermediate copy of what may be key material is left behind.
 */
export function encodeTlv(tag: number, parts: readonly Uint8Array[]): Buffer {
  const n = parts.reduce((sum, p) => sum + p.length, 0);
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  const out = Buffer.alloc(1 + length.length + n);
  out[0] = tag;
  out.set(length, 1);
  let offset = 1 + length.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Checks that a file is one DER SEQUENCE and nothing else, before any ASN.1 library sees it: so
 * a cut-short copy is reported as truncated (not as garbage), trailing bytes are refused, and the
 * size is bounded (DESIGN §8: every parser of outside bytes is bounded). Returns the SEQUENCE.
 */
export function checkDerSequence(bytes: Uint8Array, ctx: DerContext): Tlv {
  if (bytes.length > ctx.maxBytes) {
    throw ctx.malformed(`${bytes.length} bytes exceeds ${ctx.maxBytes}`);
  }
  if (bytes.length >= 1 && bytes[0] !== 0x30) {
    throw ctx.malformed(`expected a SEQUENCE (0x30), found 0x${hex(bytes[0])}`);
  }
  const tlv = readTlv(bytes, 0, ctx);
  if (bytes.length > tlv.bytes.length) {
    throw ctx.malformed(`${bytes.length - tlv.bytes.length} bytes after the DER structure`);
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
  ctx: DerContext,
  what: string,
): T {
  try {
    return AsnParser.parse(bytes, target);
  } catch (cause) {
    throw ctx.malformed(`${what} does not parse`, cause);
  }
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
