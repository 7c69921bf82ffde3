// The TLS certificates of the RA endpoint, issued by the embedded CA's issuing CA: one client
// certificate per RA client (a branch kiosk, `kiosk ca ra add`) and the endpoint's own server
// certificate. Both ends hold EC P-256 keys (quick to make, and TLS needs no RSA here); the CA
// signs as it signs everything, RSA with SHA-256. The RA endpoint trusts only client certificates
// of this issuer that the database also lists as active (clientAuth.ts).
import { generateKeyPairSync } from 'node:crypto';
import { isIP } from 'node:net';
import { nodeCrypto, rsaSha256, x509 } from '../../shared/x509.js';
import { hexSerial } from '../recordKeys.js';
import { randomSerial, type CaMaterial } from '../caFiles.js';

/** A certificate the CA issued with the private key it was issued for. */
export interface TlsIdentity {
  readonly certificate: x509.X509Certificate;
  /** PKCS#8 PEM: the caller writes it owner-only. */
  readonly keyPem: string;
  /** Lower-case hex without leading zero bytes, as the database keys serials. */
  readonly serial: string;
}

/** RA client certificates are valid this long unless `ca ra add --days` says otherwise. */
export const defaultRaClientDays = 730;

/** The endpoint's server certificate is valid this long; `ca serve` renews it before the end. */
export const raServerDays = 365;

/** notBefore lies this far before issuance: a peer whose clock is a little behind accepts it. */
const clockSkewMs = 3_600_000;

/**
 * A TLS client certificate for the RA client `name` (its CN), clientAuth only, valid from
 * `now` for `days` days.
 */
export function issueRaClientCertificate(
  ca: CaMaterial,
  name: string,
  now: Date,
  days = defaultRaClientDays,
): Promise<TlsIdentity> {
  return issueTls(ca, name, 'Kiosk RA', x509.ExtendedKeyUsage.clientAuth, now, days, []);
}

/**
 * The RA endpoint's TLS server certificate for `names` (host names or IP addresses; the CN is the
 * first), serverAuth only.
 */
export function issueRaServerCertificate(
  ca: CaMaterial,
  names: readonly string[],
  now: Date,
): Promise<TlsIdentity> {
  const sorted = subjectAltNames(names);
  const first = sorted[0]?.value ?? 'ra';
  const extra = [new x509.SubjectAlternativeNameExtension(sorted, false)];
  const usage = x509.ExtendedKeyUsage.serverAuth;
  return issueTls(ca, first, 'Kiosk RA endpoint', usage, now, raServerDays, extra);
}

/**
 * The subjectAltName entries for `names`, deduplicated and sorted: the same names always give the
 * same extension, so `ca serve` can tell whether its certificate still covers them.
 */
export function subjectAltNames(names: readonly string[]): { type: 'ip' | 'dns'; value: string }[] {
  const plain = names.map((n) => n.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  return [...new Set(plain)]
    .sort()
    .map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value }));
}

async function issueTls(
  ca: CaMaterial,
  commonName: string,
  unit: string,
  usage: string,
  now: Date,
  days: number,
  extra: x509.Extension[],
): Promise<TlsIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: new x509.Name([
        { C: [{ printableString: 'KR' }] },
        { O: [{ utf8String: ca.caName }] },
        { OU: [{ utf8String: unit }] },
        { CN: [{ utf8String: commonName }] },
      ]),
      issuer: ca.issuing.certificate.subjectName,
      notBefore: new Date(now.getTime() - clockSkewMs),
      notAfter: new Date(now.getTime() + days * 86_400_000),
      publicKey: spki,
      signingKey: ca.issuing.signingKey,
      signingAlgorithm: rsaSha256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage], false),
        await x509.SubjectKeyIdentifierExtension.create(spki, false, nodeCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(
          ca.issuing.certificate,
          false,
          nodeCrypto,
        ),
        ...extra,
      ],
    },
    nodeCrypto,
  );
  return {
    certificate,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    serial: serialOf(certificate),
  };
}

/** A certificate's serial as the database keys it. */
export function serialOf(certificate: x509.X509Certificate): string {
  return hexSerial(Buffer.from(certificate.serialNumber, 'hex'));
}
