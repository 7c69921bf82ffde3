import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  CertificatePolicies,
  CRLReason,
  GeneralName,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import {
  CertOrEncCert,
  CertRepMessage,
  CertResponse,
  CertifiedKeyPair,
  ErrorMsgContent,
  PkiBody,
  PkiHeader,
  RevRepContent,
} from '../cmp/asn1/pkiMessage.js';
import {
  popVerifies,
  receivedCertRequests,
  type ReceivedCertRequest,
} from '../cmp/certRequests.js';
import { encodeTlv } from '../shared/der.js';
import { TypeAndValue } from '../cmp/asn1/crmf.js';
import {
  decodePkiMessage,
  encodePkiMessageWithCerts,
  type DecodedMessage,
} from '../cmp/message.js';
import { cmpOid } from '../cmp/oids.js';
import { protectMessage, verifyProtection, type Protector } from '../cmp/protection.js';
import {
  defaultRandomNumRegInfoType,
  openRandomNumRegInfo,
  RandomNumTransportError,
} from '../cmp/randomNumTransport.js';
import { pkiStatus, statusInfo } from '../cmp/status.js';
import { softwareSigner, type Signer } from '../crypto/signer.js';
import { nodeCrypto, x509 } from '../shared/x509.js';
import { CmpProtectionError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { issuingPolicyOid } from '../npki/policies.js';
import { computeVid, identifyDataGeneralName } from '../npki/vid.js';
import type { CaMaterial } from './caFiles.js';
import {
  referencePattern,
  type CaDatabase,
  type CertificateRecord,
  type TransactionRecord,
} from './database.js';
import { defaultLockout, MemoryLockouts, type LockoutPolicy } from './lockout.js';
import { commonNameFor, issueEndEntity, subjectAltNameOf } from './profile.js';
import { Refusal } from './refusal.js';

export interface ResponderOptions {
  /** Where the CRL is served, for certificates' CRL distribution point. */
  readonly crlUrl?: string;
  /** Where the OCSP responder is, for certificates' authority information access. */
  readonly ocspUrl?: string;
  /** The regInfo type carrying R (DESIGN §4.3, uncertain: configurable). */
  readonly randomNumRegInfoType?: string;
  /** Waits after failed authorizations (`ca.lockoutBaseMs`, `ca.lockoutMaxMs`). */
  readonly lockout?: LockoutPolicy;
  /** Highest PBM iteration count computed (`ca.pbmMaxIterations`); more is refused unread. */
  readonly pbmMaxIterations?: number;
  /** Failed authorizations from one address before it waits too (`ca.sourceFreeFailures`). */
  readonly sourceFreeFailures?: number;
  /** A kur is served only this close to the certificate's expiry (`npki.renewalWindowDays`). */
  readonly renewalWindowDays?: number;
  /** How long a certConf is awaited (`ca.transactionTimeoutMs`); then the certificate is void. */
  readonly transactionTimeoutMs?: number;
  readonly now?: () => Date;
  readonly log?: Logger;
}

/** `ca.pbmMaxIterations`' default: OpenSSL sends 500, the kiosk's client 500 too (pbm.ts). */
const defaultPbmMaxIterations = 2000;
/** The configuration's defaults (src/config/schema.ts), for a responder made without one. */
const defaultRenewalWindowDays = 30;
const defaultTransactionTimeoutMs = 300_000;
const defaultSourceFreeFailures = 10;
const dayMs = 86_400_000;
/** RFC 5280 §5.3.1 CRLReason values used here. */
const reasonUnspecified = 0;
const reasonSuperseded = 4;
/** What a holder may give as the reason: unspecified, keyCompromise, affiliationChanged,
 * superseded, cessationOfOperation, privilegeWithdrawn. */
const holderReasons = new Set([0, 1, 3, 4, 5, 9]);

/** The one answer to a PBM that does not verify, whether or not the reference exists (item 5). */
const wrongCodeText = 'wrong authorization code, or the message was altered';

/** Refuses, unread, a request for a reference that is locked until `lockedUntil`. */
function refuseWhileLocked(lockedUntil: number, now: number): void {
  if (lockedUntil <= now) return;
  const seconds = Math.ceil((lockedUntil - now) / 1000);
  throw new Refusal(['badMessageCheck'], `too many failed attempts; try again in ${seconds} s`);
}

/**
 * The embedded CA's CMP side (RFC 4210/9480; DESIGN §5): ir/cr protected by PBM with the RA's
 * one-time reference and authorization code, kur signed with the current certificate, rr signed
 * by the certificate itself or authorised by a registration, always certConf → pkiConf. Every
 * refusal is a CMP error message; nothing is issued without a valid protection, POP and an
 * unused, unexpired registration.
 */
export class CmpResponder {
  private readonly issuingAsn: Certificate;
  private readonly rootAsn: Certificate;
  private readonly chainDer: readonly Uint8Array[];
  /** Made once: softwareSigner exports the public key, which cost more than the signature. */
  private readonly issuingSigner: Signer;
  private readonly now: () => Date;
  private readonly sources: MemoryLockouts;
  private readonly decoySecret = randomBytes(32);
  private readonly lockout: LockoutPolicy;
  private readonly pbmMaxIterations: number;

  constructor(
    private readonly ca: CaMaterial,
    private readonly db: CaDatabase,
    private readonly options: ResponderOptions = {},
  ) {
    this.issuingAsn = AsnConvert.parse(ca.issuing.certificate.rawData, Certificate);
    this.rootAsn = AsnConvert.parse(ca.root.certificate.rawData, Certificate);
    this.issuingSigner = softwareSigner(ca.issuing.privateKey);
    this.chainDer = [
      new Uint8Array(ca.issuing.certificate.rawData),
      new Uint8Array(ca.root.certificate.rawData),
    ];
    this.now = options.now ?? (() => new Date());
    this.lockout = options.lockout ?? defaultLockout;
    this.pbmMaxIterations = options.pbmMaxIterations ?? defaultPbmMaxIterations;
    this.sources = new MemoryLockouts(options.sourceFreeFailures ?? defaultSourceFreeFailures);
  }

  /**
   * Answers one request from `source` (the client's address, for locks per source; none in
   * process). Throws CmpMalformedError only when the bytes are no PKIMessage at all.
   */
  async handle(bytes: Uint8Array, source?: string): Promise<Buffer> {
    this.expireTransactions();
    const decoded = decodePkiMessage(bytes);
    const header = decoded.message.header;
    try {
      if (header.transactionID === undefined || header.senderNonce === undefined) {
        throw new Refusal(['badRequest'], 'transactionID and senderNonce are required');
      }
      if (header.pvno !== 2 && header.pvno !== 3)
        throw new Refusal(['unsupportedVersion'], `pvno ${header.pvno}`);
      switch (decoded.bodyType) {
        case 'ir':
        case 'cr':
          return await this.enrol(decoded, source);
        case 'kur':
          return await this.keyUpdate(decoded);
        case 'certConf':
          return await this.confirm(decoded, source);
        case 'rr':
          return await this.revoke(decoded, source);
        case 'genm':
          return await this.respond(
            decoded,
            this.generalResponse(decoded),
            this.signatureProtector(),
          );
        default:
          throw new Refusal(['badRequest'], `${decoded.bodyType} is not served here`);
      }
    } catch (error) {
      if (!(error instanceof Refusal)) {
        this.options.log?.error({ err: error, body: decoded.bodyType }, 'CMP request failed');
        return this.refuse(
          decoded,
          new Refusal(['systemFailure'], 'the CA failed; try again later'),
        );
      }
      this.options.log?.warn(
        { body: decoded.bodyType, failures: error.failures, reason: error.message },
        'CMP request refused',
      );
      return this.refuse(decoded, error);
    }
  }

  /**
   * genp to a genm (RFC 4210 §5.3.19, RFC 9483 §4.3): the CA certificates (id-it-caCerts, RFC
   * 9480 §4.3.1) when asked for them or for anything at all (an empty genm); other info types
   * are not served and left out of the answer. Nothing secret: no authentication needed.
   */
  private generalResponse(decoded: DecodedMessage): PkiBody {
    const asked = decoded.message.body.genm ?? [];
    if (asked.length > 0 && !asked.some((itav) => itav.type === cmpOid.itCaCerts))
      return new PkiBody({ genp: [] });
    const caCerts = encodeTlv(0x30, [
      new Uint8Array(this.ca.issuing.certificate.rawData),
      new Uint8Array(this.ca.root.certificate.rawData),
    ]);
    return new PkiBody({
      genp: [new TypeAndValue({ type: cmpOid.itCaCerts, value: new Uint8Array(caCerts).buffer })],
    });
  }

  private async enrol(decoded: DecodedMessage, source: string | undefined): Promise<Buffer> {
    const now = this.now().getTime();
    const { ref, secret, registration } = await this.authoriseByRegistration(decoded, now, source);
    if (registration.usedAt !== undefined)
      throw new Refusal(['badRequest'], 'the reference number was already used', secret);
    const request = this.singleRequest(decoded, secret);
    const publicKey = this.checkedPublicKey(request, secret);
    const r = this.randomNum(request, secret);
    // A personal certificate identifies its holder by the VID (DESIGN §4.2); a request without R
    // would get one that does not (item 4). Standard clients register without that need.
    if (registration.vidRequired && (r === undefined || registration.idn === undefined))
      throw new Refusal(
        ['badRequest'],
        r === undefined
          ? 'R (the VID random number, regInfo randomNum) is missing: this registration requires a VID'
          : 'the registration no longer holds the IDN for the VID',
        secret,
      );
    const subjectAltName =
      r !== undefined && registration.idn !== undefined
        ? AsnConvert.serialize(
            new SubjectAlternativeName([
              identifyDataGeneralName(registration.name, computeVid(registration.idn, r)),
            ]),
          )
        : undefined;
    r?.fill(0);
    const certificate = await issueEndEntity(this.ca, {
      publicKey,
      commonName: commonNameFor(registration.name),
      policyOid: this.policyOid(registration.profile),
      ...(subjectAltName === undefined ? {} : { subjectAltName: new Uint8Array(subjectAltName) }),
      ...this.locations(),
      now: new Date(now),
    });
    const body = decoded.bodyType === 'cr' ? 'cp' : 'ip';
    return this.certificateResponse(decoded, body, request, certificate, {
      protector: { kind: 'pbm', secret },
      kind: 'enrol',
      ref,
      // A reference number works once: whoever spends it first gets the certificate.
      spendRef: ref,
      holder: registration.idn === undefined ? undefined : this.db.holderTag(registration.idn),
    });
  }

  private async keyUpdate(decoded: DecodedMessage): Promise<Buffer> {
    const now = this.now().getTime();
    const old = await this.signerCertificate(decoded, now);
    const request = this.singleRequest(decoded, undefined);
    const publicKey = this.checkedPublicKey(request, undefined);
    const oldKey = new Uint8Array(
      AsnConvert.serialize(old.asn.tbsCertificate.subjectPublicKeyInfo),
    );
    if (Buffer.from(oldKey).equals(Buffer.from(publicKey)))
      throw new Refusal(['badCertTemplate'], 'key update with the same key');
    this.checkRenewable(old.record, now);
    const cn = old.x509.subjectName.getField('CN')[0] ?? 'unknown';
    const san = subjectAltNameOf(old.asn);
    const policy = policyOidOf(old.asn) ?? this.policyOid('general');
    const certificate = await issueEndEntity(this.ca, {
      publicKey,
      commonName: cn,
      policyOid: policy,
      ...(san === undefined ? {} : { subjectAltName: san }),
      ...this.locations(),
      now: new Date(now),
    });
    return this.certificateResponse(decoded, 'kup', request, certificate, {
      protector: this.signatureProtector(),
      kind: 'keyUpdate',
      ref: old.record.ref,
      holder: old.record.holder,
      predecessor: old.record.serial,
      signerSerial: old.record.serial,
    });
  }

  /**
   * What the CA itself requires of a key update (item 3), whatever the client checked: the
   * renewal window (`npki.renewalWindowDays` before expiry) and one renewal per certificate.
   */
  private checkRenewable(old: CertificateRecord, now: number): void {
    const windowDays = this.options.renewalWindowDays ?? defaultRenewalWindowDays;
    if (old.notAfter - now > windowDays * dayMs) {
      const opens = new Date(old.notAfter - windowDays * dayMs).toISOString().slice(0, 10);
      throw new Refusal(
        ['notAuthorized'],
        `renewal opens ${windowDays} days before expiry (on ${opens})`,
      );
    }
    const successor = this.db.successorOf(old.serial);
    if (successor === undefined) return;
    // A renewal still awaiting its certConf was abandoned (a token pulled before the rejection
    // could be signed): the new request voids it. A confirmed one stands, and only one does.
    const open = this.db.transactionFor(successor);
    if (open === undefined || !this.db.closeTransaction(open.id))
      throw new Refusal(['duplicateCertReq'], 'this certificate was already renewed');
    this.options.log?.warn({ serial: successor }, 'unconfirmed renewal voided by a new one');
    this.discard(open, now);
  }

  /**
   * Voids every certificate whose transaction waited longer than `ca.transactionTimeoutMs` for
   * its certConf (RFC 4210 §5.3.18: the CA need not wait for ever): revoked, and for an
   * enrolment the reference reopened as after a rejection. Called on every request and before a
   * CRL is served, so the CRL lists them without a timer.
   */
  expireTransactions(): void {
    const now = this.now().getTime();
    const timeout = this.options.transactionTimeoutMs ?? defaultTransactionTimeoutMs;
    for (const transaction of this.db.transactionsOpenedBefore(now - timeout)) {
      this.options.log?.warn(
        { serial: transaction.certSerial, kind: transaction.kind },
        'certificate never confirmed: transaction expired, certificate revoked',
      );
      if (this.db.closeTransaction(transaction.id)) this.discard(transaction, now);
    }
  }

  /**
   * A certificate the client refused or never confirmed (its transaction closed by the caller):
   * revoked, never usable. Only what its own
   * transaction spent comes back (item 2): an enrolment's reference, within the refusal limit; a
   * key update spent no reference (its record names the original enrolment's, which stays used),
   * and its certificate may be renewed again since the refused renewal no longer counts.
   */
  private discard(transaction: TransactionRecord, now: number): void {
    this.db.revoke(transaction.certSerial, reasonUnspecified, now);
    this.db.setCertificateStatus(transaction.certSerial, 'rejected');
    if (
      transaction.kind === 'enrol' &&
      transaction.ref !== undefined &&
      !this.db.reopen(transaction.ref)
    )
      this.options.log?.warn(
        { ref: transaction.ref },
        'registration not reopened: too many refusals',
      );
  }

  private async confirm(decoded: DecodedMessage, source: string | undefined): Promise<Buffer> {
    const header = decoded.message.header;
    const id = hex(header.transactionID);
    const transaction = this.db.transaction(id);
    if (transaction === undefined)
      throw new Refusal(['badRequest'], 'no transaction is waiting for this certConf');
    const secret =
      transaction.protection === 'pbm' && transaction.ref !== undefined
        ? this.db.registration(transaction.ref)?.authCode
        : undefined;
    const protector: Protector =
      secret === undefined ? this.signatureProtector() : { kind: 'pbm', secret };
    const now = this.now().getTime();
    const ref = secret === undefined ? undefined : transaction.ref;
    // A certConf MAC costs a PBM computation too: it is bounded and throttled like the request.
    if (ref !== undefined) {
      refuseWhileLocked(this.db.lockout(ref)?.lockedUntil ?? 0, now);
      this.refuseLockedSource(source, now);
    }
    // A certConf is protected by the credential of the transaction it confirms (item 2): the
    // same reference's code, or the very certificate that signed the kur, not any we issued.
    let signer: string | undefined;
    try {
      await verifyProtection(
        decoded,
        secret === undefined
          ? {
              trust: async (c) => {
                signer = hexSerial(new Uint8Array(c.tbsCertificate.serialNumber));
                // Valid when the kur was accepted: a renewal made in the old certificate's last
                // minute can still be confirmed after it (the attack review, defect 7).
                return (
                  signer === transaction.signerSerial &&
                  (await this.trusted(c, Math.min(now, transaction.createdAt)))
                );
              },
            }
          : { secret, maxPbmIterations: this.pbmMaxIterations },
      );
    } catch (error) {
      if (!(error instanceof CmpProtectionError)) throw error;
      if (ref !== undefined) {
        this.db.recordFailure(ref, now, this.lockout);
        if (source !== undefined) this.sources.recordFailure(source, now, this.lockout);
      }
      if (signer !== undefined && signer !== transaction.signerSerial)
        throw new Refusal(['notAuthorized'], 'the certConf is not signed by the requester');
      throw new Refusal(['badMessageCheck'], error.message, secret);
    }
    if (!equalBytes(header.recipNonce, transaction.senderNonce)) {
      throw new Refusal(
        ['badRecipientNonce'],
        'recipNonce is not the nonce of our response',
        secret,
      );
    }
    const record = this.db.certificate(transaction.certSerial);
    const status = decoded.message.body.certConf?.[0];
    if (record === undefined || status === undefined)
      throw new Refusal(['badRequest'], 'certConf without a CertStatus', secret);
    const hash = createHash('sha256').update(record.der).digest();
    if (!equalBytes(status.certHash, hash))
      throw new Refusal(['badCertId'], 'certHash is not that of the certificate issued', secret);
    // Two certConfs for one transaction may both have passed the checks above while their
    // protection was verified: the one that closes the transaction decides (item 19).
    if (!this.db.closeTransaction(id))
      throw new Refusal(['badRequest'], 'no transaction is waiting for this certConf', secret);
    if (status.statusInfo !== undefined && status.statusInfo.status !== pkiStatus.accepted) {
      // The client refused the certificate: it must never be usable.
      this.options.log?.warn({ serial: record.serial }, 'certificate rejected by the client');
      this.discard(transaction, now);
    } else {
      // The transaction is over either way: the IDN was kept for it alone (item 17).
      if (transaction.kind === 'enrol' && transaction.ref !== undefined)
        this.db.forgetIdn(transaction.ref);
      // A certificate revoked before its confirmation (an rr signed by its own key) stays
      // revoked: confirming it must not make it trusted again.
      if (!this.db.markIssued(record.serial))
        throw new Refusal(
          ['certRevoked'],
          'the certificate was revoked before it was confirmed',
          secret,
        );
      // A confirmed renewal supersedes the certificate it renews (RFC 5280 §5.3.1).
      if (record.predecessor !== undefined) {
        this.db.revoke(record.predecessor, reasonSuperseded, now);
        this.options.log?.info(
          { serial: record.predecessor, by: record.serial },
          'certificate superseded',
        );
      }
    }
    return this.respond(decoded, new PkiBody({ pkiconf: null }), protector);
  }

  private async revoke(decoded: DecodedMessage, source: string | undefined): Promise<Buffer> {
    const now = this.now().getTime();
    const details = decoded.message.body.rr ?? [];
    const [detail, ...more] = details;
    if (detail === undefined || more.length > 0)
      throw new Refusal(['badRequest'], 'exactly one certificate per revocation request');
    const reasonExt = detail.crlEntryDetails?.find((e) => e.extnID === '2.5.29.21');
    let reason = 0;
    try {
      if (reasonExt !== undefined) reason = AsnConvert.parse(reasonExt.extnValue, CRLReason).reason;
    } catch {
      throw new Refusal(['badDataFormat'], 'the revocation reason does not parse');
    }
    // A revocation here is final: no certificateHold (nor removeFromCRL, which only undoes one),
    // and no CA compromise claimed by an end entity (RFC 5280 §5.3.1).
    if (!holderReasons.has(reason))
      throw new Refusal(['badRequest'], `revocation reason ${String(reason)} is not accepted`);
    const serialBytes = detail.certDetails.serialNumber;
    if (serialBytes === undefined)
      throw new Refusal(['badCertId'], 'the serial number to revoke is missing');
    // RFC 5280 §4.1.2.2: serials are at most 20 octets (one more for a sign byte); anything
    // longer was not issued here and is not echoed back.
    if (serialBytes.byteLength > 21)
      throw new Refusal(['badCertId'], 'the serial number to revoke was not issued here');
    const serial = hexSerial(new Uint8Array(serialBytes));
    const record = this.db.certificate(serial);
    if (record === undefined)
      throw new Refusal(['badCertId'], 'the serial number to revoke was not issued here');
    let protector: Protector;
    if (decoded.message.header.protectionAlg?.algorithm === '1.2.840.113533.7.66.13') {
      const { ref, secret, registration } = await this.authoriseByRegistration(
        decoded,
        now,
        source,
      );
      const cn =
        new x509.X509Certificate(new Uint8Array(record.der)).subjectName.getField('CN')[0] ?? '';
      // The same name is not the same person (two 홍길동): the registration's IDN must be the
      // one the certificate was issued for. A certificate with no recorded holder is revoked by
      // its own signature only.
      const sameHolder =
        registration.idn !== undefined &&
        record.holder !== undefined &&
        this.db.holderTag(registration.idn) === record.holder;
      if (!cn.startsWith(`${registration.name}(`) || !sameHolder)
        throw new Refusal(['notAuthorized'], 'the registration is for another holder', secret);
      if (!this.db.markUsed(ref, now))
        throw new Refusal(['badRequest'], 'the reference number was already used', secret);
      // The IDN was kept for this one check (item 17).
      this.db.forgetIdn(ref);
      protector = { kind: 'pbm', secret };
    } else {
      const signer = await this.signerCertificate(decoded, now, true);
      if (signer.record.serial !== serial)
        throw new Refusal(
          ['notAuthorized'],
          'only the holder may revoke a certificate by signature',
        );
      protector = this.signatureProtector();
    }
    this.db.revoke(serial, reason, now);
    this.options.log?.info({ serial, reason }, 'certificate revoked');
    return this.respond(
      decoded,
      new PkiBody({ rp: new RevRepContent({ status: [statusInfo(pkiStatus.accepted)] }) }),
      protector,
    );
  }

  /** Checks the PBM of a request against the registration its senderKID names, with rate limiting. */
  private async authoriseByRegistration(
    decoded: DecodedMessage,
    now: number,
    source: string | undefined,
  ) {
    const kid = decoded.message.header.senderKID;
    if (kid === undefined)
      throw new Refusal(['badRequest'], 'senderKID (the reference number) is missing');
    const ref = Buffer.from(kid).toString('utf8');
    this.refuseLockedSource(source, now);
    const lockout = this.lockout;
    // Not a reference number the CA could have made (database.ts, register): the answer to a
    // wrong code, counted against the address only; nothing is stored under a client's string.
    if (!referencePattern.test(ref)) {
      if (source !== undefined) this.sources.recordFailure(source, now, lockout);
      throw new Refusal(['badMessageCheck'], wrongCodeText);
    }
    const registration = this.db.registration(ref);
    // An unknown reference is answered exactly as a known one with a wrong code, after the same
    // PBM computation against a decoy secret, and locks the same way: the answers must not
    // reveal which references are live.
    refuseWhileLocked(this.db.lockout(ref)?.lockedUntil ?? 0, now);
    try {
      await verifyProtection(decoded, {
        secret: registration?.authCode ?? this.decoySecret,
        maxPbmIterations: this.pbmMaxIterations,
      });
      if (registration === undefined) throw new CmpProtectionError('unknown reference');
    } catch (error) {
      if (!(error instanceof CmpProtectionError)) throw error;
      this.db.recordFailure(ref, now, lockout);
      if (source !== undefined) this.sources.recordFailure(source, now, lockout);
      throw new Refusal(['badMessageCheck'], wrongCodeText);
    }
    const secret = registration.authCode;
    if (now > registration.expiresAt)
      throw new Refusal(['badTime'], 'the registration has expired', secret);
    return { ref, secret, registration };
  }

  /** A client address past its free failures waits as a reference does (item 5). */
  private refuseLockedSource(source: string | undefined, now: number): void {
    if (source !== undefined) refuseWhileLocked(this.sources.lockedUntil(source), now);
  }

  /** The certificate that signed a kur/rr (or certConf): ours, valid, not revoked. */
  private async signerCertificate(decoded: DecodedMessage, now: number, allowAnyStatus = false) {
    let signer: Certificate | undefined;
    try {
      await verifyProtection(decoded, {
        trust: async (c) => {
          signer = c;
          return this.trusted(c, now, allowAnyStatus);
        },
      });
    } catch (error) {
      if (error instanceof CmpProtectionError)
        throw new Refusal(['signerNotTrusted'], error.message);
      throw error;
    }
    if (signer === undefined) throw new Refusal(['signerNotTrusted'], 'no signer certificate');
    const der = new Uint8Array(AsnConvert.serialize(signer));
    const record = this.db.certificate(
      hexSerial(new Uint8Array(signer.tbsCertificate.serialNumber)),
    );
    if (record === undefined)
      throw new Refusal(['signerNotTrusted'], 'the signer certificate was not issued here');
    return { asn: signer, x509: new x509.X509Certificate(der), record };
  }

  /** Whether a certificate was issued by this CA, is recorded as issued and is within validity. */
  private async trusted(
    certificate: Certificate,
    now: number,
    allowAnyStatus = false,
  ): Promise<boolean> {
    const cert = new x509.X509Certificate(new Uint8Array(AsnConvert.serialize(certificate)));
    const ok = await cert.verify(
      { publicKey: this.ca.issuing.certificate.publicKey, signatureOnly: true },
      nodeCrypto,
    );
    if (!ok) return false;
    const record = this.db.certificate(
      hexSerial(new Uint8Array(certificate.tbsCertificate.serialNumber)),
    );
    if (record === undefined || record.notAfter < now) return false;
    return allowAnyStatus ? record.status !== 'rejected' : record.status === 'issued';
  }

  private singleRequest(
    decoded: DecodedMessage,
    secret: Uint8Array | undefined,
  ): ReceivedCertRequest {
    const requests = receivedCertRequests(decoded);
    const [request, ...more] = requests;
    if (request === undefined || more.length > 0)
      throw new Refusal(['badRequest'], 'exactly one certificate request is served', secret);
    if (!popVerifies(request))
      throw new Refusal(['badPOP'], 'the proof of possession does not verify', secret);
    return request;
  }

  /** RSA of at least 2048 bits, or EC P-256 (DESIGN §3.3). */
  private checkedPublicKey(
    request: ReceivedCertRequest,
    secret: Uint8Array | undefined,
  ): Uint8Array<ArrayBuffer> {
    const spki = request.message.certReq.certTemplate.publicKey;
    if (spki === undefined)
      throw new Refusal(['badCertTemplate'], 'the template has no public key', secret);
    const der = new Uint8Array(AsnConvert.serialize(spki));
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    const details = key.asymmetricKeyDetails;
    const ok =
      (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) ||
      (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1');
    if (!ok) throw new Refusal(['badAlg'], 'keys must be RSA 2048 or more, or EC P-256', secret);
    return der;
  }

  private randomNum(request: ReceivedCertRequest, secret: Uint8Array): Buffer | undefined {
    const type = this.options.randomNumRegInfoType ?? defaultRandomNumRegInfoType;
    const entry = request.message.regInfo?.find((e) => e.type === type);
    if (entry === undefined) return undefined;
    try {
      return openRandomNumRegInfo(entry, this.ca.raEncryption.privateKey);
    } catch (error) {
      if (error instanceof RandomNumTransportError)
        throw new Refusal(['badDataFormat'], `R: ${error.message}`, secret);
      throw error;
    }
  }

  /** CRL distribution point and OCSP responder, as far as configured. */
  private locations(): { crlUrl?: string; ocspUrl?: string } {
    const { crlUrl, ocspUrl } = this.options;
    return {
      ...(crlUrl === undefined ? {} : { crlUrl }),
      ...(ocspUrl === undefined ? {} : { ocspUrl }),
    };
  }

  private policyOid(profile: 'restricted' | 'general'): string {
    return issuingPolicyOid(this.ca.caName, profile);
  }

  private async certificateResponse(
    decoded: DecodedMessage,
    body: 'ip' | 'cp' | 'kup',
    request: ReceivedCertRequest,
    certificate: x509.X509Certificate,
    issue: {
      readonly protector: Protector;
      readonly kind: 'enrol' | 'keyUpdate';
      readonly ref: string | undefined;
      readonly spendRef?: string;
      readonly holder: string | undefined;
      readonly predecessor?: string;
      readonly signerSerial?: string;
    },
  ): Promise<Buffer> {
    const rep = new CertRepMessage({
      response: [
        new CertResponse({
          certReqId: request.message.certReq.certReqId,
          status: statusInfo(pkiStatus.accepted),
          certifiedKeyPair: new CertifiedKeyPair({
            certOrEncCert: new CertOrEncCert({
              certificate: AsnConvert.parse(certificate.rawData, Certificate),
            }),
          }),
        }),
      ],
    });
    const header = this.responseHeader(decoded);
    const now = this.now().getTime();
    const serial = serialOf(certificate);
    const secret = issue.protector.kind === 'pbm' ? issue.protector.secret : undefined;
    const conflict = this.db.recordIssued(
      {
        serial,
        ref: issue.ref,
        der: new Uint8Array(certificate.rawData),
        notAfter: certificate.notAfter.getTime(),
        holder: issue.holder,
        predecessor: issue.predecessor,
      },
      {
        id: hex(decoded.message.header.transactionID),
        kind: issue.kind,
        ref: issue.ref,
        protection: issue.protector.kind,
        certSerial: serial,
        signerSerial: issue.signerSerial,
        senderNonce: Buffer.from(header.senderNonce ?? new ArrayBuffer(0)),
        createdAt: now,
      },
      now,
      issue.spendRef,
    );
    // The checks made before signing lost a race: the certificate is dropped unsent.
    if (conflict === 'referenceUsed')
      throw new Refusal(['badRequest'], 'the reference number was already used', secret);
    if (conflict === 'predecessorNotValid')
      throw new Refusal(['certRevoked'], 'the certificate to renew is no longer valid', secret);
    if (conflict === 'alreadyRenewed')
      throw new Refusal(['duplicateCertReq'], 'this certificate was already renewed', secret);
    if (conflict === 'transactionIdInUse')
      throw new Refusal(['transactionIdInUse'], 'the transactionID is in use', secret);
    return this.send(header, new PkiBody({ [body]: rep }), issue.protector);
  }

  private refuse(decoded: DecodedMessage, refusal: Refusal): Promise<Buffer> {
    const body = new PkiBody({
      error: new ErrorMsgContent({
        pkiStatusInfo: statusInfo(pkiStatus.rejection, refusal.message, refusal.failures),
      }),
    });
    const protector: Protector =
      refusal.secret === undefined
        ? this.signatureProtector()
        : { kind: 'pbm', secret: refusal.secret };
    return this.respond(decoded, body, protector);
  }

  private respond(decoded: DecodedMessage, body: PkiBody, protector: Protector): Promise<Buffer> {
    return this.send(this.responseHeader(decoded), body, protector);
  }

  private async send(header: PkiHeader, body: PkiBody, protector: Protector): Promise<Buffer> {
    const message = await protectMessage(header, body, protector);
    // The chain travels with every answer so a client can validate what it receives; the
    // signer's certificate first (RFC 9483 §3.3), which for a signed answer is the issuing CA's.
    delete message.extraCerts;
    return encodePkiMessageWithCerts(message, this.chainDer);
  }

  private responseHeader(decoded: DecodedMessage): PkiHeader {
    const request = decoded.message.header;
    return new PkiHeader({
      pvno: request.pvno === 3 ? 3 : 2,
      sender: new GeneralName({ directoryName: this.issuingAsn.tbsCertificate.subject }),
      recipient: request.sender,
      messageTime: new Date(Math.floor(this.now().getTime() / 1000) * 1000),
      ...(request.transactionID === undefined ? {} : { transactionID: request.transactionID }),
      senderNonce: new Uint8Array(randomBytes(16)).buffer,
      ...(request.senderNonce === undefined ? {} : { recipNonce: request.senderNonce }),
    });
  }

  private signatureProtector(): Protector {
    return {
      kind: 'signature',
      signer: this.issuingSigner,
      certificate: this.issuingAsn,
      chain: [this.rootAsn],
    };
  }
}

function serialOf(certificate: x509.X509Certificate): string {
  return hexSerial(Buffer.from(certificate.serialNumber, 'hex'));
}

/** Serial numbers as the database keys them: lower-case hex without leading zero bytes. */
export function hexSerial(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString('hex');
}

function hex(bytes: ArrayBuffer | undefined): string {
  return Buffer.from(bytes ?? new ArrayBuffer(0)).toString('hex');
}

function equalBytes(a: ArrayBuffer | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/** The first certificate policy of a certificate we issued (renewal keeps it). */
function policyOidOf(certificate: Certificate): string | undefined {
  const ext = certificate.tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.32');
  return ext === undefined
    ? undefined
    : AsnConvert.parse(ext.extnValue, CertificatePolicies)[0]?.policyIdentifier;
}
