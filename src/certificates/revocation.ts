import { createHash, randomBytes } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Extension } from '@peculiar/asn1-x509';
import { verifySignature } from '../crypto/signer.js';
import { nodeCrypto, x509 } from '../shared/x509.js';

/** What the CA's OCSP responder says of a certificate (`kiosk cert check --ca-cert`). */
export type RevocationStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: string; readonly reason?: number }
  | { readonly status: 'unknown' }
  /** No answer that could be trusted: no responder named, none reached, or a bad answer. */
  | { readonly status: 'unchecked'; readonly why: string };

/** Largest OCSP answer read: one signed SingleResponse is ~1 KB, with certificates a few. */
const maxResponseBytes = 64 * 1024;
const idKpOcspSigning = '1.3.6.1.5.5.7.3.9';

/**
 * Asks the OCSP responder the certificate names (authority information access, DESIGN §4.4) for
 * its status (RFC 6960, a SHA-1 CertID as RFC 5019 profiles it, a nonce per RFC 8954), and
 * trusts an answer only when signed by `issuer` or by a responder `issuer` delegated to
 * (id-kp-OCSPSigning). Never throws: what went wrong is `unchecked` with why.
 */
export async function ocspStatus(
  certificate: Certificate,
  issuer: x509.X509Certificate,
  options: {
    readonly timeoutMs?: number;
    readonly now?: () => Date;
    /** The caller's cancellation: rejects (AbortError) rather than answering `unchecked`. */
    readonly signal?: AbortSignal;
  } = {},
): Promise<RevocationStatus> {
  const cert = new x509.X509Certificate(new Uint8Array(AsnConvert.serialize(certificate)));
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
  const url = aia?.ocsp.find((n) => n.type === 'url' && /^https?:\/\//.test(n.value))?.value;
  if (url === undefined)
    return { status: 'unchecked', why: 'the certificate names no OCSP responder' };
  const issuerAsn = AsnConvert.parse(issuer.rawData, Certificate);
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(sha1(AsnConvert.serialize(issuerAsn.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(
      sha1(issuerAsn.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
    ),
    serialNumber: certificate.tbsCertificate.serialNumber,
  });
  const nonce = randomBytes(16);
  const request = new OCSPRequest({
    tbsRequest: new TBSRequest({
      requestList: [new Request({ reqCert: certId })],
      requestExtensions: [
        new Extension({
          extnID: id_pkix_ocsp_nonce,
          critical: false,
          extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))),
        }),
      ],
    }),
  });
  let answer: Uint8Array;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: new Uint8Array(AsnConvert.serialize(request)),
      signal: AbortSignal.any([
        AbortSignal.timeout(options.timeoutMs ?? 5000),
        ...(options.signal === undefined ? [] : [options.signal]),
      ]),
    });
    if (!res.ok) return { status: 'unchecked', why: `${url} answered HTTP ${String(res.status)}` };
    const body = await readBounded(res, maxResponseBytes);
    if (body === undefined)
      return {
        status: 'unchecked',
        why: `${url} answered more than ${String(maxResponseBytes)} bytes`,
      };
    answer = body;
  } catch (error) {
    options.signal?.throwIfAborted();
    return { status: 'unchecked', why: `${url} not reached (${(error as Error).message})` };
  }
  try {
    return await judge(answer, certId, nonce, issuer, (options.now ?? (() => new Date()))());
  } catch (error) {
    return {
      status: 'unchecked',
      why: `the OCSP answer is malformed (${(error as Error).message})`,
    };
  }
}

async function judge(
  bytes: Uint8Array,
  certId: CertID,
  nonce: Buffer,
  issuer: x509.X509Certificate,
  now: Date,
): Promise<RevocationStatus> {
  const response = AsnConvert.parse(bytes, OCSPResponse);
  if (response.responseStatus !== OCSPResponseStatus.successful)
    return {
      status: 'unchecked',
      why: `the responder answered status ${String(response.responseStatus)}`,
    };
  if (response.responseBytes?.responseType !== id_pkix_ocsp_basic)
    return { status: 'unchecked', why: 'the answer is not a basic OCSP response' };
  const basic = AsnConvert.parse(response.responseBytes.response, BasicOCSPResponse);
  if (!(await signedByIssuerOrDelegate(basic, issuer, now)))
    return { status: 'unchecked', why: 'the answer is not signed by the CA or its responder' };
  const echoed = basic.tbsResponseData.responseExtensions?.find(
    (e) => e.extnID === id_pkix_ocsp_nonce,
  );
  // Our nonce is what makes the answer fresh (RFC 8954); an answer without it, from a responder
  // that pre-signs, could be one fetched before a revocation and replayed after it.
  if (
    echoed === undefined ||
    !Buffer.from(AsnConvert.parse(echoed.extnValue, OctetString).buffer).equals(nonce)
  )
    return {
      status: 'unchecked',
      why:
        echoed === undefined
          ? 'the answer does not echo our nonce'
          : 'the answer carries another nonce (a replay?)',
    };
  const wanted = Buffer.from(AsnConvert.serialize(certId));
  const single = basic.tbsResponseData.responses.find((r) =>
    wanted.equals(Buffer.from(AsnConvert.serialize(r.certID))),
  );
  if (single === undefined)
    return { status: 'unchecked', why: 'the answer is about another certificate' };
  // RFC 6960 §3.2 (5), with five minutes for clocks that disagree.
  const skewMs = 300_000;
  if (
    single.thisUpdate.getTime() > now.getTime() + skewMs ||
    (single.nextUpdate !== undefined && single.nextUpdate.getTime() < now.getTime() - skewMs)
  )
    return { status: 'unchecked', why: 'the answer is not current (thisUpdate/nextUpdate)' };
  if (single.certStatus.good !== undefined) return { status: 'good' };
  const revoked = single.certStatus.revoked;
  if (revoked !== undefined)
    return {
      status: 'revoked',
      revokedAt: revoked.revocationTime.toISOString(),
      ...(revoked.revocationReason === undefined
        ? {}
        : { reason: revoked.revocationReason.reason }),
    };
  return { status: 'unknown' };
}

/** RFC 6960 §4.2.2.2: the CA itself, or a certificate it issued with id-kp-OCSPSigning. */
async function signedByIssuerOrDelegate(
  basic: BasicOCSPResponse,
  issuer: x509.X509Certificate,
  now: Date,
): Promise<boolean> {
  const tbs = basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData);
  const signers = [issuer];
  for (const der of basic.certs ?? []) {
    const delegate = new x509.X509Certificate(new Uint8Array(AsnConvert.serialize(der)));
    const eku = delegate.getExtension(x509.ExtendedKeyUsageExtension);
    if (
      eku?.usages.includes(idKpOcspSigning) === true &&
      delegate.notBefore <= now &&
      now <= delegate.notAfter &&
      (await delegate.verify({ publicKey: issuer.publicKey, signatureOnly: true }, nodeCrypto))
    )
      signers.push(delegate);
  }
  // sha256WithRSA or ECDSA-SHA256, what the kiosk verifies everywhere (crypto/signer.ts).
  return signers.some((signer) =>
    verifySignature(
      new Uint8Array(signer.publicKey.rawData),
      basic.signatureAlgorithm,
      new Uint8Array(tbs),
      new Uint8Array(basic.signature),
    ),
  );
}

/** The body, or undefined past `max` bytes (read no further than that). */
async function readBounded(res: Response, max: number): Promise<Uint8Array | undefined> {
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

function sha1(bytes: ArrayBuffer): Buffer {
  return createHash('sha1').update(Buffer.from(bytes)).digest();
}
