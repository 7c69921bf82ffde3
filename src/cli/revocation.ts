import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { ocspStatus, type RevocationStatus } from '../certificates/revocation.js';
import { parseCertificate } from '../npki/certificate.js';
import { readCaTrust } from './cmpOptions.js';

// `kiosk cert check --ca-cert F`: the OCSP status beside the local checks, for folders, drives
// and tokens alike (issue 11 item 10).

/** The OCSP answer for a stored certificate, from its issuer in the bundle. */
export async function revocationOf(
  certificateDer: Uint8Array,
  caCertFile: string,
): Promise<RevocationStatus> {
  const trust = await readCaTrust(caCertFile);
  const certificate = parseCertificate(certificateDer);
  const issuerName = Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.issuer));
  const issuer = trust.anchors.find((a) =>
    issuerName.equals(
      Buffer.from(
        AsnConvert.serialize(AsnConvert.parse(a.rawData, Certificate).tbsCertificate.subject),
      ),
    ),
  );
  if (issuer === undefined)
    return { status: 'unchecked', why: 'the bundle holds no certificate of the issuer' };
  return ocspStatus(certificate, issuer);
}

/** One line for the teller. */
export function describeRevocation(r: RevocationStatus): string {
  if (r.status === 'revoked') return `REVOKED on ${r.revokedAt}`;
  if (r.status === 'unchecked') return `not checked (${r.why})`;
  return r.status;
}
