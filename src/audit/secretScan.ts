import { AuditPayloadError, AuditSecretError } from '../errors/audit.js';
import { Secret } from '../shared/secret.js';

// What the audit log refuses whatever the kind's schema says (DESIGN §8: never a password, PIN,
// authorization code or full IDN). The schemas (payloads.ts) are strict and hold no such field;
// this scan runs first, on the raw value, so a secret is refused with AuditSecretError naming
// where it was, rather than as one more schema problem, and so that a schema added later with a
// careless free-text field still cannot carry one.

/** Field names that hold secrets. `idnMasked` passes: the rule is on the end of the name. */
const secretName = /password|pin|authCode|secret|idn$/i;

/**
 * A resident registration number inside any string: six digits that could be a birth date
 * (YYMMDD), an optional dash, seven more digits, not part of a longer run of digits. The check
 * digit is not required: numbers issued since October 2020 do not follow it
 * (machines/form/residentNumber.ts), and a typo'd number is still most of a person's number.
 */
const residentNumber =
  /(?<![0-9])[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-?[0-9]{7}(?![0-9])/;

/**
 * A string that is a hex identifier as a whole (a certificate serial, a key id): at least 16 hex
 * digits, one of them a letter. Random hex holds 13 decimal digits in a row about once in a few
 * thousand 16-byte serials; such a string is not read as holding a resident number (an IDN
 * written whole, or beside any non-hex character, is still caught).
 */
const hexIdentifier = /^(?=[0-9]*[a-f])[0-9a-f]{16,}$/i;

/** An RA authorization code (src/ca/db/registrations.ts newAuthCode), in any case. */
const authCode = /(?<![A-Z0-9])[A-Z0-9]{4}(-[A-Z0-9]{4}){3}(?![A-Z0-9])/i;

/** Bounds on what is scanned at all (DESIGN §8: a hostile value cannot hang the kiosk). */
const maxDepth = 6;
const maxNodes = 512;
const maxStringLength = 4096;

/**
 * What another writer scans with (the visit snapshots, src/kiosk/visitStore.ts): a snapshot is
 * larger and deeper than an audit payload, and its machines name flags like `newPassword` that
 * hold no secret, so it refuses only names that are exactly a secret's.
 */
export interface ScanRules {
  readonly secretName: RegExp;
  readonly maxDepth: number;
  readonly maxNodes: number;
}

const auditRules: ScanRules = { secretName, maxDepth, maxNodes };

/**
 * Throws AuditSecretError if `value` holds a secret anywhere, AuditPayloadError if it is not
 * plain JSON data within the bounds (a class instance, a function, a cycle, too deep or large).
 */
export function refuseSecrets(kind: string, value: unknown, rules: ScanRules = auditRules): void {
  let nodes = 0;
  const walk = (node: unknown, path: string, depth: number): void => {
    if (++nodes > rules.maxNodes)
      throw new AuditPayloadError(kind, [`more than ${rules.maxNodes} values`]);
    if (node instanceof Secret) throw new AuditSecretError(path, 'secretValue');
    if (typeof node === 'string') {
      checkString(node, path, kind);
      return;
    }
    if (node === null || typeof node === 'boolean') return;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw new AuditPayloadError(kind, [`${where(path)}: not finite`]);
      return;
    }
    if (typeof node !== 'object')
      throw new AuditPayloadError(kind, [`${where(path)}: a ${typeof node} is not JSON`]);
    // A Buffer, a Map, a Secret from another copy of its module: anything but plain data could
    // hold bytes no schema looks at.
    const proto: unknown = Object.getPrototypeOf(node);
    const plain = Array.isArray(node)
      ? proto === Array.prototype
      : proto === Object.prototype || proto === null;
    if (!plain) throw new AuditSecretError(path, 'secretValue');
    if (depth >= rules.maxDepth)
      throw new AuditPayloadError(kind, [`${where(path)}: nested too deep`]);
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, `${path}[${i}]`, depth + 1);
      });
      return;
    }
    if (Object.getOwnPropertySymbols(node).length > 0)
      throw new AuditPayloadError(kind, [`${where(path)}: symbol keys`]);
    for (const [key, item] of Object.entries(node)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (rules.secretName.test(key)) throw new AuditSecretError(at, 'secretName');
      checkString(key, at, kind);
      walk(item, at, depth + 1);
    }
  };
  walk(value, '', 0);
}

function checkString(text: string, path: string, kind: string): void {
  if (text.length > maxStringLength)
    throw new AuditPayloadError(kind, [`${where(path)}: longer than ${maxStringLength}`]);
  if (residentNumber.test(text) && !hexIdentifier.test(text))
    throw new AuditSecretError(path, 'residentNumber');
  if (authCode.test(text)) throw new AuditSecretError(path, 'authCode');
}

function where(path: string): string {
  return path === '' ? '(payload)' : path;
}
