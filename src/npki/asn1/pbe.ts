import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * `{ salt OCTET STRING, iterationCount INTEGER }`: the parameters of KISA's seedCBCWithSHA1 and of
 * the old fixed-IV format (DESIGN §4.2 A and B). Same shape as PKCS#5 v1.5 PBEParameter.
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class SaltAndIterations {
  @AsnProp({ type: AsnPropTypes.OctetString })
  salt = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;

  constructor(params: Partial<SaltAndIterations> = {}) {
    Object.assign(this, params);
  }
}

/**
 * PBKDF2-params (RFC 8018 §A.2). The salt's `otherSource` choice is not declared: no NPKI key
 * uses it, and a key that did would fail to parse and be reported as malformed.
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class Pbkdf2Params {
  @AsnProp({ type: AsnPropTypes.OctetString })
  salt = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;

  @AsnProp({ type: AsnPropTypes.Integer, optional: true })
  keyLength?: number;

  /** Absent means hmacWithSHA1 (RFC 8018 §A.2 DEFAULT algid-hmacWithSHA1). */
  @AsnProp({ type: AlgorithmIdentifier, optional: true })
  prf?: AlgorithmIdentifier;

  constructor(params: Partial<Pbkdf2Params> = {}) {
    Object.assign(this, params);
  }
}

/** PBES2-params (RFC 8018 §A.4). */
@AsnType({ type: AsnTypeTypes.Sequence })
export class Pbes2Params {
  @AsnProp({ type: AlgorithmIdentifier })
  keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  encryptionScheme = new AlgorithmIdentifier();

  constructor(params: Partial<Pbes2Params> = {}) {
    Object.assign(this, params);
  }
}
