import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { MalformedFileError } from '../errors/index.js';
import { checkDerSequence, decodeOid, expectTag, readChildren, type Tlv } from '../shared/der.js';
import { npkiDer } from './der.js';

/** One attribute of a PrivateKeyInfo, read strictly at the DER level. */
export interface KeyAttribute {
  readonly type: string;
  /** The values of its SET, each a whole TLV. */
  readonly values: readonly Tlv[];
  /** The whole attribute TLV, for byte-exact re-encoding. */
  readonly bytes: Uint8Array;
}

/** A decrypted PrivateKeyInfo split into its raw parts for byte-exact re-encoding. */
export interface PrivateKeyInfoParts {
  readonly version: 0 | 1;
  readonly algorithm: string;
  /** version, privateKeyAlgorithm, privateKey: exactly as in the input. */
  readonly head: readonly Tlv[];
  readonly attributes: readonly KeyAttribute[];
  /** RFC 5958's `[1] publicKey` (version 1 only), as in the input. */
  readonly publicKey: Tlv | undefined;
}

const tags = { integer: 0x02, octetString: 0x04, oid: 0x06, sequence: 0x30, set: 0x31 } as const;
const attributesTag = 0xa0;
/** `[1] IMPLICIT BIT STRING`, primitive (RFC 5958 OneAsymmetricKey.publicKey). */
const publicKeyTag = 0x81;

/**
 * Parses a PrivateKeyInfo (RFC 5208; version 1 is RFC 5958 OneAsymmetricKey) at the DER level:
 * every TLV down to the attribute values is checked, so what this accepts is exactly what the
 * functions that rewrite attributes can rewrite. Hand-written over asn1-schema, which accepts
 * trailing and malformed elements and cannot re-encode every value it accepts.
 */
export function parsePrivateKeyInfo(bytes: Uint8Array): PrivateKeyInfoParts {
  const ctx = npkiDer('privateKey');
  const sequence = checkDerSequence(bytes, ctx);
  const children = readChildren(sequence.content, ctx);
  const [versionTlv, algorithmTlv, keyTlv, ...rest] = children;
  const version = expectTag(versionTlv, tags.integer, 'version', ctx);
  if (version.length !== 1 || (version[0] !== 0 && version[0] !== 1)) {
    throw new MalformedFileError('privateKey', 'PrivateKeyInfo version is not 0 or 1');
  }
  expectTag(algorithmTlv, tags.sequence, 'privateKeyAlgorithm', ctx);
  expectTag(keyTlv, tags.octetString, 'privateKey', ctx);
  let algorithm: string;
  try {
    algorithm = AsnParser.parse(
      algorithmTlv?.bytes ?? new Uint8Array(0),
      AlgorithmIdentifier,
    ).algorithm;
  } catch (cause) {
    throw new MalformedFileError('privateKey', 'privateKeyAlgorithm does not parse', { cause });
  }
  let next = rest.shift();
  const attributes: KeyAttribute[] = [];
  if (next?.tag === attributesTag) {
    for (const attribute of readChildren(next.content, ctx))
      attributes.push(readAttribute(attribute));
    next = rest.shift();
  }
  let publicKey: Tlv | undefined;
  if (next?.tag === publicKeyTag && version[0] === 1) {
    publicKey = next;
    next = rest.shift();
  }
  if (next !== undefined) {
    throw new MalformedFileError(
      'privateKey',
      `unexpected element 0x${next.tag.toString(16)} in PrivateKeyInfo`,
    );
  }
  return {
    version: version[0] === 1 ? 1 : 0,
    algorithm,
    head: children.slice(0, 3),
    attributes,
    publicKey,
  };
}

function readAttribute(tlv: Tlv): KeyAttribute {
  const ctx = npkiDer('privateKey');
  const [typeTlv, valuesTlv, ...extra] = readChildren(
    expectTag(tlv, tags.sequence, 'attribute', ctx),
    ctx,
  );
  const type = decodeOid(expectTag(typeTlv, tags.oid, 'attribute type', ctx), ctx);
  const values = readChildren(expectTag(valuesTlv, tags.set, 'attribute values', ctx), ctx);
  if (extra.length > 0) throw new MalformedFileError('privateKey', 'attribute has extra elements');
  return { type, values, bytes: tlv.bytes };
}
