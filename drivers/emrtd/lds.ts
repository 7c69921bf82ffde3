import { createPublicKey, type KeyObject } from 'node:crypto';
import { checkDerSequence, type DerContext, type Tlv } from '../../src/shared/der.js';
import { EmrtdMalformedError, type EmrtdFileName } from './errors.js';
import { findOne, hex, readLdsChildren, readLdsFile, requireOne } from './ldsTlv.js';
import { curveBits } from './signatureCheck.js';
import { nameOf, parseDg1Mrz, type Dg1 } from './mrzFields.js';

export { parseDg2, type Dg2, type FaceImage, type BiometricHeader } from './faceRecord.js';
export type { Dg1, MrzFormat, Sex } from './mrzFields.js';

/**
 * Parsers of the LDS files the kiosk reads (ICAO 9303-10 §4.6–4.7): each takes a whole file as read
 * from the chip (its outer TLV included) and returns what it says, or throws EmrtdMalformedError
 * naming the file. Nothing here judges authenticity: that is Passive Authentication (sod.ts).
 */

/** Data group number → the tag of its outer TLV (ICAO 9303-10 §4.6.1). */
export const dataGroupTags: ReadonlyMap<number, number> = new Map([
  [1, 0x61],
  [2, 0x75],
  [3, 0x63],
  [4, 0x76],
  [5, 0x65],
  [6, 0x66],
  [7, 0x67],
  [8, 0x68],
  [9, 0x69],
  [10, 0x6a],
  [11, 0x6b],
  [12, 0x6c],
  [13, 0x6d],
  [14, 0x6e],
  [15, 0x6f],
  [16, 0x70],
]);

/** Outer tags of EF.COM and EF.SOD (ICAO 9303-10 §4.6.1). */
export const efComTag = 0x60;
export const efSodTag = 0x77;

/** File identifiers in the LDS1 application (ICAO 9303-10 §4.6.1): EF.COM 011E, EF.SOD 011D, DGn 01nn. */
export const fileIds = {
  com: 0x011e,
  sod: 0x011d,
  dataGroup: (n: number): number => 0x0100 + n,
} as const;

/** The LDS name of data group `n` (1–16), for errors and results. */
export function dataGroupName(n: number): EmrtdFileName {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`no data group ${n}`);
  return `DG${n}` as EmrtdFileName;
}

// --- EF.COM ---

/** EF.COM (ICAO 9303-10 §4.6.2): versions and the data groups present. */
export interface EfCom {
  /** `5F01`, e.g. `0107` → `1.7`. */
  readonly ldsVersion: string;
  /** `5F36`, e.g. `040000` → `4.0.0`. */
  readonly unicodeVersion: string;
  /** Data group numbers from the tag list `5C`, in the order listed. */
  readonly dataGroups: readonly number[];
}

const tagToDataGroup = new Map([...dataGroupTags].map(([n, tag]) => [tag, n]));

/** Parses EF.COM. */
export function parseEfCom(bytes: Uint8Array): EfCom {
  const file = 'EF.COM';
  const children = readLdsChildren(readLdsFile(bytes, efComTag, file).content, file);
  const lds = digits(requireOne(children, 0x5f01, file, 'LDS version'), 4, file, 'LDS version');
  const unicode = digits(
    requireOne(children, 0x5f36, file, 'Unicode version'),
    6,
    file,
    'Unicode version',
  );
  const list = requireOne(children, 0x5c, file, 'tag list').content;
  const dataGroups = [...list].map((tag) => {
    const n = tagToDataGroup.get(tag);
    if (n === undefined) throw new EmrtdMalformedError(file, `tag list names ${hex(tag)}`);
    return n;
  });
  if (new Set(dataGroups).size !== dataGroups.length) {
    throw new EmrtdMalformedError(file, 'tag list names a data group twice');
  }
  return {
    ldsVersion: `${Number(lds.slice(0, 2))}.${Number(lds.slice(2))}`,
    unicodeVersion: [0, 2, 4].map((i) => Number(unicode.slice(i, i + 2))).join('.'),
    dataGroups,
  };
}

// --- DG1 ---

/** Parses DG1 (ICAO 9303-10 §4.7.1): `61 { 5F1F MRZ }`, split into its fields. */
export function parseDg1(bytes: Uint8Array): Dg1 {
  const file = 'DG1';
  const children = readLdsChildren(readLdsFile(bytes, 0x61, file).content, file);
  const mrz = requireOne(children, 0x5f1f, file, 'MRZ');
  return parseDg1Mrz(ascii(mrz.content, file, 'MRZ'), file);
}

// --- DG11 ---

/** A name in MRZ style: `PRIMARY<<SECONDARY<NAMES`, with `<` read as a space. */
export interface LdsName {
  /** As stored, fillers included. */
  readonly raw: string;
  readonly primaryIdentifier: string;
  readonly secondaryIdentifier: string;
}

/** DG11, additional personal details (ICAO 9303-10 §4.7.11): whichever fields are present. */
export interface Dg11 {
  readonly fullName?: LdsName;
  readonly otherNames: readonly string[];
  readonly personalNumber?: string;
  /** `5F2B`: YYYYMMDD (8 characters, or 4 BCD bytes on older chips). */
  readonly fullDateOfBirth?: string;
  /** `5F11`: the `<`-separated components (e.g. town, country). */
  readonly placeOfBirth?: readonly string[];
  /** `5F42`: the `<`-separated components (street, town, …). */
  readonly permanentAddress?: readonly string[];
  readonly telephone?: string;
  readonly profession?: string;
  readonly title?: string;
  readonly personalSummary?: string;
  /** `5F16`: an image of the proof of citizenship (ISO/IEC 10918), not interpreted. */
  readonly proofOfCitizenship?: Uint8Array;
  readonly otherTravelDocumentNumbers?: readonly string[];
  readonly custodyInformation?: string;
  /** Tags present that this parser does not know (kept so a log can say what was ignored). */
  readonly unknownTags: readonly number[];
}

const dg11Known = new Set([
  0x5c, 0x5f0e, 0xa0, 0x5f0f, 0x5f10, 0x5f2b, 0x5f11, 0x5f42, 0x5f12, 0x5f13, 0x5f14, 0x5f15,
  0x5f16, 0x5f17, 0x5f18,
]);

/** Parses DG11. Text fields are UTF-8 (ICAO 9303-10 §4.7.11: ISO/IEC 10646). */
export function parseDg11(bytes: Uint8Array): Dg11 {
  const file = 'DG11';
  const children = readLdsChildren(readLdsFile(bytes, 0x6b, file).content, file);
  const text = (tag: number): string | undefined => {
    const tlv = findOne(children, tag, file);
    return tlv === undefined ? undefined : utf8(tlv.content, file, hex(tag));
  };
  const parts = (tag: number): string[] | undefined =>
    text(tag)
      ?.split('<')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
  // Other names: inside template A0 with a count (9303-10 §4.7.11), or, on older chips, as bare
  // 5F0F objects; accept both, and check the count against what is there.
  const otherNames: string[] = [];
  const template = findOne(children, 0xa0, file);
  if (template !== undefined) {
    const inner = readLdsChildren(template.content, file);
    const count = requireOne(inner, 0x02, file, 'other names count').content;
    const names = inner.filter((t) => t.tag === 0x5f0f);
    if (count.length !== 1 || count[0] !== names.length) {
      throw new EmrtdMalformedError(file, 'other names count does not match');
    }
    otherNames.push(...names.map((t) => utf8(t.content, file, '5F0F')));
  }
  otherNames.push(
    ...children.filter((t) => t.tag === 0x5f0f).map((t) => utf8(t.content, file, '5F0F')),
  );
  const fullName = text(0x5f0e);
  const dob = findOne(children, 0x5f2b, file);
  const proof = findOne(children, 0x5f16, file);
  const fields = {
    personalNumber: text(0x5f10),
    placeOfBirth: parts(0x5f11),
    permanentAddress: parts(0x5f42),
    telephone: text(0x5f12),
    profession: text(0x5f13),
    title: text(0x5f14),
    personalSummary: text(0x5f15),
    otherTravelDocumentNumbers: parts(0x5f17),
    custodyInformation: text(0x5f18),
    fullName: fullName === undefined ? undefined : splitName(fullName),
    fullDateOfBirth: dob === undefined ? undefined : fullDateOfBirth(dob, file),
    proofOfCitizenship: proof?.content,
  };
  // exactOptionalPropertyTypes: absent fields are left out, not set to undefined.
  const present = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Omit<Dg11, 'otherNames' | 'unknownTags'>;
  return {
    ...present,
    otherNames,
    unknownTags: children.map((t) => t.tag).filter((tag) => !dg11Known.has(tag)),
  };
}

/** A name field of DG11 in MRZ style, split. */
export function splitName(raw: string): LdsName {
  return { raw, ...nameOf(raw) };
}

function fullDateOfBirth(tlv: Tlv, file: EmrtdFileName): string {
  // 9303-10 §4.7.11 says 8 digits; some older chips store 4 packed BCD bytes.
  if (tlv.content.length === 4) {
    const bcd = Buffer.from(tlv.content).toString('hex');
    if (/^\d{8}$/.test(bcd)) return bcd;
  }
  return digits(tlv, 8, file, 'full date of birth');
}

// --- DG15 ---

/** DG15, the Active Authentication public key (ICAO 9303-11 §6.1): `6F { SubjectPublicKeyInfo }`. */
export interface Dg15 {
  /** DER SubjectPublicKeyInfo, as stored. */
  readonly spki: Uint8Array;
  readonly key: KeyObject;
  readonly keyType: 'rsa' | 'ec';
  /** RSA modulus length, or the EC field size, in bits. */
  readonly bits: number;
}

/** Parses DG15; a key that is neither RSA nor EC is malformed for AA's purposes. */
export function parseDg15(bytes: Uint8Array): Dg15 {
  const file = 'DG15';
  const spki = readLdsFile(bytes, 0x6f, file).content;
  // Bounded, strict DER check before OpenSSL sees the key (DESIGN §8).
  checkDerSequence(spki, derContext(file));
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new EmrtdMalformedError(file, 'the public key does not parse', { cause });
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (type === 'rsa' && details?.modulusLength !== undefined) {
    return { spki, key, keyType: 'rsa', bits: details.modulusLength };
  }
  if (type === 'ec') {
    return { spki, key, keyType: 'ec', bits: curveBits(key) };
  }
  throw new EmrtdMalformedError(file, `unsupported key type ${String(type)}`);
}

/** A src/asn1/der.ts context whose errors name an eMRTD file (both kinds are malformations). */
export function derContext(file: EmrtdFileName, maxBytes = 64 * 1024): DerContext {
  return {
    truncated: (expected, actual) =>
      new EmrtdMalformedError(file, `DER cut short: ${actual} of ${expected} bytes`),
    malformed: (detail, cause) => new EmrtdMalformedError(file, detail, { cause }),
    maxBytes,
  };
}

// --- text ---

function ascii(content: Uint8Array, file: EmrtdFileName, what: string): string {
  for (const byte of content) {
    if (byte < 0x20 || byte > 0x7e) throw new EmrtdMalformedError(file, `${what} is not ASCII`);
  }
  return Buffer.from(content).toString('latin1');
}

function digits(tlv: Tlv, n: number, file: EmrtdFileName, what: string): string {
  const text = ascii(tlv.content, file, what);
  if (text.length !== n || !/^\d+$/.test(text)) {
    throw new EmrtdMalformedError(file, `${what} is not ${n} digits`);
  }
  return text;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(content: Uint8Array, file: EmrtdFileName, what: string): string {
  try {
    return decoder.decode(content);
  } catch (cause) {
    throw new EmrtdMalformedError(file, `${what} is not UTF-8`, { cause });
  }
}
