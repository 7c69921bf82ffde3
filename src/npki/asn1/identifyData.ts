import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/** `VID ::= SEQUENCE { hashAlg AlgorithmIdentifier, virtualID [0] EXPLICIT OCTET STRING }` (KISA). */
@AsnType({ type: AsnTypeTypes.Sequence })
export class Vid {
  @AsnProp({ type: AlgorithmIdentifier })
  hashAlg = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.OctetString, context: 0 })
  virtualID = new ArrayBuffer(0);

  constructor(params: Partial<Vid> = {}) {
    Object.assign(this, params);
  }
}

/** One userInfo entry: `SEQUENCE { type OBJECT IDENTIFIER, value ANY DEFINED BY type }`. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class UserInfo {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  type = '';

  @AsnProp({ type: AsnPropTypes.Any })
  value = new ArrayBuffer(0);

  constructor(params: Partial<UserInfo> = {}) {
    Object.assign(this, params);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: UserInfo })
export class UserInfos extends AsnArray<UserInfo> {
  constructor(items?: UserInfo[]) {
    super(items);
    Object.setPrototypeOf(this, UserInfos.prototype);
  }
}

/**
 * `IdentifyData ::= SEQUENCE { realName UTF8String, userInfo SEQUENCE OF … OPTIONAL }`, the value
 * of the SAN otherName id-kisa-identifyData (DESIGN §4.3). userInfo is read as optional so that a
 * certificate without a VID still yields its real name.
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class IdentifyData {
  @AsnProp({ type: AsnPropTypes.Utf8String })
  realName = '';

  @AsnProp({ type: UserInfos, optional: true })
  userInfo?: UserInfos;

  constructor(params: Partial<IdentifyData> = {}) {
    Object.assign(this, params);
  }
}

/** `HashContent ::= SEQUENCE { idn PrintableString, randomNum BIT STRING }`, hashed into the VID. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class HashContent {
  @AsnProp({ type: AsnPropTypes.PrintableString })
  idn = '';

  @AsnProp({ type: AsnPropTypes.BitString })
  randomNum = new ArrayBuffer(0);

  constructor(params: Partial<HashContent> = {}) {
    Object.assign(this, params);
  }
}
