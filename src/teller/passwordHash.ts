import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// Teller password hashes (DESIGN §6: scrypt): node:crypto's scrypt with explicit parameters,
// stored in the PHC string format (`$scrypt$ln=15,r=8,p=3$SALT$HASH`, base64 without padding) so
// that each hash carries the parameters it was made with: the defaults can rise later and old
// hashes still verify, and are re-hashed at the next successful login (accounts.ts).

/** scrypt's cost: N = 2^ln, block size r, parallelism p (RFC 7914 §2). */
export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * N = 2^15, r = 8, p = 3: one of the equivalent settings the OWASP Password Storage Cheat Sheet
 * gives (N=2^17/p=1 … N=2^13/p=10), the one holding 32 MiB per hash: a kiosk appliance has
 * little memory to spare and hashes only at logins. About half a second on a slow two-core box.
 */
export const defaultScryptParams: ScryptParams = { ln: 15, r: 8, p: 3 };

/** Salt and derived key lengths, in bytes (16-byte salt: NIST SP 800-132 asks at least 128 bits). */
const saltBytes = 16;
const keyBytes = 32;

/**
 * Bounds on the parameters a stored hash may name: a row edited to ask for gigabytes or hours
 * is refused, not computed. 128·N·r bytes is scrypt's memory (RFC 7914 §6).
 */
const bounds = { lnMin: 10, lnMax: 20, rMax: 32, pMax: 16, memoryMax: 256 * 1024 * 1024 };

const phc =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

/** The hash of `password` (bytes, not zeroed here) with a fresh salt, as a PHC string. */
export async function hashPassword(
  password: Uint8Array,
  params: ScryptParams = defaultScryptParams,
): Promise<string> {
  if (!withinBounds(params)) throw new RangeError('scrypt parameters out of bounds');
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, params);
  try {
    const { ln, r, p } = params;
    return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
  } finally {
    key.fill(0);
  }
}

/**
 * Whether `password` is the one `stored` was made from. A stored value that does not parse, or
 * names parameters out of bounds, verifies nothing (and costs nothing: it is no account's).
 * The comparison takes the same time wherever the keys differ.
 */
export async function verifyPassword(password: Uint8Array, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  try {
    return timingSafeEqual(key, parsed.key);
  } finally {
    key.fill(0);
  }
}

/** The parameters a stored hash was made with, or undefined if it is not one of ours. */
export function hashParams(stored: string): ScryptParams | undefined {
  return parseHash(stored)?.params;
}

/** Whether a stored hash should be remade with `params` (made with others, or unreadable). */
export function needsRehash(stored: string, params: ScryptParams = defaultScryptParams): boolean {
  const had = hashParams(stored);
  return had === undefined || had.ln !== params.ln || had.r !== params.r || had.p !== params.p;
}

function parseHash(
  stored: string,
): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  if (stored.length > 200) return undefined;
  const match = phc.exec(stored);
  if (match === null) return undefined;
  const [, ln, r, p, salt, key] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (!withinBounds(params)) return undefined;
  return {
    params,
    salt: Buffer.from(salt ?? '', 'base64'),
    key: Buffer.from(key ?? '', 'base64'),
  };
}

function withinBounds({ ln, r, p }: ScryptParams): boolean {
  return (
    Number.isInteger(ln) &&
    Number.isInteger(r) &&
    Number.isInteger(p) &&
    ln >= bounds.lnMin &&
    ln <= bounds.lnMax &&
    r >= 1 &&
    r <= bounds.rMax &&
    p >= 1 &&
    p <= bounds.pMax &&
    memoryOf({ ln, r, p }) <= bounds.memoryMax
  );
}

function memoryOf({ ln, r }: ScryptParams): number {
  return 128 * 2 ** ln * r;
}

/** scrypt off the event loop (libuv's thread pool): a login does not stall the kiosk. */
function derive(password: Uint8Array, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      keyBytes,
      // Node's default maxmem (32 MiB) is exactly 128·N·r for ln=15, r=8, which it refuses:
      // twice the need leaves room for its own bookkeeping.
      { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: 2 * memoryOf(params) },
      (error, key) => {
        if (error === null) resolve(key);
        else reject(error);
      },
    );
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
