import {
  AsnArray,
  AsnProp,
  AsnPropTypes,
  AsnIntegerArrayBufferConverter,
  AsnType,
  AsnTypeTypes,
  BitString,
} from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  Time,
} from '@peculiar/asn1-x509';

// CRMF (RFC 4211, module PKIXCRMF-2005) is written with IMPLICIT TAGS; a tag on a CHOICE (Name,
// Time) is nevertheless explicit (X.680 §31.2.7), which is why `issuer`, `subject` and the times
// below carry no `implicit`. Hand-written: no JS library declares CRMF (DESIGN §5).

/** `OptionalValidity ::= SEQUENCE { notBefore [0] Time OPTIONAL, notAfter [1] Time OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class OptionalValidity {
  @AsnProp({ type: Time, context: 0, optional: true })
  notBefore?: Time;

  @AsnProp({ type: Time, context: 1, optional: true })
  notAfter?: Time;

  constructor(params: Partial<OptionalValidity> = {}) {
    Object.assign(this, params);
  }
}

/** `CertTemplate` (RFC 4211 §5): every field optional; the CA fills in what the client leaves out. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertTemplate {
  @AsnProp({ type: AsnPropTypes.Integer, context: 0, implicit: true, optional: true })
  version?: number;

  @AsnProp({
    type: AsnPropTypes.Integer,
    context: 1,
    implicit: true,
    optional: true,
    converter: AsnIntegerArrayBufferConverter,
  })
  serialNumber?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier, context: 2, implicit: true, optional: true })
  signingAlg?: AlgorithmIdentifier;

  @AsnProp({ type: Name, context: 3, optional: true })
  issuer?: Name;

  @AsnProp({ type: OptionalValidity, context: 4, implicit: true, optional: true })
  validity?: OptionalValidity;

  @AsnProp({ type: Name, context: 5, optional: true })
  subject?: Name;

  @AsnProp({ type: SubjectPublicKeyInfo, context: 6, implicit: true, optional: true })
  publicKey?: SubjectPublicKeyInfo;

  @AsnProp({ type: AsnPropTypes.BitString, context: 7, implicit: true, optional: true })
  issuerUID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.BitString, context: 8, implicit: true, optional: true })
  subjectUID?: ArrayBuffer;

  @AsnProp({ type: Extensions, context: 9, implicit: true, optional: true })
  extensions?: Extensions;

  constructor(params: Partial<CertTemplate> = {}) {
    Object.assign(this, params);
  }
}

/**
 * `SEQUENCE { type OBJECT IDENTIFIER, value ANY DEFINED BY type }`: CRMF's AttributeTypeAndValue
 * (controls, regInfo) and CMP's InfoTypeAndValue (whose value is optional) in one class. Not
 * X.509's AttributeTypeAndValue, whose value is a DirectoryString.
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class TypeAndValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  type = '';

  @AsnProp({ type: AsnPropTypes.Any, optional: true })
  value?: ArrayBuffer;

  constructor(params: Partial<TypeAndValue> = {}) {
    Object.assign(this, params);
  }
}

/** `Controls ::= SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue` */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: TypeAndValue })
export class Controls extends AsnArray<TypeAndValue> {
  constructor(items?: TypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, Controls.prototype);
  }
}

/** `CertRequest ::= SEQUENCE { certReqId INTEGER, certTemplate CertTemplate, controls Controls OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertRequest {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  @AsnProp({ type: CertTemplate })
  certTemplate = new CertTemplate();

  @AsnProp({ type: Controls, optional: true })
  controls?: Controls;

  constructor(params: Partial<CertRequest> = {}) {
    Object.assign(this, params);
  }
}

/**
 * `POPOSigningKey ::= SEQUENCE { poposkInput [0] POPOSigningKeyInput OPTIONAL,
 * algorithmIdentifier AlgorithmIdentifier, signature BIT STRING }`. Without poposkInput the
 * signature is over DER(certReq) (RFC 4211 §4.1).
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class PopoSigningKey {
  @AsnProp({ type: AsnPropTypes.Any, context: 0, implicit: true, optional: true })
  poposkInput?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier })
  algorithmIdentifier = new AlgorithmIdentifier();

  @AsnProp({ type: BitString })
  signature = new BitString();

  constructor(params: Partial<PopoSigningKey> = {}) {
    Object.assign(this, params);
  }
}

/**
 * `ProofOfPossession ::= CHOICE { raVerified [0] NULL, signature [1] POPOSigningKey,
 * keyEncipherment [2] POPOPrivKey, keyAgreement [3] POPOPrivKey }`. The kiosk uses `signature`;
 * the other alternatives are kept as raw bytes so a message carrying them still parses.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class ProofOfPossession {
  @AsnProp({ type: AsnPropTypes.Null, context: 0, implicit: true })
  raVerified?: null;

  @AsnProp({ type: PopoSigningKey, context: 1, implicit: true })
  signature?: PopoSigningKey;

  @AsnProp({ type: AsnPropTypes.Any, context: 2 })
  keyEncipherment?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, context: 3 })
  keyAgreement?: ArrayBuffer;

  constructor(params: Partial<ProofOfPossession> = {}) {
    Object.assign(this, params);
  }
}

/** `CertReqMsg ::= SEQUENCE { certReq CertRequest, popo ProofOfPossession OPTIONAL, regInfo … OPTIONAL }` */
@AsnType({ type: AsnTypeTypes.Sequence })
export class CertReqMsg {
  @AsnProp({ type: CertRequest })
  certReq = new CertRequest();

  @AsnProp({ type: ProofOfPossession, optional: true })
  popo?: ProofOfPossession;

  @AsnProp({ type: TypeAndValue, repeated: 'sequence', optional: true })
  regInfo?: TypeAndValue[];

  constructor(params: Partial<CertReqMsg> = {}) {
    Object.assign(this, params);
  }
}

/** `CertReqMessages ::= SEQUENCE SIZE (1..MAX) OF CertReqMsg` */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertReqMsg })
export class CertReqMessages extends AsnArray<CertReqMsg> {
  constructor(items?: CertReqMsg[]) {
    super(items);
    Object.setPrototypeOf(this, CertReqMessages.prototype);
  }
}
