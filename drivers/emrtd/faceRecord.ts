import { EmrtdMalformedError } from './errors.js';
import { findOne, readLdsChildren, readLdsFile, requireOne } from './ldsTlv.js';

/**
 * DG2, the encoded face (ICAO 9303-10 §4.7.2): `75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E or
 * 7F2E data block } … } }`, each data block an ISO/IEC 19794-5:2005 facial record. The record is
 * binary with fixed-size blocks, read by hand with every length checked against what is there.
 */

const file = 'DG2';

/** The biometric header template `A1` (ISO/IEC 7816-11, ICAO 9303-10 §4.7.2.1), as far as present. */
export interface BiometricHeader {
  /** `81`: 02 = facial features. */
  readonly biometricType?: number;
  /** `87`: CBEFF format owner, 0x0101 = ISO/IEC JTC 1/SC 37. */
  readonly formatOwner?: number;
  /** `88`: CBEFF format type, 0x0008 = face image. */
  readonly formatType?: number;
}

/** One face image of a 19794-5 record. */
export interface FaceImage {
  /** From the image bytes' signature, which is what a decoder needs. */
  readonly imageFormat: 'jpeg' | 'jpeg2000';
  /** 19794-5 §5.7.2: 0 JPEG, 1 JPEG 2000, as the record declares it. */
  readonly declaredDataType: number;
  readonly width: number;
  readonly height: number;
  /** 19794-5 §5.5.3: 0 unspecified, 1 male, 2 female, 3 unknown. */
  readonly gender: number;
  /** 19794-5 §5.7.1: 1 full frontal, 2 token frontal, … */
  readonly faceImageType: number;
  readonly featurePoints: number;
  /** The image file (JPEG or JPEG 2000), a view into the DG2 bytes. */
  readonly image: Uint8Array;
}

/** One biometric information template `7F60`. */
export interface FaceRecord {
  readonly header: BiometricHeader;
  /** Whether the block was `7F2E` (enciphered/other encoding) rather than `5F2E`. */
  readonly enciphered: boolean;
  readonly images: readonly FaceImage[];
}

export interface Dg2 {
  readonly records: readonly FaceRecord[];
}

// ISO/IEC 19794-5:2005 block sizes: record header, facial information, feature point, image
// information.
const recordHeaderBytes = 14;
const facialInformationBytes = 20;
const featurePointBytes = 8;
const imageInformationBytes = 12;

/** Parses DG2 down to the face images. */
export function parseDg2(bytes: Uint8Array): Dg2 {
  const outer = readLdsChildren(readLdsFile(bytes, 0x75, file).content, file);
  const group = readLdsChildren(requireOne(outer, 0x7f61, file, 'biometric group').content, file);
  const count = requireOne(group, 0x02, file, 'biometric count').content;
  const templates = group.filter((t) => t.tag === 0x7f60);
  if (count.length !== 1 || count[0] !== templates.length) {
    throw new EmrtdMalformedError(file, 'biometric count does not match the templates');
  }
  if (templates.length === 0) throw new EmrtdMalformedError(file, 'no biometric template');
  const records = templates.map((template) => {
    const inner = readLdsChildren(template.content, file);
    const header = readHeader(requireOne(inner, 0xa1, file, 'biometric header').content);
    const plain = findOne(inner, 0x5f2e, file);
    const enciphered = findOne(inner, 0x7f2e, file);
    const block = plain ?? enciphered;
    if (block === undefined || (plain !== undefined && enciphered !== undefined)) {
      throw new EmrtdMalformedError(file, 'expected exactly one biometric data block');
    }
    return { header, enciphered: plain === undefined, images: parseFacialRecord(block.content) };
  });
  return { records };
}

function readHeader(content: Uint8Array): BiometricHeader {
  const children = readLdsChildren(content, file);
  const number = (tag: number): number | undefined => {
    const tlv = findOne(children, tag, file);
    if (tlv === undefined) return undefined;
    if (tlv.content.length === 0 || tlv.content.length > 3) {
      throw new EmrtdMalformedError(file, `header field ${tag.toString(16)} has a bad length`);
    }
    return Buffer.from(tlv.content).readUIntBE(0, tlv.content.length);
  };
  const biometricType = number(0x81);
  const formatOwner = number(0x87);
  const formatType = number(0x88);
  return {
    ...(biometricType === undefined ? {} : { biometricType }),
    ...(formatOwner === undefined ? {} : { formatOwner }),
    ...(formatType === undefined ? {} : { formatType }),
  };
}

/** Reads an ISO/IEC 19794-5:2005 facial record: header, then per image its blocks and data. */
export function parseFacialRecord(record: Uint8Array): FaceImage[] {
  const data = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (data.length < recordHeaderBytes)
    throw new EmrtdMalformedError(file, 'facial record too short');
  // §5.4: format identifier 'FAC\0', version '010\0' (the 2005 edition ICAO 9303 specifies).
  if (data.toString('latin1', 0, 4) !== 'FAC\0') {
    throw new EmrtdMalformedError(file, 'facial record does not start with FAC\\0');
  }
  if (data.toString('latin1', 4, 8) !== '010\0') {
    throw new EmrtdMalformedError(file, 'facial record version is not 010 (ISO/IEC 19794-5:2005)');
  }
  if (data.readUInt32BE(8) !== data.length) {
    throw new EmrtdMalformedError(
      file,
      `facial record length ${data.readUInt32BE(8)} is not the block's ${data.length}`,
    );
  }
  const count = data.readUInt16BE(12);
  if (count === 0) throw new EmrtdMalformedError(file, 'facial record holds no image');
  const images: FaceImage[] = [];
  let at = recordHeaderBytes;
  for (let i = 0; i < count; i++) {
    if (data.length - at < facialInformationBytes + imageInformationBytes) {
      throw new EmrtdMalformedError(file, `facial image ${i + 1} is cut short`);
    }
    // §5.5: facial record data length (4), feature points (2), gender, eye colour, hair colour
    // (1 each), feature mask (3), expression (2), pose angles (3), their uncertainty (3).
    const length = data.readUInt32BE(at);
    const featurePoints = data.readUInt16BE(at + 4);
    const gender = data.readUInt8(at + 6);
    const fixed =
      facialInformationBytes + featurePoints * featurePointBytes + imageInformationBytes;
    if (length <= fixed || length > data.length - at) {
      throw new EmrtdMalformedError(file, `facial image ${i + 1} has a bad length ${length}`);
    }
    // §5.7: image information after the 8-byte feature points: face image type (1), image data
    // type (1), width (2), height (2), colour space, source type (1 each), device type (2),
    // quality (2).
    const info = at + facialInformationBytes + featurePoints * featurePointBytes;
    const image = data.subarray(at + fixed, at + length);
    images.push({
      imageFormat: imageFormat(image),
      declaredDataType: data.readUInt8(info + 1),
      width: data.readUInt16BE(info + 2),
      height: data.readUInt16BE(info + 4),
      gender,
      faceImageType: data.readUInt8(info),
      featurePoints,
      image,
    });
    at += length;
  }
  if (at !== data.length) {
    throw new EmrtdMalformedError(file, `${data.length - at} bytes after the facial images`);
  }
  return images;
}

const jpegSignature = Buffer.from('ffd8', 'hex');
// JPEG 2000: the JP2 file signature box (ISO/IEC 15444-1 §I.5.1) or a bare codestream (SOC+SIZ).
const jp2Signature = Buffer.from('0000000c6a502020', 'hex');
const j2kSignature = Buffer.from('ff4fff51', 'hex');

function imageFormat(image: Buffer): 'jpeg' | 'jpeg2000' {
  const starts = (sig: Buffer): boolean => image.subarray(0, sig.length).equals(sig);
  if (starts(jpegSignature)) return 'jpeg';
  if (starts(jp2Signature) || starts(j2kSignature)) return 'jpeg2000';
  throw new EmrtdMalformedError(file, 'the face image is neither JPEG nor JPEG 2000');
}
