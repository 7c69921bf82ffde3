// Who is calling the RA endpoint. The TLS layer asks every client for a certificate but accepts a
// connection without one (requestCert, not rejectUnauthorized), so that the endpoint can answer
// 401 in JSON; this decides, per request, whether the certificate is an RA client's: issued by
// this CA's issuing CA (checked here by name and signature, not only by OpenSSL's verdict), valid
// now, for client authentication, and listed in the database as an active RA client. A revoked
// client is refused on its next request, on an open connection too.
import type { TLSSocket } from 'node:tls';
import { nodeCrypto, x509 } from '../../shared/x509.js';
import { sameBytes } from '../../shared/bytes.js';
import type { RaClientRecord } from '../db/raClients.js';
import { serialOf } from './certificates.js';

/** Why a request was not an RA client's (logged; the client only learns "401"). */
export type RaRefusal =
  | 'noCertificate'
  | 'notThisCa'
  | 'notYetValid'
  | 'expired'
  | 'notForClients'
  | 'tlsUnverified'
  | 'unknown'
  | 'revoked';

export type RaAuthentication =
  | { readonly ok: true; readonly ra: RaClientRecord }
  | { readonly ok: false; readonly refusal: RaRefusal; readonly serial?: string };

/** What the TLS connection says about its peer. */
export interface PeerCertificate {
  /** The client certificate's DER, if it sent one. */
  readonly der: Uint8Array | undefined;
  /** OpenSSL's verdict on its chain against the CA certificates the server was given. */
  readonly tlsVerified: boolean;
}

/** The peer certificate of a TLS connection, as authenticateRaClient takes it. */
export function peerCertificate(socket: TLSSocket): PeerCertificate {
  // An empty object, not null, when the client sent none (Node's documented shape).
  const peer = socket.getPeerCertificate(false) as Partial<{ raw: Buffer }> | null;
  const der = peer?.raw;
  return {
    der: der === undefined || der.length === 0 ? undefined : der,
    tlsVerified: socket.authorized,
  };
}

/**
 * Decides whether `peer` is an active RA client of the CA whose issuing certificate is `issuing`.
 * `lookup` finds an RA client by certificate serial (revoked ones too).
 */
export async function authenticateRaClient(
  peer: PeerCertificate,
  issuing: x509.X509Certificate,
  lookup: (serial: string) => RaClientRecord | undefined,
  now: Date,
): Promise<RaAuthentication> {
  if (peer.der === undefined) return { ok: false, refusal: 'noCertificate' };
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(new Uint8Array(peer.der));
  } catch {
    return { ok: false, refusal: 'notThisCa' };
  }
  const serial = serialOf(certificate).slice(0, 64);
  const refuse = (refusal: RaRefusal): RaAuthentication => ({ ok: false, refusal, serial });
  const sameIssuer = sameBytes(
    certificate.issuerName.toArrayBuffer(),
    issuing.subjectName.toArrayBuffer(),
  );
  if (!sameIssuer || !(await signedBy(certificate, issuing))) return refuse('notThisCa');
  if (now < certificate.notBefore) return refuse('notYetValid');
  if (now > certificate.notAfter) return refuse('expired');
  if (!forClients(certificate)) return refuse('notForClients');
  if (!peer.tlsVerified) return refuse('tlsUnverified');
  const ra = lookup(serial);
  if (ra === undefined) return refuse('unknown');
  if (ra.revokedAt !== undefined) return refuse('revoked');
  if (ra.notAfter < now.getTime()) return refuse('expired');
  return { ok: true, ra };
}

async function signedBy(
  certificate: x509.X509Certificate,
  issuing: x509.X509Certificate,
): Promise<boolean> {
  try {
    return await certificate.verify({ publicKey: issuing, signatureOnly: true }, nodeCrypto);
  } catch {
    return false; // an algorithm the issuing key cannot verify: not ours
  }
}

/** id-kp-clientAuth (RFC 5280 §4.2.1.12). */
const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** An end-entity certificate whose extended key usage allows TLS client authentication. */
function forClients(certificate: x509.X509Certificate): boolean {
  if (certificate.getExtension(x509.BasicConstraintsExtension)?.ca === true) return false;
  const usages = certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  return usages.some((u) => String(u) === clientAuthOid);
}
