import { AsnConvert, AsnParser, BitString } from '@peculiar/asn1-schema';
import { Attributes, PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { Attribute } from '@peculiar/asn1-x509';
import { MalformedFileError } from '../errors/index.js';
import { oid } from './asn1/oids.js';
import { parseDer } from './der.js';

/** KISA generates R as 20 random bytes; anything longer than this is refused as malformed. */
export const maxRandomNumBytes = 64;

/**
 * Reads R from the randomNum attribute (1.2.410.200004.10.1.1.3) of a decrypted PrivateKeyInfo:
 * `SET { BIT STRING (0 unused bits) R }` (DESIGN §4.2). Undefined when the key has no such
 * attribute (old keys).
 */
export function readRandomNum(privateKeyInfo: Uint8Array): Buffer | undefined {
  const pki = parseDer(privateKeyInfo, PrivateKeyInfo, 'privateKey', 'PrivateKeyInfo');
  const attribute = pki.attributes?.find((a) => a.type === oid.randomNum);
  if (attribute === undefined) return undefined;
  const [value, ...rest] = attribute.values;
  if (value === undefined || rest.length > 0) {
    throw new MalformedFileError('privateKey', 'randomNum must hold exactly one value');
  }
  let bits: BitString;
  try {
    bits = AsnParser.parse(value, BitString);
  } catch (cause) {
    throw new MalformedFileError('privateKey', 'randomNum is not a BIT STRING', { cause });
  }
  if (bits.unusedBits !== 0 || bits.value.byteLength === 0) {
    throw new MalformedFileError('privateKey', 'randomNum must be whole bytes');
  }
  if (bits.value.byteLength > maxRandomNumBytes) {
    throw new MalformedFileError('privateKey', `randomNum of ${bits.value.byteLength} bytes`);
  }
  return Buffer.from(bits.value);
}

/**
 * Returns the PrivateKeyInfo with its randomNum attribute set to R (replacing an existing one,
 * keeping any other attributes).
 */
export function withRandomNum(privateKeyInfo: Uint8Array, r: Uint8Array): Buffer {
  if (r.length === 0 || r.length > maxRandomNumBytes) {
    throw new RangeError(`R must be 1 to ${maxRandomNumBytes} bytes`);
  }
  const pki = parseDer(privateKeyInfo, PrivateKeyInfo, 'privateKey', 'PrivateKeyInfo');
  const others = (pki.attributes ?? new Attributes()).filter((a) => a.type !== oid.randomNum);
  const value = AsnConvert.serialize(new BitString(new Uint8Array(r)));
  pki.attributes = new Attributes([
    ...others,
    new Attribute({ type: oid.randomNum, values: [value] }),
  ]);
  return Buffer.from(AsnConvert.serialize(pki));
}

/** The PrivateKeyInfo without attributes: what generic crypto libraries expect to import. */
export function withoutAttributes(privateKeyInfo: Uint8Array): Buffer {
  const pki = parseDer(privateKeyInfo, PrivateKeyInfo, 'privateKey', 'PrivateKeyInfo');
  delete pki.attributes;
  return Buffer.from(AsnConvert.serialize(pki));
}
