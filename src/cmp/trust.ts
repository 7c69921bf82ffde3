import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { nodeCrypto, x509 } from '../shared/x509.js';

/** Longest chain followed from a certificate to an anchor. */
const maxChainLength = 5;

/**
 * Whether a certificate chains, by signatures and validity at `now`, to one of the anchors (the
 * CA certificates the operator configured: `--ca-cert`). Intermediate certificates may come from
 * `extra` (a message's extraCerts) but never count as anchors themselves.
 */
export async function chainsToAnchor(
  certificate: Certificate,
  anchors: readonly x509.X509Certificate[],
  extra: readonly Certificate[],
  now: Date,
): Promise<boolean> {
  let current = toX509(certificate);
  const pool = [...anchors, ...extra.map(toX509)];
  for (let depth = 0; depth < maxChainLength; depth++) {
    if (now < current.notBefore || now > current.notAfter) return false;
    if (anchors.some((a) => a.equal(current))) return true;
    const issuer = pool.find((c) => c.subject === current.issuer && c !== current && isCa(c));
    if (issuer === undefined) return false;
    const signed = await current.verify(
      { publicKey: issuer.publicKey, signatureOnly: true },
      nodeCrypto,
    );
    if (!signed) return false;
    if (anchors.some((a) => a.equal(issuer)))
      return now >= issuer.notBefore && now <= issuer.notAfter;
    current = issuer;
  }
  return false;
}

/** What a CA bundle (`kiosk ca export`, `--ca-cert`) gives a client. */
export interface CaTrust {
  /** CA certificates (basicConstraints cA): the only ones that may issue. */
  readonly anchors: x509.X509Certificate[];
  /** The RA's key-encipherment certificate, to encrypt R to (DESIGN §4.3), if the bundle has one. */
  readonly raEncryption: x509.X509Certificate | undefined;
}

/** Splits a PEM bundle into trust anchors and the RA encryption certificate. */
export function caTrustFromPem(pem: string): CaTrust {
  const all = x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
  const raEncryption = all.find((c) => {
    const usage = c.getExtension(x509.KeyUsagesExtension);
    return !isCa(c) && usage !== null && (usage.usages & x509.KeyUsageFlags.keyEncipherment) !== 0;
  });
  return { anchors: all.filter(isCa), raEncryption };
}

function isCa(certificate: x509.X509Certificate): boolean {
  return certificate.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

function toX509(certificate: Certificate): x509.X509Certificate {
  return new x509.X509Certificate(new Uint8Array(AsnConvert.serialize(certificate)));
}
