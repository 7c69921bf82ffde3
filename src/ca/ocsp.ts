import { createHash } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  KeyHash,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, CRLReason, CRLReasons, Extension } from '@peculiar/asn1-x509';
import { softwareSigner, type Signer } from '../crypto/signer.js';
import type { CaMaterial } from './caFiles.js';
import type { CaDatabase } from './database.js';
import { hexSerial } from './recordKeys.js';

/** Largest OCSP request read: one CertID is ~100 bytes; a nonce at most 32 (RFC 8954). */
export const maxOcspRequestBytes = 4096;
/** CertIDs answered in one request. */
const maxRequests = 10;
/** RFC 8954 §2.1: a nonce is 1 to 32 octets. */
const maxNonceBytes = 32;
/** How long an answer may be relied on (nextUpdate): the CRL's own freshness is the bound. */
const answerLifetimeMs = 3_600_000;

const hashOids: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
};

/**
 * The embedded CA's OCSP responder (RFC 6960; issue 11 item 10): answers for certificates of
 * its issuing CA from the database, signed by the issuing CA itself (§4.2.2.2: no delegated
 * responder), echoing a nonce (RFC 8954). Every input gets a DER OCSPResponse: bytes that are
 * no request, too many CertIDs or an overlong nonce get `malformedRequest`.
 */
export class OcspResponder {
  private readonly issuing: Certificate;
  private readonly keyHashSha1: Buffer;
  private readonly signer: Signer;

  constructor(
    private readonly ca: CaMaterial,
    private readonly db: CaDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.issuing = AsnConvert.parse(ca.issuing.certificate.rawData, Certificate);
    this.keyHashSha1 = this.keyHash('sha1');
    this.signer = softwareSigner(ca.issuing.privateKey);
  }

  async respond(bytes: Uint8Array): Promise<Buffer> {
    let request: OCSPRequest;
    try {
      if (bytes.byteLength > maxOcspRequestBytes) throw new Error('too long');
      request = AsnConvert.parse(bytes, OCSPRequest);
    } catch {
      return status(OCSPResponseStatus.malformedRequest);
    }
    const list = request.tbsRequest.requestList;
    const nonce = request.tbsRequest.requestExtensions?.find(
      (e) => e.extnID === id_pkix_ocsp_nonce,
    );
    if (
      list.length === 0 ||
      list.length > maxRequests ||
      (nonce !== undefined && nonceLength(nonce) > maxNonceBytes)
    )
      return status(OCSPResponseStatus.malformedRequest);
    const now = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const data = new ResponseData({
      responderID: new ResponderID({ byKey: new KeyHash(this.keyHashSha1) }),
      producedAt: now,
      responses: list.map(
        (r) =>
          new SingleResponse({
            certID: r.reqCert,
            certStatus: this.statusOf(r.reqCert),
            thisUpdate: now,
            nextUpdate: new Date(now.getTime() + answerLifetimeMs),
          }),
      ),
      ...(nonce === undefined ? {} : { responseExtensions: [nonce] }),
    });
    const tbs = new Uint8Array(AsnConvert.serialize(data));
    const signer = this.signer;
    const basic = new BasicOCSPResponse({
      tbsResponseData: data,
      signatureAlgorithm: signer.algorithm,
      signature: new Uint8Array(await signer.sign(tbs)).buffer,
    });
    return Buffer.from(
      AsnConvert.serialize(
        new OCSPResponse({
          responseStatus: OCSPResponseStatus.successful,
          responseBytes: new ResponseBytes({
            responseType: id_pkix_ocsp_basic,
            response: new OctetString(AsnConvert.serialize(basic)),
          }),
        }),
      ),
    );
  }

  /** good for a confirmed certificate, revoked (with time and reason) for one on the CRL. */
  private statusOf(id: CertID): CertStatus {
    const hash = hashOids[id.hashAlgorithm.algorithm];
    const ours =
      hash !== undefined &&
      Buffer.from(id.issuerNameHash.buffer).equals(this.nameHash(hash)) &&
      Buffer.from(id.issuerKeyHash.buffer).equals(this.keyHash(hash));
    if (!ours || id.serialNumber.byteLength > 21) return new CertStatus({ unknown: null });
    const serial = hexSerial(new Uint8Array(id.serialNumber));
    const record = this.db.certificate(serial);
    const revocation = this.db.revocation(serial);
    if (revocation !== undefined) {
      const reason = crlReason(revocation.reason);
      return new CertStatus({
        revoked: new RevokedInfo({
          revocationTime: new Date(Math.floor(revocation.revokedAt / 1000) * 1000),
          ...(reason === undefined ? {} : { revocationReason: reason }),
        }),
      });
    }
    // A certificate sent but not confirmed yet is not vouched for.
    return record?.status === 'issued'
      ? new CertStatus({ good: null })
      : new CertStatus({ unknown: null });
  }

  private nameHash(hash: string): Buffer {
    return createHash(hash)
      .update(Buffer.from(AsnConvert.serialize(this.issuing.tbsCertificate.subject)))
      .digest();
  }

  /** The hash of the issuing CA's public key, the BIT STRING's value (RFC 6960 §4.1.1). */
  private keyHash(hash: string): Buffer {
    const key = this.issuing.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey;
    return createHash(hash).update(Buffer.from(key)).digest();
  }
}

function status(value: OCSPResponseStatus): Buffer {
  return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: value })));
}

/** The nonce's octets (the extension's value is an OCTET STRING holding them, RFC 8954). */
function nonceLength(extension: Extension): number {
  try {
    return AsnConvert.parse(extension.extnValue, OctetString).byteLength;
  } catch {
    return extension.extnValue.byteLength;
  }
}

/** The CRLReason of a recorded reason code; none for unspecified (RFC 5280 §5.3.1: omit it). */
function crlReason(code: number): CRLReason | undefined {
  const value = (Object.values(CRLReasons) as unknown[]).find(
    (v): v is CRLReasons => typeof v === 'number' && v === code,
  );
  return value === undefined || value === CRLReasons.unspecified ? undefined : new CRLReason(value);
}
