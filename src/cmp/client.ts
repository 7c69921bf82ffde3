import { sameBytes } from '../shared/bytes.js';
import { defaultPbmSettings } from './pbm.js';
import { createHash, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  CRLReason,
  Extension,
  Extensions,
  GeneralName,
  Name,
  SubjectPublicKeyInfo,
  type Certificate,
} from '@peculiar/asn1-x509';
import type { Signer } from '../crypto/signer.js';
import { CmpMismatchError, CmpRejectedError, CmpUnconfirmedError } from '../errors/index.js';
import { serialHex } from '../npki/certificate.js';
import { CertReqMessages, CertRequest, CertTemplate } from './asn1/crmf.js';
import {
  CertStatus,
  PkiBody,
  PkiHeader,
  PollReq,
  RevDetails,
  type CertResponse,
  type PkiStatusInfo,
} from './asn1/pkiMessage.js';
import { nameWithCommonName, signedCertReqMsg } from './certRequests.js';
import {
  decodePkiMessage,
  encodePkiMessage,
  type BodyType,
  type DecodedMessage,
} from './message.js';
import { protectMessage, verifyProtection, type Protector } from './protection.js';
import { describeStatus, pkiStatus, statusInfo } from './status.js';
import { abortableSleep } from './transport.js';
import { chainsToAnchor } from './trust.js';

/**
 * How long a certConf may take. It does not follow the caller's signal: once a certificate has
 * arrived, the CA is told the outcome even if the caller cancelled meanwhile.
 */
const certConfTimeoutMs = 10_000;

export type {
  CertificateCheck,
  CmpClientOptions,
  EnrolRequest,
  KeyUpdateRequest,
  RevokeRequest,
} from './clientRequests.js';
import type {
  CertificateCheck,
  CmpClientOptions,
  EnrolRequest,
  KeyUpdateRequest,
  RevokeRequest,
} from './clientRequests.js';

interface Transaction {
  readonly id: ArrayBuffer;
  readonly protector: Protector;
  readonly secret: Uint8Array | undefined;
  senderNonce: ArrayBuffer;
  recipNonce: ArrayBuffer | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * The kiosk's CMP client (RFC 4210/9480; DESIGN §5): enrolment (ir + certConf), key update (kur,
 * signed with the current key), revocation (rr), polling while the CA answers `waiting`. Every
 * answer is checked: protection, transactionID, recipNonce, body type, status, that the
 * certificate is for our key and chains to the anchors, and the caller's checks; a certificate
 * that fails a check is refused with certConf (rejection) before the error is raised.
 */
export class CmpClient {
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => Date;

  constructor(private readonly options: CmpClientOptions) {
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? (() => new Date());
  }

  /** ir with PBM from the RA's reference and code; returns the confirmed certificate. */
  async enrol(request: EnrolRequest): Promise<Certificate> {
    const tx = this.begin(
      {
        kind: 'pbm',
        secret: request.secret,
        settings: this.options.pbmSettings ?? defaultPbmSettings,
      },
      request.secret,
      request.signal,
    );
    const certReq = new CertRequest({
      certReqId: 0,
      // RFC 4211 §4.1: a signature POP without poposkInput needs both subject and publicKey in
      // the template (OpenSSL refuses it otherwise). The CA sets the real subject; this names the
      // registration the request is for.
      certTemplate: new CertTemplate({
        subject: request.subject ?? nameWithCommonName(request.ref),
        publicKey: AsnConvert.parse(request.signer.publicKey, SubjectPublicKeyInfo),
      }),
    });
    const message = await signedCertReqMsg(certReq, request.signer);
    if (request.regInfo !== undefined && request.regInfo.length > 0)
      message.regInfo = [...request.regInfo];
    const header = this.header(tx, Buffer.from(request.ref, 'utf8'));
    request.onRequest?.(new Uint8Array(tx.id));
    return this.obtainCertificate(
      tx,
      header,
      new PkiBody({ ir: new CertReqMessages([message]) }),
      'ip',
      request.signer,
      request.check,
      request.onCertificate,
    );
  }

  /** kur signed with the current certificate's key; returns the confirmed new certificate. */
  async keyUpdate(request: KeyUpdateRequest): Promise<Certificate> {
    const tx = this.begin(
      {
        kind: 'signature',
        signer: request.current.signer,
        certificate: request.current.certificate,
      },
      undefined,
      request.signal,
    );
    const certReq = new CertRequest({
      certReqId: 0,
      certTemplate: new CertTemplate({
        subject: request.current.certificate.tbsCertificate.subject,
        publicKey: AsnConvert.parse(request.signer.publicKey, SubjectPublicKeyInfo),
      }),
    });
    const message = await signedCertReqMsg(certReq, request.signer);
    const header = this.header(tx, undefined, request.current.certificate.tbsCertificate.subject);
    return this.obtainCertificate(
      tx,
      header,
      new PkiBody({ kur: new CertReqMessages([message]) }),
      'kup',
      request.signer,
      request.check,
      request.onCertificate,
    );
  }

  /** rr for a certificate, signed with its own key. */
  async revoke(request: RevokeRequest): Promise<void> {
    const tx = this.begin(
      { kind: 'signature', signer: request.signer, certificate: request.certificate },
      undefined,
      request.signal,
    );
    const tbs = request.certificate.tbsCertificate;
    const details = new RevDetails({
      certDetails: new CertTemplate({ serialNumber: tbs.serialNumber, issuer: tbs.issuer }),
      crlEntryDetails: new Extensions([
        new Extension({
          extnID: '2.5.29.21',
          critical: false,
          extnValue: new OctetString(AsnConvert.serialize(new CRLReason(request.reason))),
        }),
      ]),
    });
    const answer = await this.exchange(
      tx,
      this.header(tx, undefined, tbs.subject),
      new PkiBody({ rr: [details] }),
      'rp',
    );
    const status = answer.message.body.rp?.status[0];
    if (status === undefined) throw new CmpMismatchError('body', 'rp without a status');
    this.raiseIfRejected(status);
  }

  private async obtainCertificate(
    tx: Transaction,
    header: PkiHeader,
    body: PkiBody,
    expected: BodyType,
    signer: Signer,
    check: CertificateCheck | undefined,
    onCertificate: (() => void) | undefined,
  ): Promise<Certificate> {
    let answer = await this.exchange(tx, header, body, expected);
    let response = this.certResponse(answer, expected);
    if (response.status.status === pkiStatus.waiting) {
      answer = await this.poll(tx, response.certReqId, expected);
      response = this.certResponse(answer, expected);
    }
    this.raiseIfRejected(response.status);
    const certificate = response.certifiedKeyPair?.certOrEncCert.certificate;
    if (certificate === undefined)
      throw new CmpMismatchError('certificate', 'the answer carries no (plain) certificate');
    try {
      onCertificate?.();
      const ours = Buffer.from(signer.publicKey);
      const theirs = Buffer.from(
        AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo),
      );
      if (!ours.equals(theirs))
        throw new CmpMismatchError('publicKey', 'the certificate is for another key than ours');
      if (
        !(await chainsToAnchor(
          certificate,
          this.options.anchors,
          answer.message.extraCerts ?? [],
          this.now(),
        ))
      ) {
        throw new CmpMismatchError('issuer', 'the certificate does not chain to a trusted CA');
      }
      await check?.(certificate);
    } catch (error) {
      // Whatever went wrong (a check, or storing the pair), the CA must not hold the certificate
      // as delivered: refuse it, best effort, then report the original error.
      const reason =
        error instanceof CmpMismatchError
          ? error.message
          : 'the kiosk could not accept the certificate';
      this.options.log?.warn({ err: error }, 'refusing the certificate');
      // Sent even when the caller cancelled (that may be the error): the CA must not keep the
      // certificate as delivered. Its own deadline stands in for the caller's signal.
      await this.confirm(
        { ...tx, signal: AbortSignal.timeout(certConfTimeoutMs) },
        certificate,
        response.certReqId,
        statusInfo(pkiStatus.rejection, reason, ['incorrectData']),
      ).catch((confirmError: unknown) =>
        this.options.log?.warn({ err: confirmError }, 'the rejection did not reach the CA'),
      );
      throw error;
    }
    try {
      await this.confirm(
        { ...tx, signal: AbortSignal.timeout(certConfTimeoutMs) },
        certificate,
        response.certReqId,
        undefined,
      );
    } catch (error) {
      // The pair is stored and our acceptance may have reached the CA: the caller keeps it.
      throw new CmpUnconfirmedError(serialHex(certificate), { cause: error });
    }
    return certificate;
  }

  /**
   * Polls (RFC 4210 §5.3.22) until the answer is no longer `waiting`: at most maxPolls requests
   * in all, each wait capped at maxCheckAfterSeconds and cut short by the caller's signal.
   */
  private async poll(
    tx: Transaction,
    certReqId: number,
    expected: BodyType,
  ): Promise<DecodedMessage> {
    const maxPolls = this.options.maxPolls ?? 10;
    for (let polls = 0; ; polls++) {
      if (polls >= maxPolls) {
        throw new CmpRejectedError(
          pkiStatus.waiting,
          [],
          `the CA kept the request waiting after ${maxPolls} polls`,
        );
      }
      const answer = await this.exchange(
        tx,
        this.header(tx),
        new PkiBody({ pollReq: [new PollReq({ certReqId })] }),
        expected,
        'pollRep',
      );
      const rep = answer.message.body.pollRep?.[0];
      if (
        rep === undefined &&
        this.certResponse(answer, expected).status.status !== pkiStatus.waiting
      )
        return answer;
      const checkAfter = rep?.checkAfter ?? 1;
      const wait = Math.min(Math.max(checkAfter, 0), this.options.maxCheckAfterSeconds ?? 30);
      this.options.log?.info({ seconds: wait }, 'CA asks to poll again');
      await this.sleep(wait * 1000, tx.signal);
    }
  }

  private async confirm(
    tx: Transaction,
    certificate: Certificate,
    certReqId: number,
    rejection: PkiStatusInfo | undefined,
  ): Promise<void> {
    const certHash = createHash('sha256')
      .update(new Uint8Array(AsnConvert.serialize(certificate)))
      .digest();
    const status = new CertStatus({ certHash: new Uint8Array(certHash).buffer, certReqId });
    if (rejection !== undefined) status.statusInfo = rejection;
    await this.exchange(tx, this.header(tx), new PkiBody({ certConf: [status] }), 'pkiconf');
  }

  /** Sends one request of the transaction and returns the checked answer of the expected type. */
  private async exchange(
    tx: Transaction,
    header: PkiHeader,
    body: PkiBody,
    ...expected: BodyType[]
  ): Promise<DecodedMessage> {
    const message = await protectMessage(header, body, tx.protector);
    const answer = decodePkiMessage(
      await this.options.transport.send(encodePkiMessage(message), tx.signal),
    );
    const h = answer.message.header;
    await verifyProtection(answer, {
      ...(tx.secret === undefined ? {} : { secret: tx.secret }),
      trust: (signer, chain) => chainsToAnchor(signer, this.options.anchors, chain, this.now()),
    });
    if (!sameBytes(h.transactionID, tx.id))
      throw new CmpMismatchError('transactionID', 'the answer belongs to another transaction');
    if (!sameBytes(h.recipNonce, tx.senderNonce))
      throw new CmpMismatchError('recipNonce', 'the answer does not echo our nonce');
    tx.recipNonce = h.senderNonce;
    if (answer.bodyType === 'error') {
      const error = answer.message.body.error;
      const { failures, text } = describeStatus(
        error?.pkiStatusInfo ?? statusInfo(pkiStatus.rejection),
      );
      throw new CmpRejectedError(
        error?.pkiStatusInfo.status ?? pkiStatus.rejection,
        failures,
        text,
      );
    }
    if (!expected.includes(answer.bodyType)) {
      throw new CmpMismatchError(
        'body',
        `expected ${expected.join(' or ')}, received ${answer.bodyType}`,
      );
    }
    return answer;
  }

  private certResponse(answer: DecodedMessage, expected: BodyType): CertResponse {
    const body = answer.message.body;
    const rep = expected === 'kup' ? body.kup : expected === 'cp' ? body.cp : body.ip;
    const response = rep?.response.find((r) => r.certReqId === 0);
    if (response === undefined)
      throw new CmpMismatchError('certReqId', 'no response to our request 0');
    return response;
  }

  private raiseIfRejected(status: PkiStatusInfo): void {
    if (status.status === pkiStatus.accepted || status.status === pkiStatus.grantedWithMods) return;
    const { failures, text } = describeStatus(status);
    throw new CmpRejectedError(status.status, failures, text);
  }

  private begin(
    protector: Protector,
    secret: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Transaction {
    return { id: fresh(), protector, secret, senderNonce: fresh(), recipNonce: undefined, signal };
  }

  /** A header for the next message of the transaction, with a fresh nonce (RFC 4210 §5.1.1). */
  private header(tx: Transaction, senderKID?: Uint8Array, sender?: Name): PkiHeader {
    tx.senderNonce = fresh();
    const anchor = this.options.anchors[0];
    return new PkiHeader({
      pvno: 2,
      sender: new GeneralName({ directoryName: sender ?? new Name() }),
      recipient: new GeneralName({
        directoryName:
          anchor === undefined
            ? new Name()
            : AsnConvert.parse(anchor.subjectName.toArrayBuffer(), Name),
      }),
      messageTime: new Date(Math.floor(this.now().getTime() / 1000) * 1000),
      ...(senderKID === undefined ? {} : { senderKID: new Uint8Array(senderKID).buffer }),
      transactionID: tx.id,
      senderNonce: tx.senderNonce,
      ...(tx.recipNonce === undefined ? {} : { recipNonce: tx.recipNonce }),
    });
  }
}

function fresh(): ArrayBuffer {
  return new Uint8Array(randomBytes(16)).buffer;
}
