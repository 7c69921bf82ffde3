import { AsnParser } from '@peculiar/asn1-schema';

/**
 * Bounded, typed TLV reading for bytes from outside (DESIGN §8), the one tag and length parser of
 * the project: DER (X.690 §10.1) for the PKI files and messages, and the BER the eMRTD chip speaks
 * (ICAO 9303-10 §4.6 LDS files, 9303-11 §9.8 and ISO/IEC 7816-4 §10 secure messaging objects;
 * drivers/emrtd/ldsTlv.ts adds the LDS's own rules). Hand-written because the ASN.1 library
 * accepts BER, trailing bytes and lengths that disagree, and reports all of it with the same
 * untyped error; because the chip's objects are not DER structures (SM objects are a flat
 * sequence of context tags, a file header may be all we have of a file); and because every length
 * must be checked against the buffer before anything is sliced or allocated. The DER reader throws
 * the typed error its caller's DerContext makes; the BER reader answers with values, never
 * exceptions, so that its callers raise their own typed errors.
 */
export interface DerContext {
  /** The input ends before a TLV does. */
  truncated(expectedBytes: number, actualBytes: number): Error;
  /** Anything else wrong. */
  malformed(detail: string, cause?: unknown): Error;
  /** No length above this is accepted. */
  readonly maxBytes: number;
}

/** One TLV located in a buffer. */
export interface Tlv {
  /** The tag bytes as a number (`0x30`, `0x87`, `0x5F01`). */
  readonly tag: number;
  /** The whole TLV (tag, length and content), a view into the buffer. */
  readonly bytes: Uint8Array;
  /** The content octets (the value), a view into the buffer. */
  readonly content: Uint8Array;
}

/**
 * Which TLV encoding a header is read as. `der`: single-byte tags, definite lengths in the
 * shortest form (X.690 §10.1). `ber`: the chip's BER, tags of up to 3 bytes (X.690 §8.1.2.4),
 * first tag byte neither 00 nor FF, definite lengths in any form.
 */
export type TlvForm = 'der' | 'ber';

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

/** Tags of more than 3 bytes (BER) and lengths of more than 3 bytes (16 MiB) are refused. */
const maxTagBytes = 3;
const maxLengthBytes = 3;

/**
 * Reads the tag and length at `offset` as `form` says: the one tag and length parser, for DER
 * (readTlv) and the chip's BER (readBerTlv, drivers/emrtd) alike. Answers with a value: the header,
 * how much of it is missing, or what is wrong with it.
 */
export function readTlvHeader(bytes: Uint8Array, offset: number, form: TlvForm): TlvHeaderResult {
  const truncated = (needed: number): TlvHeaderResult => ({ ok: false, truncated: true, needed });
  const problem = (text: string): TlvHeaderResult => ({
    ok: false,
    truncated: false,
    problem: text,
  });
  const first = bytes[offset];
  if (first === undefined) return truncated(2);
  let tag = first;
  let at = offset + 1;
  if (form === 'der') {
    // A DER header is at least two bytes; a multi-byte tag is never one this project reads.
    if (bytes.length - offset < 2) return truncated(2);
    if ((first & 0x1f) === 0x1f) return problem(`multi-byte tag 0x${hex(first)}`);
  } else {
    if (first === 0x00 || first === 0xff) return problem(`tag byte ${hex(first)}`);
    if ((first & 0x1f) === 0x1f) {
      // Multi-byte tag (X.690 §8.1.2.4): continuation while bit 8 is set.
      for (;;) {
        const b = bytes[at];
        if (b === undefined) return truncated(at - offset + 2);
        tag = tag * 256 + b;
        at++;
        if ((b & 0x80) === 0) break;
        if (at - offset >= maxTagBytes) return problem('tag longer than 3 bytes');
      }
    }
  }
  const l0 = bytes[at];
  if (l0 === undefined) return truncated(at - offset + 1);
  at++;
  let valueLength = l0;
  if (l0 >= 0x80) {
    const count = l0 & 0x7f;
    // 0x80 is BER's indefinite length, never DER and never used by 9303; more than 3 length
    // bytes already exceed every size bound.
    if (count === 0 || count > maxLengthBytes) {
      return problem(
        form === 'der' ? `invalid DER length form 0x${hex(l0)}` : `length byte ${hex(l0)}`,
      );
    }
    if (at + count > bytes.length) return truncated(at - offset + count);
    valueLength = 0;
    for (let i = 0; i < count; i++) valueLength = valueLength * 256 + (bytes[at + i] ?? 0);
    // DER: the shortest form, so no long form below 128 and no leading zero length byte.
    if (form === 'der' && (valueLength < 0x80 || bytes[at] === 0)) {
      return problem('non-minimal DER length');
    }
    at += count;
  }
  return { ok: true, header: { tag, headerLength: at - offset, valueLength } };
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
  const read = readTlvHeader(bytes, offset, 'der');
  if (!read.ok) throw read.truncated ? overrun(offset + read.needed) : ctx.malformed(read.problem);
  const { tag, headerLength, valueLength } = read.header;
  // A length past anything we accept is garbage, not a file cut short.
  if (valueLength > ctx.maxBytes) throw ctx.malformed(`DER length ${valueLength} is too large`);
  const end = offset + headerLength + valueLength;
  if (end > bytes.length) throw overrun(end);
  return {
    tag,
    bytes: bytes.subarray(offset, end),
    content: bytes.subarray(offset + headerLength, end),
  };
}

/**
 * Reads the BER TLV at `offset` (the chip's encoding: readTlvHeader's `ber` form), or says why it
 * cannot: a header cut short or malformed, or a value running past the buffer. Never throws.
 */
export function readBerTlv(
  bytes: Uint8Array,
  offset = 0,
): { readonly ok: true; readonly tlv: Tlv } | { readonly ok: false; readonly problem: string } {
  const h = readTlvHeader(bytes, offset, 'ber');
  if (!h.ok) return { ok: false, problem: h.truncated ? 'truncated header' : h.problem };
  const start = offset + h.header.headerLength;
  const end = start + h.header.valueLength;
  if (end > bytes.length) {
    return {
      ok: false,
      problem: `length ${h.header.valueLength} runs past the ${bytes.length - start} bytes left`,
    };
  }
  return {
    ok: true,
    tlv: {
      tag: h.header.tag,
      bytes: bytes.subarray(offset, end),
      content: bytes.subarray(start, end),
    },
  };
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

/** A definite length in the shortest form (X.690 §8.1.3, §10.1), up to 3 length bytes. */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  if (length < 0x10000) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
}

/**
 * Encodes a TLV with a single-byte tag (DER definite length) from its content parts, into one
 * unpooled buffer: no intermediate copy of what may be key material is left behind.
 */
export function encodeTlv(tag: number, parts: readonly Uint8Array[]): Buffer {
  const n = parts.reduce((sum, p) => sum + p.length, 0);
  const length = encodeLength(n);
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
