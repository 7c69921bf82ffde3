import { createHash } from 'node:crypto';

/**
 * The hash chain's encoding (issue 14 item 2). Each entry's hash is
 *
 *   SHA-256( lp("npki-kiosk/audit-entry/v1")
 *          ‖ u64be(seq)
 *          ‖ lp(at)
 *          ‖ (visit = null ? 0x00 : 0x01 ‖ lp(visit))
 *          ‖ lp(kind)
 *          ‖ lp(payload)
 *          ‖ prev )
 *
 * where lp(s) is the UTF-8 bytes of s after their length as a u32be, and prev is the 32 bytes of
 * the previous entry's hash (32 zero bytes before the first entry). Every field is
 * length-prefixed, so no two different rows encode alike (moving a byte from `kind` to `payload`
 * changes the encoding); the label keeps these hashes apart from any other SHA-256 the kiosk
 * computes (the checkpoint's signed bytes start with another label). The columns hold text: `at`
 * is ISO 8601 UTC, `kind` and `visit` ASCII, `payload` JSON.stringify output, which escapes lone
 * surrogates, so UTF-8 encoding loses nothing. `hash` and `prev` are stored as lower-case hex.
 */

/** What the hash covers: every column of a row but the hash itself. */
export interface HashedFields {
  readonly seq: number;
  readonly at: string;
  readonly visit: string | null;
  readonly kind: string;
  readonly payload: string;
  /** The previous entry's hash, 64 lower-case hex digits. */
  readonly prev: string;
}

const entryLabel = 'npki-kiosk/audit-entry/v1';

/** The previous hash of the first entry: 32 zero bytes. */
export const genesisHash = '0'.repeat(64);

/** A hash as the log stores it. */
export const hashPattern = /^[0-9a-f]{64}$/;

/** The entry's hash, lower-case hex; `prev` must match hashPattern. */
export function entryHash(fields: HashedFields): string {
  if (!hashPattern.test(fields.prev)) throw new RangeError('prev is not a hash');
  const hash = createHash('sha256');
  hash.update(lengthPrefixed(entryLabel));
  hash.update(u64(fields.seq));
  hash.update(lengthPrefixed(fields.at));
  hash.update(
    fields.visit === null
      ? Buffer.of(0)
      : Buffer.concat([Buffer.of(1), lengthPrefixed(fields.visit)]),
  );
  hash.update(lengthPrefixed(fields.kind));
  hash.update(lengthPrefixed(fields.payload));
  hash.update(Buffer.from(fields.prev, 'hex'));
  return hash.digest('hex');
}

/** Whether a row read back (any column may hold anything) hashes to its stored hash. */
export function hashHolds(row: { readonly [K in keyof HashedFields | 'hash']: unknown }): boolean {
  const { seq, at, visit, kind, payload, prev, hash } = row;
  return (
    typeof seq === 'number' &&
    typeof at === 'string' &&
    (visit === null || typeof visit === 'string') &&
    typeof kind === 'string' &&
    typeof payload === 'string' &&
    typeof prev === 'string' &&
    hashPattern.test(prev) &&
    Number.isSafeInteger(seq) &&
    seq >= 0 &&
    entryHash({ seq, at, visit, kind, payload, prev }) === hash
  );
}

/** The UTF-8 bytes of `text` after their length as a 32-bit big-endian number. */
export function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A sequence number as 8 bytes, big-endian. */
export function u64(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a sequence number: ${n}`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  return out;
}
