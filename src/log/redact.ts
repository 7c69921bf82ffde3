/**
 * Redaction, the second line of defence (DESIGN §6, §8): code never logs a password, PIN,
 * authorization code or full resident number on purpose, and this catches what slips through.
 * Keys are matched by name at any depth; strings are scanned for resident numbers; byte arrays are
 * never dumped.
 */

const redacted = '[redacted]';

/** Normalised key names (lower case, no `_`, `-`, spaces) that always hold a secret. */
const secretKeySuffixes = [
  'password',
  'passwd',
  'passphrase',
  'pin',
  'authcode',
  'authorizationcode',
  'secret',
  'idn',
  'residentnumber',
  'privatekey',
  'randomnum',
  'otp',
];

/** A Korean resident number in a string: 6 digits, optional dash, 7 digits (any: mask too much, not too little). */
const residentNumber = /(?<!\d)(\d{6})-?([0-9])\d{6}(?!\d)/g;

/** Bounds so that logging a hostile or cyclic object cannot hang the kiosk. */
const maxDepth = 8;
const maxKeys = 200;

/** Whether a key name holds a secret (`password`, `userPin`, `auth_code`, `idn`, …). */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_\-\s]/g, '');
  return secretKeySuffixes.some((s) => k === s || k.endsWith(s));
}

/** Masks every resident number in a string as `900101-1******`. */
export function maskResidentNumbers(text: string): string {
  return text.replace(
    residentNumber,
    (_m, birth: string, code: string) => `${birth}-${code}******`,
  );
}

/** A copy of `value` with secrets replaced; safe to serialise into a log line. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskResidentNumbers(value);
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return `[${value.byteLength} bytes]`;
  if (seen.has(value) || depth >= maxDepth) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    // The error's own fields (code, oid, path, …) and its cause chain: what the operator needs.
    const fields: Record<string, unknown> = {
      ...Object.fromEntries(Object.entries(value)),
      type: value.name,
      message: value.message,
    };
    if (value.cause !== undefined) fields.cause = value.cause;
    fields.stack = value.stack;
    return redactSecrets(fields, depth + 1, seen);
  }
  if (Array.isArray(value))
    return value.slice(0, maxKeys).map((v) => redactSecrets(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, maxKeys)) {
    // A boolean or null cannot carry a secret (`passwordOk`, `hasRandomNum` stay readable).
    const keep = typeof v === 'boolean' || v === null || !isSecretKey(key);
    out[key] = keep ? redactSecrets(v, depth + 1, seen) : redacted;
  }
  return out;
}
