import { sameBytes } from '../../src/shared/bytes.js';
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { decodeOid, readTlv } from '../../src/shared/der.js';
import type { CertificateFacts, CscaTrust } from './cscaTrust.js';
import {
  checkDocumentSignerPolicy,
  type DocumentSignerPolicy,
  type DsPolicyCheck,
} from './dsPolicy.js';
import { parseDg1 } from './lds.js';
import { ldsSecurityObjectOid } from './ldsSecurityObject.js';
import { verifyWithAlgorithm, type HashName, hashOids } from './signatureCheck.js';
import { parseSod, sodContext, type LdsSecurityObject, type Sod } from './sodStructure.js';

export { loadCscaTrust, cscaTrustFrom, type CscaTrust, type CscaTrustLimits } from './cscaTrust.js';
export { parseSod, type LdsSecurityObject, type Sod } from './sodStructure.js';
export {
  defaultDocumentSignerPolicy,
  type DocumentSignerPolicy,
  type DsPolicyCheck,
  type DsPolicyFailure,
} from './dsPolicy.js';

/**
 * Passive Authentication (ICAO 9303-11 §5.1, DESIGN §3.2) over EF.SOD (sodStructure.ts). Parsing
 * throws EmrtdMalformedError('EF.SOD'); verifying never throws: every check lands in the result
 * with what failed.
 */

const ctx = sodContext;
const contentTypeAttr = '1.2.840.113549.1.9.3';
const messageDigestAttr = '1.2.840.113549.1.9.4';

/** A certificate, as a result names it. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export type SodSignatureFailure =
  | 'signerCertificateMissing'
  | 'signedAttributesMissing'
  | 'contentTypeMismatch'
  | 'messageDigestMismatch'
  | 'unsupportedAlgorithm'
  | 'signatureInvalid';

/** The SOD's own signature: messageDigest = hash(eContent), and the DS signature over signedAttrs. */
export type SodSignatureCheck =
  | { readonly ok: true; readonly digestAlgorithm: HashName; readonly signatureAlgorithm: string }
  | { readonly ok: false; readonly failure: SodSignatureFailure; readonly detail: string };

export type DsChainFailure =
  | 'signerCertificateMissing'
  | 'issuerNotTrusted'
  | 'signatureInvalid'
  | 'unsupportedAlgorithm'
  | 'documentSignerNotYetValid'
  | 'documentSignerExpired'
  | 'cscaNotYetValid'
  | 'cscaExpired';

/** Whether the Document Signer certificate chains to a trusted CSCA and both are valid at `now`. */
export type DsChainCheck =
  | { readonly ok: true; readonly csca: CertificateSummary & { readonly source: string } }
  | { readonly ok: false; readonly failure: DsChainFailure; readonly detail: string };

/**
 * Per data group: `ok` (hash matches), `mismatch`, `missingFromSod` (read, but the SOD has no hash
 * for it: not authenticated), `notRead` (in the SOD, not given: DG3/DG4 behind EAC, or skipped),
 * `unsupportedHash` (the SOD's hash algorithm is not one this kiosk computes).
 */
export type DataGroupStatus = 'ok' | 'mismatch' | 'missingFromSod' | 'notRead' | 'unsupportedHash';

export interface DataGroupCheck {
  readonly dataGroup: number;
  readonly status: DataGroupStatus;
}

export interface PassiveAuthenticationResult {
  /** Everything read is authentic: signature, chain, DS policy, every data group given `ok`. */
  readonly ok: boolean;
  readonly sodSignature: SodSignatureCheck;
  readonly dsChain: DsChainCheck;
  /** What the Document Signer must be beyond a valid chain (dsPolicy.ts). */
  readonly dsPolicy: DsPolicyCheck;
  /** Every data group in the SOD or given, in number order. */
  readonly dataGroups: readonly DataGroupCheck[];
  readonly documentSigner?: CertificateSummary;
  readonly hashAlgorithm: HashName | undefined;
}

/**
 * Passive Authentication (ICAO 9303-11 §5.1): checks the SOD's signature with its embedded Document
 * Signer certificate, the DS certificate's chain to a CSCA in `trust` at `now`, and the hash of each
 * data group in `dataGroups` (number → the file's full bytes as read) against the SOD. Throws only
 * EmrtdMalformedError for an SOD that does not parse; any failed check is in the result.
 */
export function passiveAuthentication(
  sodBytes: Uint8Array,
  dataGroups: ReadonlyMap<number, Uint8Array>,
  trust: CscaTrust,
  now: Date,
  options: {
    /** DG1's issuing state (three letters), for the country rule; else read from DG1 given. */
    readonly issuingState?: string;
    readonly policy?: DocumentSignerPolicy;
  } = {},
): PassiveAuthenticationResult {
  const sod = parseSod(sodBytes);
  const signer = findSigner(sod);
  const sodSignature = checkSodSignature(sod, signer);
  const chain = checkChain(signer, trust, now);
  const dsChain = chain.check;
  const dsPolicy: DsPolicyCheck =
    signer === undefined
      ? { ok: false, failures: ['dsKeyUsage'], details: ['no Document Signer certificate'] }
      : checkDocumentSignerPolicy(
          {
            documentSigner: signer,
            csca: chain.csca,
            issuingState: options.issuingState ?? issuingStateOf(dataGroups.get(1)),
            hashes: [
              sod.ldsSecurityObject.hashAlgorithm,
              hashOids[sod.signerInfo.digestAlgorithm.algorithm],
            ],
          },
          options.policy,
        );
  const dataGroupChecks = checkDataGroups(sod.ldsSecurityObject, dataGroups);
  return {
    ok:
      sodSignature.ok &&
      dsChain.ok &&
      dsPolicy.ok &&
      dataGroupChecks.every((c) => c.status === 'ok' || c.status === 'notRead'),
    sodSignature,
    dsChain,
    dsPolicy,
    dataGroups: dataGroupChecks,
    ...(signer === undefined ? {} : { documentSigner: summary(signer) }),
    hashAlgorithm: sod.ldsSecurityObject.hashAlgorithm,
  };
}

/** DG1's issuing state; undefined when DG1 is absent or does not parse (the rule then fails). */
function issuingStateOf(dg1: Uint8Array | undefined): string | undefined {
  if (dg1 === undefined) return undefined;
  try {
    return parseDg1(dg1).issuingState;
  } catch {
    return undefined;
  }
}

/** The embedded certificate the SignerInfo's sid names (RFC 5652 §5.3). */
function findSigner(sod: Sod): CertificateFacts | undefined {
  const sid = sod.signerInfo.sid;
  const byIssuer = sid.issuerAndSerialNumber;
  const bySki = sid.subjectKeyIdentifier;
  return sod.certificates.find((c) => {
    if (byIssuer !== undefined) {
      const issuer = new Uint8Array(AsnConvert.serialize(byIssuer.issuer));
      return (
        Buffer.from(issuer).equals(c.issuerDer) &&
        Buffer.from(byIssuer.serialNumber).equals(
          Buffer.from(c.certificate.tbsCertificate.serialNumber),
        )
      );
    }
    return (
      bySki !== undefined &&
      c.subjectKeyId !== undefined &&
      Buffer.from(bySki.buffer).equals(c.subjectKeyId)
    );
  });
}

function checkSodSignature(sod: Sod, signer: CertificateFacts | undefined): SodSignatureCheck {
  const info = sod.signerInfo;
  const fail = (failure: SodSignatureFailure, detail: string): SodSignatureCheck => ({
    ok: false,
    failure,
    detail,
  });
  if (signer === undefined) {
    return fail('signerCertificateMissing', 'no embedded certificate matches the SignerInfo');
  }
  const digest = hashOids[info.digestAlgorithm.algorithm];
  if (digest === undefined) {
    return fail('unsupportedAlgorithm', `digest algorithm ${info.digestAlgorithm.algorithm}`);
  }
  // 9303-10 §4.6.2 requires signed attributes; RFC 5652 §5.4: the signature is then over their
  // DER as a SET OF (tag 31), not over the [0] IMPLICIT encoding in the SignerInfo.
  if (sod.signedAttrs === undefined) {
    return fail('signedAttributesMissing', 'the SignerInfo has no signed attributes');
  }
  const attributes = sod.signedAttrs.values;
  const [contentType] = attributes.get(contentTypeAttr) ?? [];
  if (contentType === undefined || oidOf(contentType) !== ldsSecurityObjectOid) {
    return fail('contentTypeMismatch', 'the contentType attribute is not the LDS SO');
  }
  const [messageDigest] = attributes.get(messageDigestAttr) ?? [];
  const expected = createHash(digest).update(sod.eContent).digest();
  const stated = messageDigest === undefined ? undefined : octets(messageDigest);
  if (stated === undefined || !sameBytes(stated, expected)) {
    return fail('messageDigestMismatch', `messageDigest is not the ${digest} of the LDS SO`);
  }
  if ('unusable' in signer.publicKey) {
    return fail('unsupportedAlgorithm', `Document Signer key: ${signer.publicKey.unusable}`);
  }
  const signedAttrs = Buffer.from(sod.signedAttrs.der);
  signedAttrs[0] = 0x31;
  const outcome = verifyWithAlgorithm(
    signer.publicKey,
    info.signatureAlgorithm,
    signedAttrs,
    new Uint8Array(info.signature.buffer),
    digest,
  );
  return outcome.ok
    ? { ok: true, digestAlgorithm: digest, signatureAlgorithm: outcome.algorithm }
    : fail(outcome.failure, outcome.detail);
}

function checkChain(
  signer: CertificateFacts | undefined,
  trust: CscaTrust,
  now: Date,
): { check: DsChainCheck; csca?: CertificateFacts } {
  const fail = (failure: DsChainFailure, detail: string) => ({
    check: { ok: false, failure, detail } as DsChainCheck,
  });
  if (signer === undefined) {
    return fail('signerCertificateMissing', 'no Document Signer certificate in the SOD');
  }
  // Candidates: the key identifier matches (AKI = SKI), or, without identifiers, the names do.
  // Several CSCAs may share a name across key rollovers; the signature decides.
  const candidates = trust.cscas.filter((csca) =>
    signer.authorityKeyId !== undefined && csca.subjectKeyId !== undefined
      ? sameBytes(signer.authorityKeyId, csca.subjectKeyId)
      : sameBytes(signer.issuerDer, csca.subjectDer),
  );
  if (candidates.length === 0) {
    return fail('issuerNotTrusted', `no trusted CSCA is ${signer.issuer}`);
  }
  let last = fail('signatureInvalid', 'no candidate CSCA verifies');
  for (const csca of candidates) {
    if ('unusable' in csca.publicKey) {
      last = fail('unsupportedAlgorithm', `CSCA key: ${csca.publicKey.unusable}`);
      continue;
    }
    const outcome = verifyWithAlgorithm(
      csca.publicKey,
      signer.certificate.signatureAlgorithm,
      rawTbs(signer),
      new Uint8Array(signer.certificate.signatureValue),
    );
    if (!outcome.ok) {
      last = fail(outcome.failure, `DS certificate by ${csca.subject}: ${outcome.detail}`);
      continue;
    }
    // Both certificates must be valid at `now` (the caller's clock): an expired DS or CSCA is a
    // named failure, so a caller with a laxer policy can see exactly which one it was.
    if (now < csca.notBefore) return fail('cscaNotYetValid', `${csca.subject} not yet valid`);
    if (now > csca.notAfter) return fail('cscaExpired', `${csca.subject} expired`);
    if (now < signer.notBefore) return fail('documentSignerNotYetValid', 'DS not yet valid');
    if (now > signer.notAfter) return fail('documentSignerExpired', 'DS certificate expired');
    return { check: { ok: true, csca: { ...summary(csca), source: csca.source } }, csca };
  }
  return last;
}

/** The tbsCertificate exactly as signed: the library keeps its raw bytes. */
function rawTbs(cert: CertificateFacts): Uint8Array {
  const raw = (cert.certificate as { tbsCertificateRaw?: ArrayBuffer }).tbsCertificateRaw;
  return raw === undefined
    ? new Uint8Array(AsnConvert.serialize(cert.certificate.tbsCertificate))
    : new Uint8Array(raw);
}

function checkDataGroups(
  so: LdsSecurityObject,
  given: ReadonlyMap<number, Uint8Array>,
): DataGroupCheck[] {
  const numbers = [...new Set([...so.dataGroupHashes.keys(), ...given.keys()])].sort(
    (a, b) => a - b,
  );
  return numbers.map((dataGroup) => {
    const stated = so.dataGroupHashes.get(dataGroup);
    const bytes = given.get(dataGroup);
    let status: DataGroupStatus;
    if (bytes === undefined) status = 'notRead';
    else if (stated === undefined) status = 'missingFromSod';
    else if (so.hashAlgorithm === undefined) status = 'unsupportedHash';
    else {
      // 9303-10 §4.6.2: the hash of the whole data group, tag and length included.
      const actual = createHash(so.hashAlgorithm).update(bytes).digest();
      status = sameBytes(actual, stated) ? 'ok' : 'mismatch';
    }
    return { dataGroup, status };
  });
}

function summary(cert: CertificateFacts): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** The value of an attribute that should be an OBJECT IDENTIFIER; `undefined` if it is not. */
function oidOf(value: Uint8Array): string | undefined {
  try {
    const tlv = readTlv(value, 0, ctx);
    return tlv.tag === 0x06 ? decodeOid(tlv.content, ctx) : undefined;
  } catch {
    return undefined;
  }
}

function octets(value: Uint8Array): Uint8Array | undefined {
  try {
    const tlv = readTlv(value, 0, ctx);
    return tlv.tag === 0x04 && tlv.bytes.length === value.length ? tlv.content : undefined;
  } catch {
    return undefined;
  }
}
