import { ContentInfo, SignedData, SignerInfo, id_signedData } from '@peculiar/asn1-cms';
import {
  checkDerSequence,
  decodeOid,
  expectTag,
  parseDer,
  readChildren,
  readTlv,
} from '../../src/shared/der.js';
import { EmrtdMalformedError } from './errors.js';
import { certificateFacts, type CertificateFacts } from './cscaTrust.js';
import { derContext, efSodTag } from './lds.js';
import { LdsSecurityObjectAsn, ldsSecurityObjectOid } from './ldsSecurityObject.js';
import { readLdsFile } from './ldsTlv.js';
import { hashOids, type HashName } from './signatureCheck.js';

/**
 * EF.SOD's structure (ICAO 9303-10 §4.6.2): `77 { ContentInfo }`, a CMS SignedData (RFC 5652) over
 * the LDSSecurityObject. Parsing only: every malformation is EmrtdMalformedError('EF.SOD'); what the
 * signatures say is Passive Authentication's business (sod.ts).
 */

const file = 'EF.SOD';
/** DER reading of the SOD's parts; the bound is far above any real SOD (a few KB). */
export const sodContext = derContext(file, 256 * 1024);
const ctx = sodContext;

/** The LDSSecurityObject, read. */
export interface LdsSecurityObject {
  readonly version: number;
  /** `undefined` when the OID is not a hash this kiosk computes (`hashAlgorithmOid` says which). */
  readonly hashAlgorithm: HashName | undefined;
  readonly hashAlgorithmOid: string;
  /** Data group number → the hash the SOD signs. */
  readonly dataGroupHashes: ReadonlyMap<number, Uint8Array>;
  readonly ldsVersion?: string;
  readonly unicodeVersion?: string;
}

/** EF.SOD, parsed but not verified. */
export interface Sod {
  readonly ldsSecurityObject: LdsSecurityObject;
  /** The exact eContent octets the signature's messageDigest covers. */
  readonly eContent: Uint8Array;
  readonly signedData: SignedData;
  readonly signerInfo: SignerInfo;
  /**
   * The SignerInfo's signed attributes: exactly as encoded (`[0] IMPLICIT`, tag A0), and as
   * attribute OID → each value's DER.
   */
  readonly signedAttrs?: {
    readonly der: Uint8Array;
    readonly values: ReadonlyMap<string, readonly Uint8Array[]>;
  };
  /** Certificates embedded in the SignedData. */
  readonly certificates: readonly CertificateFacts[];
}

/** Parses EF.SOD (with its `77` wrapper). */
export function parseSod(bytes: Uint8Array): Sod {
  const contentInfoDer = readLdsFile(bytes, efSodTag, file).content;
  checkDerSequence(contentInfoDer, ctx);
  const contentInfo = parseDer(contentInfoDer, ContentInfo, ctx, 'ContentInfo');
  if (contentInfo.contentType !== id_signedData) {
    throw new EmrtdMalformedError(
      file,
      `content type ${contentInfo.contentType} is not SignedData`,
    );
  }
  const signedData = parseDer(new Uint8Array(contentInfo.content), SignedData, ctx, 'SignedData');
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== ldsSecurityObjectOid) {
    throw new EmrtdMalformedError(file, `eContentType ${encap.eContentType} is not an LDS SO`);
  }
  const single = encap.eContent?.single;
  if (single === undefined) throw new EmrtdMalformedError(file, 'no eContent OCTET STRING');
  const eContent = new Uint8Array(single.buffer);
  checkDerSequence(eContent, ctx);
  const so = parseDer(eContent, LdsSecurityObjectAsn, ctx, 'LDSSecurityObject');
  if (signedData.signerInfos.length !== 1) {
    // 9303-10 §4.6.2: exactly one SignerInfo, the Document Signer's.
    throw new EmrtdMalformedError(file, `${signedData.signerInfos.length} SignerInfos, not 1`);
  }
  const signerInfo = signedData.signerInfos[0] as SignerInfo;
  const raw = rawParts(new Uint8Array(contentInfo.content));
  const certificates = raw.certificates.map((der) => certificateFacts(der, ctx));
  return {
    ldsSecurityObject: readSecurityObject(so),
    eContent,
    signedData,
    signerInfo,
    ...(raw.signedAttrs === undefined
      ? {}
      : { signedAttrs: { der: raw.signedAttrs, values: signedAttributes(raw.signedAttrs) } }),
    certificates,
  };
}

/**
 * The parts of the SignedData whose exact bytes a signature covers, found by walking its DER by
 * hand: the embedded certificates (`[0] IMPLICIT CertificateSet`; a certificate's signature covers
 * its tbsCertificate as encoded, which re-serializing the parsed form would not guarantee) and the
 * SignerInfo's `[0] IMPLICIT SignedAttributes` (the ASN.1 library keeps no raw copy of a SET OF).
 */
function rawParts(signedData: Uint8Array): {
  certificates: Uint8Array[];
  signedAttrs?: Uint8Array;
} {
  const fields = readChildren(readTlv(signedData, 0, ctx, true).content, ctx);
  const set = fields.find((field) => field.tag === 0xa0);
  const certificates =
    set === undefined
      ? []
      : readChildren(set.content, ctx)
          .filter((choice) => choice.tag === 0x30)
          .map((choice) => choice.bytes);
  const signerInfos = fields.at(-1);
  const [signerInfo] = signerInfos?.tag === 0x31 ? readChildren(signerInfos.content, ctx) : [];
  const signedAttrs =
    signerInfo === undefined
      ? undefined
      : readChildren(signerInfo.content, ctx).find((field) => field.tag === 0xa0)?.bytes;
  return { certificates, ...(signedAttrs === undefined ? {} : { signedAttrs }) };
}

function readSecurityObject(so: LdsSecurityObjectAsn): LdsSecurityObject {
  if (so.version !== 0 && so.version !== 1) {
    throw new EmrtdMalformedError(file, `LDSSecurityObject version ${so.version}`);
  }
  const hashes = new Map<number, Uint8Array>();
  for (const { dataGroupNumber: n, dataGroupHashValue: value } of so.dataGroupHashValues) {
    if (!Number.isInteger(n) || n < 1 || n > 16) {
      throw new EmrtdMalformedError(file, `hash for data group ${n}`);
    }
    if (hashes.has(n)) throw new EmrtdMalformedError(file, `two hashes for DG${n}`);
    hashes.set(n, new Uint8Array(value));
  }
  const oid = so.hashAlgorithm.algorithm;
  return {
    version: so.version,
    hashAlgorithm: hashOids[oid],
    hashAlgorithmOid: oid,
    dataGroupHashes: hashes,
    ...(so.ldsVersionInfo === undefined
      ? {}
      : {
          ldsVersion: so.ldsVersionInfo.ldsVersion,
          unicodeVersion: so.ldsVersionInfo.unicodeVersion,
        }),
  };
}

/**
 * `SignedAttributes ::= SET OF Attribute`, `Attribute ::= SEQUENCE { attrType OID, attrValues SET
 * OF ANY }` (RFC 5652 §5.3): attribute OID → the DER of each value. Read from the raw bytes (which
 * parseSod has already walked) so the values checked are the very bytes signed.
 */
function signedAttributes(raw: Uint8Array): Map<string, Uint8Array[]> {
  const attributes = new Map<string, Uint8Array[]>();
  for (const attribute of readChildren(readTlv(raw, 0, ctx, true).content, ctx)) {
    const [type, values] = readChildren(expectTag(attribute, 0x30, 'Attribute', ctx), ctx);
    const oid = decodeOid(expectTag(type, 0x06, 'attribute type', ctx), ctx);
    const set = expectTag(values, 0x31, 'attribute values', ctx);
    attributes.set(
      oid,
      readChildren(set, ctx).map((value) => value.bytes),
    );
  }
  return attributes;
}
