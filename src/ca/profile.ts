import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  CertificatePolicies,
  DisplayText,
  GeneralName,
  KeyIdentifier,
  PolicyInformation,
  PolicyQualifierInfo,
  UserNotice,
} from '@peculiar/asn1-x509';
import { nodeCrypto, rsaSha256, x509 } from '../shared/x509.js';
import { randomSerial, type CaMaterial } from './caFiles.js';

/** What varies between the certificates the embedded CA issues. */
export interface EndEntityRequest {
  /** DER SubjectPublicKeyInfo of the holder's key (from the CertTemplate). */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  /** The subject's common name, `<name>()<digits>` (see commonNameFor). */
  readonly commonName: string;
  readonly policyOid: string;
  /** The SAN extension value (identifyData), if any: built by the caller, copied on renewal. */
  readonly subjectAltName?: Uint8Array<ArrayBuffer>;
  /** Where the CRL is served, for the CRL distribution point. */
  readonly crlUrl?: string;
  /** Where the OCSP responder is, for authority information access (DESIGN §4.4). */
  readonly ocspUrl?: string;
  readonly now: Date;
}

const cpsUri = 'https://kiosk.invalid/cps';
const userNotice = '이 인증서는 지점 키오스크 시연용으로 발급되었습니다 (kiosk demo CA)';

/**
 * A personal certificate per DESIGN §4.4: subject `c=kr,o=<CA>,ou=personal4IB,ou=<RA>,cn=…`,
 * RSA with sha256WithRSAEncryption, keyUsage critical digitalSignature + nonRepudiation,
 * certificatePolicies critical with a user notice and a CPS URI, CRL distribution point, and a
 * validity of one year from midnight KST (15:00:00Z) to 14:59:59Z.
 */
export async function issueEndEntity(
  ca: CaMaterial,
  request: EndEntityRequest,
): Promise<x509.X509Certificate> {
  const { notBefore, notAfter } = personalValidity(request.now);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
      true,
    ),
    new x509.Extension('2.5.29.32', true, policiesDer(request.policyOid)),
    await x509.SubjectKeyIdentifierExtension.create(request.publicKey, false, nodeCrypto),
    new x509.Extension('2.5.29.35', false, authorityKeyIdentifierDer(ca)),
  ];
  if (request.subjectAltName !== undefined) {
    extensions.push(new x509.Extension('2.5.29.17', false, request.subjectAltName));
  }
  if (request.crlUrl !== undefined) {
    extensions.push(new x509.CRLDistributionPointsExtension([request.crlUrl]));
  }
  if (request.ocspUrl !== undefined) {
    extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: [request.ocspUrl] }));
  }
  // As the real yessign certificate encodes them: C PrintableString, the rest UTF8String.
  const subject = new x509.Name([
    { C: [{ printableString: 'kr' }] },
    { O: [{ utf8String: ca.caName }] },
    { OU: [{ utf8String: 'personal4IB' }] },
    { OU: [{ utf8String: ca.raName }] },
    { CN: [{ utf8String: request.commonName }] },
  ]);
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject,
      issuer: ca.issuing.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: request.publicKey,
      signingKey: ca.issuing.signingKey,
      signingAlgorithm: rsaSha256,
      extensions,
    },
    nodeCrypto,
  );
}

/** NPKI common names read `<name>()<digits>`: the digits make the name unique at the CA. */
export function commonNameFor(name: string): string {
  const digits = `${Date.now()}${randomBytes(4).readUInt32BE(0)}`.padEnd(22, '0').slice(0, 22);
  return `${name.normalize('NFC')}()${digits}`;
}

/** One year from midnight KST: 15:00:00Z on or before `now`, to 14:59:59Z a year later. */
export function personalValidity(now: Date): { notBefore: Date; notAfter: Date } {
  const kstOffset = 9 * 3_600_000;
  const kst = new Date(now.getTime() + kstOffset);
  const midnightKst =
    Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), kst.getUTCDate()) - kstOffset;
  const notBefore = new Date(midnightKst);
  const end = new Date(midnightKst);
  end.setUTCFullYear(end.getUTCFullYear() + 1);
  return { notBefore, notAfter: new Date(end.getTime() - 1000) };
}

/** The SAN extension value of a certificate, to carry identifyData over on renewal. */
export function subjectAltNameOf(certificate: Certificate): Uint8Array<ArrayBuffer> | undefined {
  const ext = certificate.tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.17');
  return ext === undefined ? undefined : new Uint8Array(ext.extnValue.buffer);
}

/**
 * The AKI as the real yessign certificate carries it: the issuing CA's key identifier, and its
 * issuer's name and its serial number (RFC 5280 §4.2.1.1), which @peculiar/x509 builds one or
 * the other of, not both.
 */
function authorityKeyIdentifierDer(ca: CaMaterial): ArrayBuffer {
  const issuing = AsnConvert.parse(ca.issuing.certificate.rawData, Certificate);
  const ski = ca.issuing.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski === null) throw new Error('the issuing CA certificate has no subject key identifier');
  return AsnConvert.serialize(
    new AuthorityKeyIdentifier({
      keyIdentifier: new KeyIdentifier(Buffer.from(ski.keyId, 'hex')),
      authorityCertIssuer: [new GeneralName({ directoryName: issuing.tbsCertificate.issuer })],
      authorityCertSerialNumber: issuing.tbsCertificate.serialNumber,
    }),
  );
}

function policiesDer(policyOid: string): ArrayBuffer {
  return AsnConvert.serialize(
    new CertificatePolicies([
      new PolicyInformation({
        policyIdentifier: policyOid,
        policyQualifiers: [
          new PolicyQualifierInfo({
            policyQualifierId: '1.3.6.1.5.5.7.2.2',
            qualifier: AsnConvert.serialize(
              // BMPString, as the real yessign certificate's (X.509 allows it; RFC 5280 §4.2.1.4
              // prefers UTF8String, but Korean clients were written against the real ones).
              new UserNotice({ explicitText: new DisplayText({ bmpString: userNotice }) }),
            ),
          }),
          new PolicyQualifierInfo({
            policyQualifierId: '1.3.6.1.5.5.7.2.1',
            // IA5String CPSuri
            qualifier: new Uint8Array([0x16, cpsUri.length, ...Buffer.from(cpsUri, 'ascii')])
              .buffer,
          }),
        ],
      }),
    ]),
  );
}
