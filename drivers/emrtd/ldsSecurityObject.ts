import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/** eContentType of the SOD's SignedData: id-icao-mrtd-security-ldsSecurityObject (9303-10 §4.6.2). */
export const ldsSecurityObjectOid = '2.23.136.1.1.1';

/** `DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (0..16), dataGroupHashValue OCTET STRING }`. */
@AsnType({ type: AsnTypeTypes.Sequence })
export class DataGroupHash {
  @AsnProp({ type: AsnPropTypes.Integer })
  dataGroupNumber = 0;

  @AsnProp({ type: AsnPropTypes.OctetString })
  dataGroupHashValue = new ArrayBuffer(0);

  constructor(params: Partial<DataGroupHash> = {}) {
    Object.assign(this, params);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: DataGroupHash })
export class DataGroupHashValues extends AsnArray<DataGroupHash> {
  constructor(items?: DataGroupHash[]) {
    super(items);
    Object.setPrototypeOf(this, DataGroupHashValues.prototype);
  }
}

/** `LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }` (v1). */
@AsnType({ type: AsnTypeTypes.Sequence })
export class LdsVersionInfo {
  @AsnProp({ type: AsnPropTypes.PrintableString })
  ldsVersion = '';

  @AsnProp({ type: AsnPropTypes.PrintableString })
  unicodeVersion = '';

  constructor(params: Partial<LdsVersionInfo> = {}) {
    Object.assign(this, params);
  }
}

/**
 * `LDSSecurityObject ::= SEQUENCE { version INTEGER (v0 | v1), hashAlgorithm AlgorithmIdentifier,
 * dataGroupHashValues SEQUENCE SIZE (2..16) OF DataGroupHash, ldsVersionInfo LDSVersionInfo
 * OPTIONAL }` (ICAO 9303-10 §4.6.2).
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class LdsSecurityObjectAsn {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: AlgorithmIdentifier })
  hashAlgorithm = new AlgorithmIdentifier();

  @AsnProp({ type: DataGroupHashValues })
  dataGroupHashValues = new DataGroupHashValues();

  @AsnProp({ type: LdsVersionInfo, optional: true })
  ldsVersionInfo?: LdsVersionInfo;

  constructor(params: Partial<LdsSecurityObjectAsn> = {}) {
    Object.assign(this, params);
  }
}
