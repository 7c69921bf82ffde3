import { AsnConvert, AsnParser, BitString } from '@peculiar/asn1-schema';
import { Attribute } from '@peculiar/asn1-x509';
import { MalformedFileError } from '../errors/index.js';
import { oid } from './asn1/oids.js';
import { encodeTlv, readChildren } from './der.js';
import { parsePrivateKeyInfo } from './privateKeyInfo.js';

/** KISA generates R as 20 random bytes; anything longer than this is refused as malformed. */
export const maxRandomNumBytes = 64;

/**
 * Reads R from the randomNum attribute (1.2.410.200004.10.1.1.3) of a decrypted PrivateKeyInfo:
 * `SET { BIT STRING (0 unused bits) R }` (DESIGN §4.2). Undefined when the key has no such
 * attribute (old keys).
 */
export function readRandomNum(privateKeyInfo: Uint8Array): Buffer | undefined {
  const { parsed } = parsePrivateKeyInfo(privateKeyInfo);
  const attribute = parsed.attributes?.find((a) => a.type === oid.randomNum);
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
 * Returns the PrivateKeyInfo with its randomNum attribute set to R: any previous randomNum is
 * dropped, other attributes and the key itself are kept byte for byte.
 */
export function withRandomNum(privateKeyInfo: Uint8Array, r: Uint8Array): Buffer {
  if (r.length === 0 || r.length > maxRandomNumBytes) {
    throw new RangeError(`R must be 1 to ${maxRandomNumBytes} bytes`);
  }
  const parts = parsePrivateKeyInfo(privateKeyInfo);
  const others = readChildren(parts.attributes?.content ?? new Uint8Array(0), 'privateKey').filter(
    (attribute) => attributeType(attribute.bytes) !== oid.randomNum,
  );
  const randomNum = AsnConvert.serialize(
    new Attribute({
      type: oid.randomNum,
      values: [AsnConvert.serialize(new BitString(new Uint8Array(r)))],
    }),
  );
  const attributes = encodeTlv(
    0xa0,
    Buffer.concat([...others.map((a) => a.bytes), new Uint8Array(randomNum)]),
  );
  return encodeTlv(
    0x30,
    Buffer.concat([
      ...parts.head.map((t) => t.bytes),
      attributes,
      ...parts.tail.map((t) => t.bytes),
    ]),
  );
}

/** The PrivateKeyInfo without attributes: what generic crypto libraries expect to import. */
export function withoutAttributes(privateKeyInfo: Uint8Array): Buffer {
  const parts = parsePrivateKeyInfo(privateKeyInfo);
  return encodeTlv(0x30, Buffer.concat([...parts.head, ...parts.tail].map((t) => t.bytes)));
}

function attributeType(der: Uint8Array): string {
  try {
    return AsnParser.parse(der, Attribute).type;
  } catch (cause) {
    throw new MalformedFileError('privateKey', 'an attribute does not parse', { cause });
  }
}
