import {
  AsnArray,
  AsnProp,
  AsnIntegerArrayBufferConverter,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  BitString,
} from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  CertificateList,
  Extensions,
  GeneralName,
} from '@peculiar/asn1-x509';
import { CertReqMessages, CertTemplate, TypeAndValue } from './crmf.js';

// CMP (RFC 4210 / RFC 9480, module PKIXCMP) is written with EXPLICIT TAGS: every [n] below wraps
// its value. Bodies the kiosk never sends or answers are kept as raw bytes so that any valid
// PKIMessage parses. Hand-written: no JS library declares CMP (DESIGN §5).

/** `PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String` */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Utf8String })
export class PkiFreeText extends AsnArray<string> {
  constructor(items?: string[]) {
    super(items);
    Object.setPrototypeOf(this, PkiFreeText.prototype);
  }
}

/** `PKIHeader` (RFC 4210 §5.1.1). pvno 2 (cmp2000) unless the message needs cmp2021 (3). */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PkiHeader {
  @AsnProp({ type: AsnPropTypes.Integer })
  pvno = 2;

  @AsnProp({ type: GeneralName })
  sender = new GeneralName();

  @AsnProp({ type: GeneralName })
  recipient = new GeneralName();

  @AsnProp({ type: AsnPropTypes.GeneralizedTime, context: 0, optional: true })
  messageTime?: Date;

  @AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })
  protectionAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 2, optional: true })
  senderKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 3, optional: true })
  recipKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 4, optional: true })
  transactionID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 5, optional: true })
  senderNonce?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 6, optional: true })
  recipNonce?: ArrayBuffer;

  @AsnProp({ type: PkiFreeText, context: 7, optional: true })
  freeText?: PkiFreeText;

  @AsnProp({ type: TypeAndValue, context: 8, repeated: 'sequence', optional: true })
  generalInfo?: TypeAndValue[];

  constructor(params: Partial<PkiHeader> = {}) {
    Object.assign(this, params);
  }
}

/** `PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PkiStatusInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  status = 0;

  @AsnProp({ type: PkiFreeText, optional: true })
  statusString?: PkiFreeText;

  @AsnProp({ type: BitString, optional: true })
  failInfo?: BitString;

  constructor(params: Partial<PkiStatusInfo> = {}) {
    Object.assign(this, params);
  }
}

/** `CertOrEncCert ::= CHOICE { certificate [0] CMPCertificate, encryptedCert [1] EncryptedKey }` */
@AsnType({ type: AsnTypeTypes.Choice })
export class CertOrEncCert {
  @AsnProp({ type: Certificate, context: 0 })
  certificate?: Certificate;

  @AsnProp({ type: AsnPropTypes.Any, context: 1 })
  encryptedCert?: ArrayBuffer;

  constructor(params: Partial<CertOrEncCert> = {}) {
    Object.assign(this, params);
  }
}

/** `CertifiedKeyPair ::= SEQUENCE { certOrEncCert, privateKey [0] OPTIONAL, publicationInfo [1] OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertifiedKeyPair {
  @AsnProp({ type: CertOrEncCert })
  certOrEncCert = new CertOrEncCert();

  @AsnProp({ type: AsnPropTypes.Any, context: 0, optional: true })
  privateKey?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, context: 1, optional: true })
  publicationInfo?: ArrayBuffer;

  constructor(params: Partial<CertifiedKeyPair> = {}) {
    Object.assign(this, params);
  }
}

/** `CertResponse ::= SEQUENCE { certReqId, status, certifiedKeyPair OPTIONAL, rspInfo OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertResponse {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  @AsnProp({ type: PkiStatusInfo })
  status = new PkiStatusInfo();

  @AsnProp({ type: CertifiedKeyPair, optional: true })
  certifiedKeyPair?: CertifiedKeyPair;

  @AsnProp({ type: AsnPropTypes.OctetString, optional: true })
  rspInfo?: ArrayBuffer;

  constructor(params: Partial<CertResponse> = {}) {
    Object.assign(this, params);
  }
}

/** `CertRepMessage ::= SEQUENCE { caPubs [1] SEQUENCE OF CMPCertificate OPTIONAL, response SEQUENCE OF CertResponse }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertRepMessage {
  @AsnProp({ type: Certificate, context: 1, repeated: 'sequence', optional: true })
  caPubs?: Certificate[];

  @AsnProp({ type: CertResponse, repeated: 'sequence' })
  response: CertResponse[] = [];

  constructor(params: Partial<CertRepMessage> = {}) {
    Object.assign(this, params);
  }
}

/** `CertStatus ::= SEQUENCE { certHash OCTET STRING, certReqId INTEGER, statusInfo OPTIONAL, hashAlg [0] OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertStatus {
  @AsnProp({ type: AsnPropTypes.OctetString })
  certHash = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  @AsnProp({ type: PkiStatusInfo, optional: true })
  statusInfo?: PkiStatusInfo;

  /** RFC 9480 (cmp2021): the hash algorithm when the certificate's signature names none. */
  @AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true })
  hashAlg?: AlgorithmIdentifier;

  constructor(params: Partial<CertStatus> = {}) {
    Object.assign(this, params);
  }
}

/** `RevDetails ::= SEQUENCE { certDetails CertTemplate, crlEntryDetails Extensions OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class RevDetails {
  @AsnProp({ type: CertTemplate })
  certDetails = new CertTemplate();

  @AsnProp({ type: Extensions, optional: true })
  crlEntryDetails?: Extensions;

  constructor(params: Partial<RevDetails> = {}) {
    Object.assign(this, params);
  }
}

/** `CertId ::= SEQUENCE { issuer GeneralName, serialNumber INTEGER }` (CRMF) */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertId {
  @AsnProp({ type: GeneralName })
  issuer = new GeneralName();

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  serialNumber = new ArrayBuffer(0);

  constructor(params: Partial<CertId> = {}) {
    Object.assign(this, params);
  }
}

/** `RevRepContent ::= SEQUENCE { status SEQUENCE OF PKIStatusInfo, revCerts [0] OPTIONAL, crls [1] OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class RevRepContent {
  @AsnProp({ type: PkiStatusInfo, repeated: 'sequence' })
  status: PkiStatusInfo[] = [];

  @AsnProp({ type: CertId, context: 0, repeated: 'sequence', optional: true })
  revCerts?: CertId[];

  @AsnProp({ type: CertificateList, context: 1, repeated: 'sequence', optional: true })
  crls?: CertificateList[];

  constructor(params: Partial<RevRepContent> = {}) {
    Object.assign(this, params);
  }
}

/** `ErrorMsgContent ::= SEQUENCE { pKIStatusInfo, errorCode INTEGER OPTIONAL, errorDetails PKIFreeText OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class ErrorMsgContent {
  @AsnProp({ type: PkiStatusInfo })
  pkiStatusInfo = new PkiStatusInfo();

  @AsnProp({ type: AsnPropTypes.Integer, optional: true })
  errorCode?: number;

  @AsnProp({ type: PkiFreeText, optional: true })
  errorDetails?: PkiFreeText;

  constructor(params: Partial<ErrorMsgContent> = {}) {
    Object.assign(this, params);
  }
}

/** One entry of `PollReqContent ::= SEQUENCE OF SEQUENCE { certReqId INTEGER }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PollReq {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  constructor(params: Partial<PollReq> = {}) {
    Object.assign(this, params);
  }
}

/** One entry of `PollRepContent ::= SEQUENCE OF SEQUENCE { certReqId, checkAfter, reason OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PollRep {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  /** Seconds. */
  @AsnProp({ type: AsnPropTypes.Integer })
  checkAfter = 0;

  @AsnProp({ type: PkiFreeText, optional: true })
  reason?: PkiFreeText;

  constructor(params: Partial<PollRep> = {}) {
    Object.assign(this, params);
  }
}

/**
 * `PKIBody ::= CHOICE { … }` (RFC 4210 §5.1.2): exactly one member is set. Numbers are the CHOICE
 * tags, which are also the body type numbers of DESIGN §5.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class PkiBody {
  @AsnProp({ type: CertReqMessages, context: 0 }) ir?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 1 }) ip?: CertRepMessage;
  @AsnProp({ type: CertReqMessages, context: 2 }) cr?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 3 }) cp?: CertRepMessage;
  @AsnProp({ type: AsnPropTypes.Any, context: 4 }) p10cr?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 5 }) popdecc?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 6 }) popdecr?: ArrayBuffer;
  @AsnProp({ type: CertReqMessages, context: 7 }) kur?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 8 }) kup?: CertRepMessage;
  @AsnProp({ type: AsnPropTypes.Any, context: 9 }) krr?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 10 }) krp?: ArrayBuffer;
  @AsnProp({ type: RevDetails, context: 11, repeated: 'sequence' }) rr?: RevDetails[];
  @AsnProp({ type: RevRepContent, context: 12 }) rp?: RevRepContent;
  @AsnProp({ type: AsnPropTypes.Any, context: 13 }) ccr?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 14 }) ccp?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 15 }) ckuann?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 16 }) cann?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 17 }) rann?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any, context: 18 }) crlann?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Null, context: 19 }) pkiconf?: null;
  @AsnProp({ type: AsnPropTypes.Any, context: 20 }) nested?: ArrayBuffer;
  @AsnProp({ type: TypeAndValue, context: 21, repeated: 'sequence' }) genm?: TypeAndValue[];
  @AsnProp({ type: TypeAndValue, context: 22, repeated: 'sequence' }) genp?: TypeAndValue[];
  @AsnProp({ type: ErrorMsgContent, context: 23 }) error?: ErrorMsgContent;
  @AsnProp({ type: CertStatus, context: 24, repeated: 'sequence' }) certConf?: CertStatus[];
  @AsnProp({ type: PollReq, context: 25, repeated: 'sequence' }) pollReq?: PollReq[];
  @AsnProp({ type: PollRep, context: 26, repeated: 'sequence' }) pollRep?: PollRep[];

  constructor(params: Partial<PkiBody> = {}) {
    Object.assign(this, params);
  }
}

/** `PKIMessage ::= SEQUENCE { header, body, protection [0] BIT STRING OPTIONAL, extraCerts [1] OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PkiMessage {
  @AsnProp({ type: PkiHeader })
  header = new PkiHeader();

  @AsnProp({ type: PkiBody })
  body = new PkiBody();

  @AsnProp({ type: BitString, context: 0, optional: true })
  protection?: BitString;

  @AsnProp({ type: Certificate, context: 1, repeated: 'sequence', optional: true })
  extraCerts?: Certificate[];

  constructor(params: Partial<PkiMessage> = {}) {
    Object.assign(this, params);
  }
}

/** `ProtectedPart ::= SEQUENCE { header PKIHeader, body PKIBody }`: what protection covers. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class ProtectedPart {
  @AsnProp({ type: PkiHeader })
  header = new PkiHeader();

  @AsnProp({ type: PkiBody })
  body = new PkiBody();

  constructor(params: Partial<ProtectedPart> = {}) {
    Object.assign(this, params);
  }
}

/** `PBMParameter ::= SEQUENCE { salt OCTET STRING, owf AlgorithmIdentifier, iterationCount INTEGER, mac AlgorithmIdentifier }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PbmParameter {
  @AsnProp({ type: AsnPropTypes.OctetString })
  salt = new ArrayBuffer(0);

  @AsnProp({ type: AlgorithmIdentifier })
  owf = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;

  @AsnProp({ type: AlgorithmIdentifier })
  mac = new AlgorithmIdentifier();

  constructor(params: Partial<PbmParameter> = {}) {
    Object.assign(this, params);
  }
}
