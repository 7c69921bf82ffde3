// What the CMP responder's handlers share (responder.ts dispatches to enrol.ts, confirm.ts,
// revoke.ts, generalMessage.ts): the CA and its database, the options with their defaults, the
// locks per client address, and how every answer is headed, protected and sent with the chain.
import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, GeneralName } from '@peculiar/asn1-x509';
import { PkiHeader, type PkiBody } from '../cmp/asn1/pkiMessage.js';
import { encodePkiMessageWithCerts, type DecodedMessage } from '../cmp/message.js';
import { protectMessage, type Protector } from '../cmp/protection.js';
import { softwareSigner, type Signer } from '../crypto/signer.js';
import type { Logger } from '../log/logger.js';
import type { CaMaterial } from './caFiles.js';
import type { CaDatabase } from './database.js';
import { defaultLockout, MemoryLockouts, type LockoutPolicy } from './lockout.js';

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
/** The configuration's default (src/config/schema.ts), for a responder made without one. */
const defaultSourceFreeFailures = 10;

/** One per CmpResponder: its CA, database and options, and the answers it makes. */
export class ResponderContext {
  private readonly issuingAsn: Certificate;
  private readonly rootAsn: Certificate;
  private readonly chainDer: readonly Uint8Array[];
  /** Made once: softwareSigner exports the public key, which cost more than the signature. */
  private readonly issuingSigner: Signer;
  readonly now: () => Date;
  readonly sources: MemoryLockouts;
  readonly decoySecret = randomBytes(32);
  readonly lockout: LockoutPolicy;
  readonly pbmMaxIterations: number;

  constructor(
    readonly ca: CaMaterial,
    readonly db: CaDatabase,
    readonly options: ResponderOptions,
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

  respond(decoded: DecodedMessage, body: PkiBody, protector: Protector): Promise<Buffer> {
    return this.send(this.responseHeader(decoded), body, protector);
  }

  async send(header: PkiHeader, body: PkiBody, protector: Protector): Promise<Buffer> {
    const message = await protectMessage(header, body, protector);
    // The chain travels with every answer so a client can validate what it receives; the
    // signer's certificate first (RFC 9483 §3.3), which for a signed answer is the issuing CA's.
    delete message.extraCerts;
    return encodePkiMessageWithCerts(message, this.chainDer);
  }

  responseHeader(decoded: DecodedMessage): PkiHeader {
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

  signatureProtector(): Protector {
    return {
      kind: 'signature',
      signer: this.issuingSigner,
      certificate: this.issuingAsn,
      chain: [this.rootAsn],
    };
  }
}
