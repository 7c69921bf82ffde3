import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { MalformedFileError } from '../errors/index.js';
import { checkDerSequence, parseDer, readChildren, type Tlv } from './der.js';

/** A decrypted PrivateKeyInfo, parsed, with its raw parts kept for byte-exact re-encoding. */
export interface PrivateKeyInfoParts {
  readonly parsed: PrivateKeyInfo;
  /** version, privateKeyAlgorithm, privateKey: exactly as in the input. */
  readonly head: readonly Tlv[];
  /** The `[0] IMPLICIT Attributes` TLV, when present. */
  readonly attributes: Tlv | undefined;
  /** What follows the attributes (RFC 5958's `[1] publicKey`), as in the input. */
  readonly tail: readonly Tlv[];
}

/**
 * Parses a PrivateKeyInfo (RFC 5208; version 0, or 1 for RFC 5958 OneAsymmetricKey) and splits it
 * into its raw TLVs, so that changing the attributes never re-encodes (and so never alters) the
 * key itself. Throws TruncatedFileError or MalformedFileError.
 */
export function parsePrivateKeyInfo(bytes: Uint8Array): PrivateKeyInfoParts {
  const sequence = checkDerSequence(bytes, 'privateKey');
  const parsed = parseDer(bytes, PrivateKeyInfo, 'privateKey', 'PrivateKeyInfo');
  const children = readChildren(sequence.content, 'privateKey');
  const version = children[0]?.content;
  if (version?.length !== 1 || (version[0] !== 0 && version[0] !== 1)) {
    throw new MalformedFileError('privateKey', 'PrivateKeyInfo version is not 0 or 1');
  }
  const head = children.slice(0, 3);
  const rest = children.slice(3);
  const attributes = rest[0]?.tag === 0xa0 ? rest[0] : undefined;
  return { parsed, head, attributes, tail: attributes === undefined ? rest : rest.slice(1) };
}
