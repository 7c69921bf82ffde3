import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  CertificatePolicies,
  DisplayText,
  PolicyInformation,
  PolicyQualifierInfo,
  UserNotice,
  type Certificate,
} from '@peculiar/asn1-x509';
import { nodeCrypto, rsaSha256, x509 } from '../crypto/x509.js';
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
    await x509.AuthorityKeyIdentifierExtension.create(ca.issuing.certificate, false, nodeCrypto),
  ];
  if (request.subjectAltName !== undefined) {
    extensions.push(new x509.Extension('2.5.29.17', false, request.subjectAltName));
  }
  if (request.crlUrl !== undefined) {
    extensions.push(new x509.CRLDistributionPointsExtension([request.crlUrl]));
  }
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: [
        { C: ['kr'] },
        { O: [ca.caName] },
        { OU: ['personal4IB'] },
        { OU: [ca.raName] },
        { CN: [request.commonName] },
      ],
      issuer: ca.issuing.certificate.subject,
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

function policiesDer(policyOid: string): ArrayBuffer {
  return AsnConvert.serialize(
    new CertificatePolicies([
      new PolicyInformation({
        policyIdentifier: policyOid,
        policyQualifiers: [
          new PolicyQualifierInfo({
            policyQualifierId: '1.3.6.1.5.5.7.2.2',
            qualifier: AsnConvert.serialize(
              new UserNotice({ explicitText: new DisplayText({ utf8String: userNotice }) }),
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
