import {
  constants,
  createHash,
  sign,
  type KeyObject,
  type SignKeyObjectInput,
  type SignPrivateKeyInput,
} from 'node:crypto';
import {
  Attribute,
  CMSVersion,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { encodeTlv } from '../shared/der.js';
import { efSodTag } from '../../drivers/emrtd/lds.js';
import { encodeLdsTlv } from '../../drivers/emrtd/ldsTlv.js';
import {
  DataGroupHash,
  DataGroupHashValues,
  LdsSecurityObjectAsn,
  ldsSecurityObjectOid,
} from '../../drivers/emrtd/ldsSecurityObject.js';
import { hashOid, rsaPssOid, type HashName } from '../../drivers/emrtd/signatureCheck.js';

/**
 * Builds EF.SOD for test documents (testProfile.ts), and SODs that lie for the tests. The kiosk
 * itself never signs an SOD.
 */

export type TestSignatureScheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';

export interface BuildSodOptions {
  /** Data group number → file bytes: each is hashed into the LDSSecurityObject. */
  readonly dataGroups: ReadonlyMap<number, Uint8Array>;
  readonly hash: HashName;
  /** DER of the Document Signer certificate, embedded in the SignedData. */
  readonly signerCertificate: Uint8Array;
  readonly signerKey: KeyObject;
  readonly scheme: TestSignatureScheme;
  /** Replace a data group's hash before signing (a SOD that lies), for tests. */
  readonly hashOverride?: ReadonlyMap<number, Uint8Array>;
}

/**
 * EF.SOD: `77 { ContentInfo { signedData, SignedData { LDSSecurityObject } } }` (ICAO 9303-10
 * §4.6.2), signed with signed attributes contentType and messageDigest (RFC 5652 §5.3), the digest
 * and signature hash both SHA-256.
 */
export function buildSod(options: BuildSodOptions): Buffer {
  const so = new LdsSecurityObjectAsn({
    version: 0,
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid(options.hash), parameters: null }),
    dataGroupHashValues: new DataGroupHashValues(
      [...options.dataGroups].map(
        ([n, bytes]) =>
          new DataGroupHash({
            dataGroupNumber: n,
            dataGroupHashValue: toArrayBuffer(
              options.hashOverride?.get(n) ?? createHash(options.hash).update(bytes).digest(),
            ),
          }),
      ),
    ),
  });
  const eContent = Buffer.from(AsnConvert.serialize(so));
  const digest = createHash('sha256').update(eContent).digest();
  const attributes = [
    new Attribute({
      attrType: '1.2.840.113549.1.9.3',
      attrValues: [toArrayBuffer(oidTlv(ldsSecurityObjectOid))],
    }),
    new Attribute({
      attrType: '1.2.840.113549.1.9.4',
      attrValues: [AsnConvert.serialize(new OctetString(digest))],
    }),
  ]
    // DER SET OF: members in ascending order of their encodings (X.690 §11.6).
    .map((a) => ({ a, der: Buffer.from(AsnConvert.serialize(a)) }))
    .sort((x, y) => Buffer.compare(x.der, y.der));
  // RFC 5652 §5.4: the signature covers the attributes' DER with the SET OF tag.
  const signedAttrsDer = encodeTlv(
    0x31,
    attributes.map((x) => x.der),
  );
  const signer = parseCertificate(options.signerCertificate);
  const input: SignKeyObjectInput | SignPrivateKeyInput =
    options.scheme === 'rsa-pss'
      ? { key: options.signerKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : options.scheme === 'ecdsa'
        ? { key: options.signerKey, dsaEncoding: 'der' }
        : { key: options.signerKey };
  const signature = sign('sha256', signedAttrsDer, input);
  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: signer.tbsCertificate.issuer,
        serialNumber: signer.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: new DigestAlgorithmIdentifier({
      algorithm: hashOid('sha256'),
      parameters: null,
    }),
    signedAttrs: attributes.map((x) => x.a),
    signatureAlgorithm: signatureAlgorithm(options.scheme),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    version: CMSVersion.v3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([
      new DigestAlgorithmIdentifier({ algorithm: hashOid('sha256'), parameters: null }),
    ]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: ldsSecurityObjectOid,
      eContent: new EncapsulatedContent({ single: new OctetString(eContent) }),
    }),
    certificates: new CertificateSet([new CertificateChoices({ certificate: signer })]),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const contentInfo = new ContentInfo({
    contentType: id_signedData,
    content: AsnConvert.serialize(signedData),
  });
  return encodeLdsTlv(efSodTag, Buffer.from(AsnConvert.serialize(contentInfo)));
}

function signatureAlgorithm(scheme: TestSignatureScheme): SignatureAlgorithmIdentifier {
  if (scheme === 'ecdsa')
    return new SignatureAlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
  if (scheme === 'rsa-pkcs1') {
    return new SignatureAlgorithmIdentifier({
      algorithm: '1.2.840.113549.1.1.11',
      parameters: null,
    });
  }
  // RSASSA-PSS-params (RFC 4055 §3.1): SHA-256, MGF1 with SHA-256, salt 32, trailer default.
  const sha256 = encodeTlv(0x30, [oidTlv(hashOid('sha256')), Buffer.from([0x05, 0x00])]);
  const params = encodeTlv(0x30, [
    encodeTlv(0xa0, [sha256]),
    encodeTlv(0xa1, [encodeTlv(0x30, [oidTlv('1.2.840.113549.1.1.8'), sha256])]),
    encodeTlv(0xa2, [Buffer.from([0x02, 0x01, 32])]),
  ]);
  return new SignatureAlgorithmIdentifier({
    algorithm: rsaPssOid,
    parameters: toArrayBuffer(params),
  });
}

function parseCertificate(der: Uint8Array): Certificate {
  return AsnConvert.parse(der, Certificate);
}

/** An OBJECT IDENTIFIER TLV from its dotted form (X.690 §8.19). */
function oidTlv(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second, ...rest].flatMap((arc) => {
    const out = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128))
      out.unshift((n & 0x7f) | 0x80);
    return out;
  });
  return encodeTlv(0x06, [Buffer.from(bytes)]);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
