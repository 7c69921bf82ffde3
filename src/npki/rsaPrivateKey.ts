import type { RsaPrivateKeyParts } from '../../drivers/pkcs11/contract.js';
import { expectTag, readChildren, readTlv } from '../shared/der.js';
import { MalformedFileError } from '../errors/npki.js';
import { npkiDer } from './der.js';
import { parsePrivateKeyInfo } from './privateKeyInfo.js';

/** rsaEncryption (PKCS #1, RFC 8017 Appendix C). */
const rsaEncryption = '1.2.840.113549.1.1.1';

/**
 * Splits a PKCS#8 RSA key into the CKA_* values of a CKO_PRIVATE_KEY (PKCS#11 v2.40 §2.1.3) by
 * reading the DER directly into buffers the caller zeroes: a JWK export would leave the private
 * integers in JavaScript strings, which nothing can wipe. Multi-prime keys (version 1) are refused.
 */
export function rsaPrivateKeyParts(pkcs8: Uint8Array): RsaPrivateKeyParts {
  const info = parsePrivateKeyInfo(pkcs8);
  if (info.algorithm !== rsaEncryption)
    throw new MalformedFileError('privateKey', `not an RSA key (${info.algorithm})`);
  const ctx = npkiDer('privateKey');
  const octets = info.head[2]?.content ?? new Uint8Array(0);
  const sequence = readTlv(octets, 0, ctx, true);
  if (sequence.tag !== 0x30 || sequence.bytes.length !== octets.length)
    throw new MalformedFileError('privateKey', 'RSAPrivateKey is not one SEQUENCE');
  const integers = readChildren(sequence.content, ctx).map((tlv, i) =>
    expectTag(tlv, 0x02, `RSAPrivateKey element ${String(i)}`, ctx),
  );
  const [version, ...values] = integers;
  if (version?.length !== 1 || version[0] !== 0 || values.length !== 8)
    throw new MalformedFileError('privateKey', 'RSAPrivateKey is not a two-prime key (version 0)');
  const [n, e, d, p, q, dp, dq, qi] = values.map(unsigned);
  if (!n || !e || !d || !p || !q || !dp || !dq || !qi)
    throw new MalformedFileError('privateKey', 'RSAPrivateKey lacks an integer');
  return {
    modulus: n,
    publicExponent: e,
    privateExponent: d,
    prime1: p,
    prime2: q,
    exponent1: dp,
    exponent2: dq,
    coefficient: qi,
  };
}

/** A DER INTEGER's content without its sign byte, copied into a buffer of its own. */
function unsigned(content: Uint8Array): Buffer {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return Buffer.from(content.subarray(start));
}

/** Wipes the private integers once they are on the token. */
export function zeroParts(parts: RsaPrivateKeyParts): void {
  for (const value of [
    parts.modulus,
    parts.publicExponent,
    parts.privateExponent,
    parts.prime1,
    parts.prime2,
    parts.exponent1,
    parts.exponent2,
    parts.coefficient,
  ])
    value.fill(0);
}
