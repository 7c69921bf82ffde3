import { integerHex } from '../shared/bytes.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Extension, type Name } from '@peculiar/asn1-x509';
import { checkDerSequence, parseDer } from '../shared/der.js';
import { npkiDer } from './der.js';

/** Short lower-case names for DN attribute types, as NPKI folder names use them (DESIGN §4.1). */
const attributeNames: Readonly<Record<string, string>> = {
  '2.5.4.3': 'cn',
  '2.5.4.5': 'serialnumber',
  '2.5.4.6': 'c',
  '2.5.4.7': 'l',
  '2.5.4.8': 'st',
  '2.5.4.10': 'o',
  '2.5.4.11': 'ou',
  '1.2.840.113549.1.9.1': 'email',
  '0.9.2342.19200300.100.1.25': 'dc',
};

/** One attribute of a distinguished name, in certificate order (root first). */
export interface DnAttribute {
  readonly key: string;
  readonly value: string;
}

/** Parses a DER certificate, bounded and typed (TruncatedFileError, MalformedFileError). */
export function parseCertificate(der: Uint8Array): Certificate {
  checkDerSequence(der, npkiDer('certificate'));
  return parseDer(der, Certificate, npkiDer('certificate'), 'Certificate');
}

/**
 * The attributes of a Name in the order they appear (c, o, ou, …, cn for NPKI subjects), values
 * exactly as in the certificate: normalising here would name a folder other software won't find
 * (display code normalises, through displaySafe).
 */
export function dnAttributes(name: Name): DnAttribute[] {
  return name.flatMap((rdn) =>
    rdn.map((atv) => ({ key: attributeNames[atv.type] ?? atv.type, value: atv.value.toString() })),
  );
}

/** The value of the last attribute with this key (the most specific one), if any. */
export function dnValue(name: Name, key: string): string | undefined {
  return dnAttributes(name)
    .filter((a) => a.key === key)
    .at(-1)?.value;
}

/**
 * A DN as NPKI writes it (DESIGN §4.1): leaf first, `key=value` with lower-case keys, joined by
 * commas without spaces; the attributes of a multi-valued RDN keep their order, joined by `+`.
 */
export function subjectDn(name: Name): string {
  return [...name]
    .reverse()
    .map((rdn) =>
      rdn.map((atv) => `${attributeNames[atv.type] ?? atv.type}=${atv.value.toString()}`).join('+'),
    )
    .join(',');
}

/** The extension with this OID, if the certificate has it. */
export function findExtension(certificate: Certificate, extnID: string): Extension | undefined {
  return certificate.tbsCertificate.extensions?.find((e) => e.extnID === extnID);
}

/** The DER of the certificate's SubjectPublicKeyInfo. */
export function subjectPublicKeyInfoDer(certificate: Certificate): Buffer {
  return Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
}

/** The serial number as lower-case hex without leading zero bytes (what `openssl x509` prints). */
/**
 * Whether `serial` (hex as a person types it: any case, leading zeros or not) names this
 * certificate's serial number.
 */
export function serialMatches(certificate: Certificate, serial: string): boolean {
  const plain = (hex: string): string => hex.toLowerCase().replace(/^0+/, '');
  return plain(serialHex(certificate)) === plain(serial);
}

export function serialHex(certificate: Certificate): string {
  return integerHex(certificate.tbsCertificate.serialNumber);
}
