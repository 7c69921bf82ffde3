// Over 400 lines as one unit (issue 12): the fake CA is one responder with its fault switches; each
// fault needs the whole message path.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, GeneralName, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { CertReqMessages, CertReqMsg, CertRequest, CertTemplate } from '../../src/cmp/asn1/crmf.js';
import {
  CertRepMessage,
  CertResponse,
  ErrorMsgContent,
  PkiBody,
  PkiHeader,
  PollRep,
  RevRepContent,
  type PkiMessage,
} from '../../src/cmp/asn1/pkiMessage.js';
import { signedCertReqMsg } from '../../src/cmp/certRequests.js';
import {
  decodePkiMessage,
  encodePkiMessage,
  type BodyType,
  type DecodedMessage,
} from '../../src/cmp/message.js';
import { cmpOid } from '../../src/cmp/oids.js';
import { protectMessage, type Protector } from '../../src/cmp/protection.js';
import { pkiStatus, statusInfo } from '../../src/cmp/status.js';
import type { CmpTransport } from '../../src/cmp/transport.js';
import { caTrustFromPem, type CaTrust } from '../../src/cmp/trust.js';
import { chainPem, initCa, loadCa, type CaMaterial } from '../../src/ca/caFiles.js';
import { CaDatabase, type Profile } from '../../src/ca/database.js';
import type { LockoutPolicy } from '../../src/ca/lockout.js';
import { CmpResponder } from '../../src/ca/responder.js';
import { softwareSigner } from '../../src/crypto/signer.js';
import { CmpTransportError } from '../../src/errors/index.js';
import { tempDir } from './tempDir.js';

/**
 * What the fake CA can be told to do with the next request (`failNext`):
 * - `badProtection`: the real answer with one byte of its protection flipped;
 * - `wrongNonce` / `wrongTransaction`: the real answer, properly re-protected, with a recipNonce /
 *   transactionID that is not the client's;
 * - `waiting` (ir/cr/kur): an ip/cp/kup with status waiting; then `polls` pollReps (checkAfter
 *   seconds) to pollReqs, then the real answer;
 * - `rejection`: an error message (failInfo badRequest, statusString `rejectionText`), nothing
 *   issued;
 * - `rejectedStatus`: an ip/cp/kup (rp to rr) with status rejection, failInfo badRequest;
 * - `garbage`: random bytes;
 * - `silence`: no answer until the caller's AbortSignal aborts (then CmpTransportError);
 * - `otherKey` (ir/cr only): the CA really issues, for a key of its own instead of the client's,
 *   a certificate it records and answers as usual.
 */
export type CmpFault =
  | 'badProtection'
  | 'wrongNonce'
  | 'wrongTransaction'
  | 'waiting'
  | 'rejection'
  | 'rejectedStatus'
  | 'garbage'
  | 'silence'
  | 'otherKey';

export interface FaultOptions {
  /** `waiting`: how many pollReps before the real answer (default 1). */
  readonly polls?: number;
  /** `waiting`: the pollReps' checkAfter, in seconds (default 1). */
  readonly checkAfter?: number;
}

/** The text of the `rejection` and `rejectedStatus` answers. */
export const rejectionText = 'fake CA: refused as the test asked';

export interface FakeCaOptions {
  /** Reuse a CA made earlier (a fresh one per FakeCa costs three RSA key generations). */
  readonly material?: CaMaterial;
  readonly caName?: string;
  readonly now?: () => Date;
  /** Responder settings the configuration carries (`ca.lockout*`, `ca.pbmMaxIterations`). */
  readonly lockout?: LockoutPolicy;
  readonly pbmMaxIterations?: number;
  /** The CA's renewal window (`npki.renewalWindowDays`, default 30 as configured). */
  readonly renewalWindowDays?: number;
  /** `ca.transactionTimeoutMs` (default five minutes). */
  readonly transactionTimeoutMs?: number;
}

/** One request the fake CA received. */
export interface SeenRequest {
  readonly bodyType: BodyType;
  /** Hex. */
  readonly transactionID: string;
  readonly message: PkiMessage;
}

interface Polling {
  readonly transactionID: string;
  /** The real answer, held back until the polls are over. */
  readonly answer: Uint8Array;
  remaining: number;
  readonly checkAfter: number;
}

/**
 * An in-process CA for unit tests: a real CmpResponder over a real embedded CA (made with initCa in
 * a temporary folder) and a CaDatabase in memory, behind the CmpTransport contract, plus test
 * controls to make it answer each failure a client must survive. State is per instance.
 */
export class FakeCa implements CmpTransport {
  /** The requests received, in order. */
  readonly seen: SeenRequest[] = [];
  /** The certificates carried by the ip/cp/kup answers sent, in order (whatever the fault). */
  readonly certificatesSent: Certificate[] = [];
  /** What clients configure: anchors and the RA encryption certificate. */
  readonly trust: CaTrust;

  private readonly faults: { fault: CmpFault; options: FaultOptions }[] = [];
  private readonly secrets = new Map<string, Buffer>();
  private readonly polling = new Map<string, Polling>();
  private readonly silent = new Set<(error: CmpTransportError) => void>();
  private readonly issuingAsn: Certificate;
  private readonly rootAsn: Certificate;
  private readonly now: () => Date;
  private closed = false;

  private constructor(
    readonly material: CaMaterial,
    readonly db: CaDatabase,
    readonly responder: CmpResponder,
    now: () => Date,
  ) {
    this.trust = caTrustFromPem(chainPem(material));
    this.issuingAsn = AsnConvert.parse(material.issuing.certificate.rawData, Certificate);
    this.rootAsn = AsnConvert.parse(material.root.certificate.rawData, Certificate);
    this.now = now;
  }

  /** A CA in a temporary folder (removed when the test file ends), its database in memory. */
  static async create(options: FakeCaOptions = {}): Promise<FakeCa> {
    const now = options.now ?? (() => new Date());
    const material = options.material ?? (await FakeCa.newMaterial(options.caName, now()));
    const db = new CaDatabase(':memory:', material.sealKey);
    const { lockout, pbmMaxIterations, renewalWindowDays, transactionTimeoutMs } = options;
    const responder = new CmpResponder(material, db, {
      now,
      ...(lockout === undefined ? {} : { lockout }),
      ...(pbmMaxIterations === undefined ? {} : { pbmMaxIterations }),
      ...(renewalWindowDays === undefined ? {} : { renewalWindowDays }),
      ...(transactionTimeoutMs === undefined ? {} : { transactionTimeoutMs }),
    });
    return new FakeCa(material, db, responder, now);
  }

  /** A fresh CA's files, for several FakeCa instances to share. */
  static async newMaterial(caName = 'yessign', now = new Date()): Promise<CaMaterial> {
    const dir = join(tempDir('fake-ca-'), 'ca');
    await initCa(dir, caName, 'kioskRA', now);
    return loadCa(dir);
  }

  /** An RA registration: the one-time reference number and authorization code. */
  register(
    name: string,
    idn: string,
    profile: Profile = 'restricted',
    vid: 'required' | 'optional' = 'required',
  ): { ref: string; authCode: string } {
    const now = this.now().getTime();
    const { ref, authCode } = this.db.register(name, idn, profile, now, vid === 'required');
    return { ref, authCode };
  }

  /** The body types received, in order. */
  get bodyTypes(): BodyType[] {
    return this.seen.map((s) => s.bodyType);
  }

  /**
   * Answers the next request (the next but one after earlier calls, …) with `fault`. To hit the
   * answer to a certConf, call it from the client's certificate check.
   */
  failNext(fault: CmpFault, options: FaultOptions = {}): void {
    this.faults.push({ fault, options });
  }

  /** Faults asked for and not used yet. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  /** Closes the database; requests left in silence fail with CmpTransportError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fail of this.silent) fail(new CmpTransportError('fake CA: closed'));
    this.silent.clear();
    this.db.close();
  }

  async send(request: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const answer = await this.answerRequest(request, signal);
    this.noteCertificates(answer);
    return answer;
  }

  private noteCertificates(answer: Uint8Array): void {
    let body: PkiBody;
    try {
      body = decodePkiMessage(answer).message.body;
    } catch {
      return; // garbage
    }
    for (const response of (body.ip ?? body.cp ?? body.kup)?.response ?? []) {
      const certificate = response.certifiedKeyPair?.certOrEncCert.certificate;
      if (certificate !== undefined) this.certificatesSent.push(certificate);
    }
  }

  private async answerRequest(request: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) throw new CmpTransportError('fake CA: closed');
    if (signal?.aborted === true)
      throw new CmpTransportError('fake CA: cancelled', { cause: signal.reason });
    // Not a PKIMessage: the real responder's typed error, as `kiosk ca serve` sees it.
    const decoded = decodePkiMessage(request);
    const id = hex(decoded.message.header.transactionID);
    this.seen.push({ bodyType: decoded.bodyType, transactionID: id, message: decoded.message });
    this.rememberSecret(decoded, id);

    const polling = this.polling.get(id);
    if (decoded.bodyType === 'pollReq' && polling !== undefined)
      return this.answerPoll(decoded, polling);

    const next = this.faults.shift();
    if (next === undefined) return this.responder.handle(request);
    const { fault, options } = next;
    switch (fault) {
      case 'silence':
        return this.silence(signal);
      case 'garbage':
        return garbage();
      case 'rejection':
        return this.answer(
          decoded,
          new PkiBody({
            error: new ErrorMsgContent({
              pkiStatusInfo: statusInfo(pkiStatus.rejection, rejectionText, ['badRequest']),
            }),
          }),
        );
      case 'rejectedStatus': {
        const status = statusInfo(pkiStatus.rejection, rejectionText, ['badRequest']);
        return this.answer(
          decoded,
          decoded.bodyType === 'rr'
            ? new PkiBody({ rp: new RevRepContent({ status: [status] }) })
            : certRepBody(decoded, new CertResponse({ certReqId: certReqIdOf(decoded), status })),
        );
      }
      case 'badProtection':
        return flipProtection(await this.responder.handle(request));
      case 'wrongNonce':
        return this.reprotect(await this.responder.handle(request), id, (header) => {
          header.recipNonce = freshNonce();
        });
      case 'wrongTransaction':
        return this.reprotect(await this.responder.handle(request), id, (header) => {
          header.transactionID = freshNonce();
        });
      case 'waiting':
        return this.startWaiting(decoded, request, id, options);
      case 'otherKey':
        return this.responder.handle(await this.forOtherKey(decoded, id));
    }
  }

  /** The PBM secret of each transaction opened with a reference number we know. */
  private rememberSecret(decoded: DecodedMessage, id: string): void {
    const kid = decoded.message.header.senderKID;
    if (kid === undefined) return;
    const registration = this.db.registration(Buffer.from(kid).toString('utf8'));
    if (registration !== undefined) this.secrets.set(id, registration.authCode);
  }

  private async startWaiting(
    decoded: DecodedMessage,
    request: Uint8Array,
    id: string,
    options: FaultOptions,
  ): Promise<Uint8Array> {
    const waiting = certRepBody(
      decoded,
      new CertResponse({
        certReqId: certReqIdOf(decoded),
        status: statusInfo(pkiStatus.waiting, 'fake CA: waiting as the test asked'),
      }),
    );
    const answer = await this.responder.handle(request);
    const real = decodePkiMessage(answer);
    // A refusal is not held back: the client learns it at once.
    if (real.bodyType === 'error') return answer;
    this.polling.set(id, {
      transactionID: id,
      answer,
      remaining: options.polls ?? 1,
      checkAfter: options.checkAfter ?? 1,
    });
    return this.answer(decoded, waiting);
  }

  private async answerPoll(decoded: DecodedMessage, polling: Polling): Promise<Uint8Array> {
    const certReqId = decoded.message.body.pollReq?.[0]?.certReqId ?? 0;
    if (polling.remaining > 0) {
      polling.remaining--;
      return this.answer(
        decoded,
        new PkiBody({ pollRep: [new PollRep({ certReqId, checkAfter: polling.checkAfter })] }),
      );
    }
    this.polling.delete(polling.transactionID);
    // The held answer, now to this pollReq: only its recipNonce changes (RFC 4210 §5.1.1), so
    // the CA's senderNonce, which certConf must echo, stays what the responder recorded.
    const recipNonce = decoded.message.header.senderNonce;
    return this.reprotect(polling.answer, polling.transactionID, (header) => {
      if (recipNonce === undefined) delete header.recipNonce;
      else header.recipNonce = recipNonce;
    });
  }

  /** The client's ir/cr, its template's key replaced by one of ours, PBM-protected anew. */
  private async forOtherKey(decoded: DecodedMessage, id: string): Promise<Uint8Array> {
    const { body, header } = decoded.message;
    const original = body.ir?.[0] ?? body.cr?.[0];
    const secret = this.secrets.get(id);
    if (original === undefined || secret === undefined)
      throw new Error('fake CA: otherKey applies to an ir or cr with a known reference number');
    const other = softwareSigner(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
    );
    const template = AsnConvert.parse(
      AsnConvert.serialize(original.certReq.certTemplate),
      CertTemplate,
    );
    template.publicKey = AsnConvert.parse(other.publicKey, SubjectPublicKeyInfo);
    const message: CertReqMsg = await signedCertReqMsg(
      new CertRequest({ certReqId: original.certReq.certReqId, certTemplate: template }),
      other,
    );
    if (original.regInfo !== undefined) message.regInfo = original.regInfo;
    const forged = new PkiBody({
      [decoded.bodyType === 'cr' ? 'cr' : 'ir']: new CertReqMessages([message]),
    });
    return encodePkiMessage(await protectMessage(header, forged, { kind: 'pbm', secret }));
  }

  /** An answer built here, headed and protected as the responder would. */
  private async answer(decoded: DecodedMessage, body: PkiBody): Promise<Uint8Array> {
    const request = decoded.message.header;
    const header = new PkiHeader({
      pvno: request.pvno === 3 ? 3 : 2,
      sender: new GeneralName({ directoryName: this.issuingAsn.tbsCertificate.subject }),
      recipient: request.sender,
      messageTime: new Date(Math.floor(this.now().getTime() / 1000) * 1000),
      ...(request.transactionID === undefined ? {} : { transactionID: request.transactionID }),
      senderNonce: freshNonce(),
      ...(request.senderNonce === undefined ? {} : { recipNonce: request.senderNonce }),
    });
    const pbm = request.protectionAlg?.algorithm === cmpOid.passwordBasedMac;
    return this.protect(header, body, this.protector(hex(request.transactionID), pbm));
  }

  /** A real answer changed by `mutate`, then protected again as it was. */
  private async reprotect(
    answer: Uint8Array,
    id: string,
    mutate: (header: PkiHeader) => void,
  ): Promise<Uint8Array> {
    const { header, body } = decodePkiMessage(answer).message;
    const pbm = header.protectionAlg?.algorithm === cmpOid.passwordBasedMac;
    mutate(header);
    return this.protect(header, body, this.protector(id, pbm));
  }

  private async protect(header: PkiHeader, body: PkiBody, protector: Protector): Promise<Buffer> {
    const message = await protectMessage(header, body, protector);
    message.extraCerts ??= [this.issuingAsn, this.rootAsn];
    return encodePkiMessage(message);
  }

  private protector(id: string, pbm: boolean): Protector {
    const secret = pbm ? this.secrets.get(id) : undefined;
    if (secret !== undefined) return { kind: 'pbm', secret };
    return {
      kind: 'signature',
      signer: softwareSigner(this.material.issuing.privateKey),
      certificate: this.issuingAsn,
      chain: [this.rootAsn],
    };
  }

  private silence(signal: AbortSignal | undefined): Promise<never> {
    return new Promise((_resolve, reject) => {
      const fail = (error: CmpTransportError): void => {
        this.silent.delete(fail);
        reject(error);
      };
      this.silent.add(fail);
      signal?.addEventListener(
        'abort',
        () => {
          fail(
            new CmpTransportError('fake CA: no answer before the abort', { cause: signal.reason }),
          );
        },
        { once: true },
      );
    });
  }
}

/** ip for ir, cp for cr, kup for kur. */
function certRepBody(decoded: DecodedMessage, response: CertResponse): PkiBody {
  const types: Partial<Record<BodyType, BodyType>> = { ir: 'ip', cr: 'cp', kur: 'kup' };
  const type = types[decoded.bodyType];
  if (type === undefined)
    throw new Error(`fake CA: no certificate response to ${decoded.bodyType}`);
  return new PkiBody({ [type]: new CertRepMessage({ response: [response] }) });
}

function certReqIdOf(decoded: DecodedMessage): number {
  const body = decoded.message.body;
  return (body.ir ?? body.cr ?? body.kur)?.[0]?.certReq.certReqId ?? 0;
}

/** The message with the last byte of its protection BIT STRING inverted. */
function flipProtection(answer: Uint8Array): Buffer {
  const message = decodePkiMessage(answer).message;
  const protection = message.protection;
  if (protection === undefined) throw new Error('fake CA: the answer has no protection to flip');
  const value = new Uint8Array(protection.value.slice(0));
  const last = value.length - 1;
  value[last] = (value[last] ?? 0) ^ 0xff;
  protection.value = value.buffer;
  return encodePkiMessage(message);
}

/** Bytes that are no PKIMessage: random, but never starting like a SEQUENCE. */
function garbage(): Buffer {
  const bytes = randomBytes(96);
  if (bytes[0] === 0x30) bytes[0] = 0x04;
  return bytes;
}

function freshNonce(): ArrayBuffer {
  return new Uint8Array(randomBytes(16)).buffer;
}

function hex(bytes: ArrayBuffer | undefined): string {
  return Buffer.from(bytes ?? new ArrayBuffer(0)).toString('hex');
}
