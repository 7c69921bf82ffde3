import { createHash, timingSafeEqual } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  GeneralName,
  OtherName,
  SubjectAlternativeName,
  type Certificate,
} from '@peculiar/asn1-x509';
import { MalformedFileError } from '../errors/index.js';
import { HashContent, IdentifyData, UserInfo, UserInfos, Vid } from './asn1/identifyData.js';
import { oid } from './asn1/oids.js';
import { findExtension } from './certificate.js';
import { parseDer } from '../shared/der.js';
import { npkiDer } from './der.js';

/** Hash algorithms a VID may use: SHA-256 is written; SHA-1 is still read (DESIGN §4.3). */
export type VidHash = 'sha256' | 'sha1';

const hashOids: Record<VidHash, string> = { sha256: oid.sha256, sha1: oid.sha1 };

/** What the identifyData SAN of a certificate says. */
export interface IdentifyDataFacts {
  readonly realName: string;
  /** Absent when the certificate carries no VID. */
  readonly vid?: { readonly hash: VidHash; readonly value: Buffer };
}

/**
 * VID = H(H(DER(HashContent{ idn, randomNum R }))) (KISA, DESIGN §4.3). `idn` is the 13-digit
 * resident registration number without a dash.
 */
export function computeVid(idn: string, r: Uint8Array, hash: VidHash = 'sha256'): Buffer {
  if (!/^\d{13}$/.test(idn)) throw new RangeError('the IDN must be 13 digits');
  const rCopy = new Uint8Array(r);
  const content = Buffer.from(
    AsnConvert.serialize(new HashContent({ idn, randomNum: rCopy.buffer })),
  );
  rCopy.fill(0);
  const inner = createHash(hash).update(content).digest();
  content.fill(0);
  const vid = createHash(hash).update(inner).digest();
  inner.fill(0);
  return vid;
}

/** The SAN GeneralName otherName carrying identifyData, for the CA to put in a certificate. */
export function identifyDataGeneralName(
  realName: string,
  vid: Uint8Array,
  hash: VidHash = 'sha256',
): GeneralName {
  const vidValue = new Vid({
    // No NULL parameters for the hash algorithm: how KISA's certificates encode it.
    hashAlg: new AlgorithmIdentifier({ algorithm: hashOids[hash] }),
    virtualID: new Uint8Array(vid).buffer,
  });
  const data = new IdentifyData({
    realName: realName.normalize('NFC'),
    userInfo: new UserInfos([
      new UserInfo({ type: oid.vid, value: AsnConvert.serialize(vidValue) }),
    ]),
  });
  return new GeneralName({
    otherName: new OtherName({ typeId: oid.identifyData, value: AsnConvert.serialize(data) }),
  });
}

/**
 * Reads identifyData from a certificate's SAN. Undefined when the certificate has no such SAN
 * entry; MalformedFileError when it has one that does not parse.
 */
export function readIdentifyData(certificate: Certificate): IdentifyDataFacts | undefined {
  const san = findExtension(certificate, oid.subjectAltName);
  if (san === undefined) return undefined;
  const names = parseDer(
    new Uint8Array(san.extnValue.buffer),
    SubjectAlternativeName,
    npkiDer('certificate'),
    'subjectAltName',
  );
  const other = names.find((n) => n.otherName?.typeId === oid.identifyData)?.otherName;
  if (other === undefined) return undefined;
  const data = parseDer(
    new Uint8Array(other.value),
    IdentifyData,
    npkiDer('certificate'),
    'identifyData',
  );
  const entry = data.userInfo?.find((u) => u.type === oid.vid);
  if (entry === undefined) return { realName: data.realName };
  const vid = parseDer(new Uint8Array(entry.value), Vid, npkiDer('certificate'), 'VID');
  const hash = (Object.keys(hashOids) as VidHash[]).find(
    (h) => hashOids[h] === vid.hashAlg.algorithm,
  );
  if (hash === undefined) {
    throw new MalformedFileError('certificate', `VID hash algorithm ${vid.hashAlg.algorithm}`);
  }
  return { realName: data.realName, vid: { hash, value: Buffer.from(vid.virtualID) } };
}

/**
 * Whether the certificate's VID is the one computed from this IDN and R. False when the
 * certificate has no VID.
 */
export function vidMatches(certificate: Certificate, idn: string, r: Uint8Array): boolean {
  const vid = readIdentifyData(certificate)?.vid;
  if (vid === undefined) return false;
  const expected = computeVid(idn, r, vid.hash);
  return expected.length === vid.value.length && timingSafeEqual(expected, vid.value);
}
