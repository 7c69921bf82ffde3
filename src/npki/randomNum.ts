import { MalformedFileError } from '../errors/index.js';
import { oid } from './asn1/oids.js';
import { encodeTlv } from '../shared/der.js';
import { parsePrivateKeyInfo, type PrivateKeyInfoParts } from './privateKeyInfo.js';

/** KISA generates R as 20 random bytes; anything longer than this is refused as malformed. */
export const maxRandomNumBytes = 64;

/** DER of the randomNum OID 1.2.410.200004.10.1.1.3 (tag, length, content). */
const randomNumOidDer = Uint8Array.from([
  0x06, 0x0a, 0x2a, 0x83, 0x1a, 0x8c, 0x9a, 0x44, 0x0a, 0x01, 0x01, 0x03,
]);

/**
 * Reads R from the randomNum attribute (1.2.410.200004.10.1.1.3) of a decrypted PrivateKeyInfo:
 * `SET { BIT STRING (0 unused bits) R }` (DESIGN §4.2). Undefined when the key has no such
 * attribute (old keys).
 */
export function readRandomNum(privateKeyInfo: Uint8Array): Buffer | undefined {
  const found = parsePrivateKeyInfo(privateKeyInfo).attributes.filter(
    (a) => a.type === oid.randomNum,
  );
  const [attribute, ...duplicates] = found;
  if (attribute === undefined) return undefined;
  if (duplicates.length > 0) throw new MalformedFileError('privateKey', 'more than one randomNum');
  const [value, ...rest] = attribute.values;
  if (value === undefined || rest.length > 0) {
    throw new MalformedFileError('privateKey', 'randomNum must hold exactly one value');
  }
  if (value.tag !== 0x03)
    throw new MalformedFileError('privateKey', 'randomNum is not a BIT STRING');
  const [unusedBits, ...r] = value.content;
  if (unusedBits !== 0 || r.length === 0) {
    throw new MalformedFileError('privateKey', 'randomNum must be whole bytes');
  }
  if (r.length > maxRandomNumBytes) {
    throw new MalformedFileError('privateKey', `randomNum of ${r.length} bytes`);
  }
  return Buffer.from(r);
}

/**
 * Returns the PrivateKeyInfo with its randomNum attribute set to R: any previous randomNum is
 * dropped; other attributes and the key itself are kept byte for byte.
 */
export function withRandomNum(privateKeyInfo: Uint8Array, r: Uint8Array): Buffer {
  if (r.length === 0 || r.length > maxRandomNumBytes) {
    throw new RangeError(`R must be 1 to ${maxRandomNumBytes} bytes`);
  }
  const parts = parsePrivateKeyInfo(privateKeyInfo);
  const bitString = encodeTlv(0x03, [Uint8Array.of(0), r]);
  const randomNum = encodeTlv(0x30, [randomNumOidDer, encodeTlv(0x31, [bitString])]);
  bitString.fill(0);
  const attributes = [
    ...parts.attributes.filter((a) => a.type !== oid.randomNum).map((a) => a.bytes),
    randomNum,
  ].sort((a, b) => Buffer.compare(a, b)); // DER: the elements of a SET OF in ascending order of their encodings
  const attributesTlv = encodeTlv(0xa0, attributes);
  randomNum.fill(0);
  try {
    return assemble(parts, attributesTlv);
  } finally {
    attributesTlv.fill(0);
  }
}

/** The PrivateKeyInfo without attributes: what generic crypto libraries expect to import. */
export function withoutAttributes(privateKeyInfo: Uint8Array): Buffer {
  return assemble(parsePrivateKeyInfo(privateKeyInfo), undefined);
}

function assemble(parts: PrivateKeyInfoParts, attributes: Uint8Array | undefined): Buffer {
  const body = [...parts.head.map((t) => t.bytes)];
  if (attributes !== undefined) body.push(attributes);
  if (parts.publicKey !== undefined) body.push(parts.publicKey.bytes);
  return encodeTlv(0x30, body);
}
