import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';
import { displaySafe } from './displaySafe.js';

// The application code (issue 15 item 5): a QR code the visitor prepares on their phone before the
// visit, scanned at the kiosk to pre-fill the form. It carries only what the form may show
// (institution, certificate type, name, phone): never a resident number, password or PIN, and a
// code that tries to carry one is refused whole. Its checksum catches a damaged or mistyped code,
// not a forged one: the visitor confirms every pre-filled field and the teller checks identity as
// for any visit.
//
//   NPKIAPP1.<base64url(UTF-8 JSON), unpadded>.<checksum>
//   checksum = lower-case hex of the first 8 bytes of SHA-256 over the ASCII of `NPKIAPP1.<body>`

/** The prefix and version this parser reads. */
export const applicationCodePrefix = 'NPKIAPP';
export const applicationCodeVersion = 1;
/** Longest code accepted, in bytes: a version-25 QR code in byte mode holds more; this is ample. */
export const maxApplicationCodeBytes = 1024;

/** What was wrong with a code, for the log and the screen's choice of message. */
export type ApplicationCodeProblem =
  | 'tooLong'
  | 'notAnApplicationCode'
  | 'unsupportedVersion'
  | 'badCharacters'
  | 'checksumMismatch'
  | 'badEncoding'
  | 'badJson'
  | 'forbiddenField'
  | 'schema';

/** A scanned code was refused; `field` names the JSON key at fault (never its value). */
export class ApplicationCodeError extends RetriableError {
  readonly code = 'APPLICATION_CODE_INVALID';
  readonly reason: Reason = 'malformedInput';
  readonly visitor = {
    ko: '신청 코드를 읽을 수 없습니다. 직접 입력해 주세요.',
    en: 'The application code cannot be used. Please fill in the form by hand.',
  };
  constructor(
    readonly problem: ApplicationCodeProblem,
    detail: string,
    readonly field?: string,
  ) {
    super(`application code refused (${problem}): ${detail}`);
  }
}

const id = z.string().regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and -, 1 to 32');

/** What the code pre-fills. */
export const applicationCodeSchema = z
  .object({
    institution: id,
    certificateType: id,
    name: z
      .string()
      .min(1)
      .max(40)
      .refine((s) => s === s.normalize('NFC'), 'NFC text')
      .refine((s) => /^[\p{L}\p{M}][\p{L}\p{M} .'-]*$/u.test(s), "letters, spaces, . ' -"),
    phone: z.string().regex(/^01[016789]-?[0-9]{3,4}-?[0-9]{4}$/, 'a Korean mobile number'),
  })
  .strict();

export type ApplicationCode = z.infer<typeof applicationCodeSchema>;

/**
 * Keys that name a secret or a resident number, in any language the phone app might use; such a
 * key anywhere in the JSON refuses the code (`.strict()` would too, but this says why).
 */
const forbiddenKey =
  /resident|rrn|idn|jumin|juminno|ssn|주민|passw|password|비밀번호|^pin$|pincode|secret|authcode|인가/i;
/** A resident registration number in any string value: 6 digits, optional dash, 7 digits. */
const residentNumber = /(^|[^0-9])[0-9]{6}-?[1-8][0-9]{6}([^0-9]|$)/;

const checksumOf = (signed: string): string =>
  createHash('sha256').update(signed, 'ascii').digest('hex').slice(0, 16);

/** The code for `fields` (what a phone app makes; also for tests and the demo). */
export function encodeApplicationCode(fields: ApplicationCode): string {
  const body = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  const signed = `${applicationCodePrefix}${applicationCodeVersion}.${body}`;
  return `${signed}.${checksumOf(signed)}`;
}

/**
 * Reads a scanned application code: the fields, or ApplicationCodeError naming what failed.
 * Bounded in size before anything else; never echoes the code's content in its messages.
 */
export function parseApplicationCode(scanned: Uint8Array): ApplicationCode {
  const fail = (problem: ApplicationCodeProblem, detail: string, field?: string): never => {
    throw new ApplicationCodeError(problem, detail, field);
  };
  if (scanned.length > maxApplicationCodeBytes)
    fail('tooLong', `${scanned.length} bytes, at most ${maxApplicationCodeBytes}`);
  const text = Buffer.from(scanned).toString('latin1').trim();
  if (!text.startsWith(applicationCodePrefix)) fail('notAnApplicationCode', 'no NPKIAPP prefix');
  if (!/^[A-Za-z0-9._-]+$/.test(text)) fail('badCharacters', 'characters outside base64url');
  const parts = text.split('.');
  const [head = '', body = '', checksum = ''] = parts;
  if (head !== `${applicationCodePrefix}${applicationCodeVersion}`)
    fail('unsupportedVersion', `version ${head.slice(applicationCodePrefix.length, 12)}`);
  if (parts.length !== 3) fail('notAnApplicationCode', `${parts.length} parts, expected 3`);
  if (checksum !== checksumOf(`${head}.${body}`))
    fail('checksumMismatch', 'the checksum does not match the body');
  if (body.length % 4 === 1) fail('badEncoding', 'not base64url');
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(body, 'base64url'));
  } catch {
    return fail('badEncoding', 'the body is not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return fail('badJson', 'the body is not JSON');
  }
  refuseSecrets(value, fail);
  const parsed = applicationCodeSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = displaySafe(issue?.path.map(String).join('.') ?? '').slice(0, 64);
    const message = displaySafe(issue?.message ?? 'invalid').slice(0, 120);
    return fail('schema', `${field || '(root)'}: ${message}`, field);
  }
  return parsed.data;
}

/** Refuses a key naming a secret, or a resident number in any value, at any depth. */
function refuseSecrets(
  value: unknown,
  fail: (problem: ApplicationCodeProblem, detail: string, field?: string) => never,
  path = '',
): void {
  if (typeof value === 'string') {
    if (residentNumber.test(value))
      fail('forbiddenField', `${path || '(root)'} holds a resident number`, path);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    // Keys come from the scanned code: made inert and short before a message names them.
    const at = displaySafe(path === '' ? key : `${path}.${key}`).slice(0, 64);
    if (forbiddenKey.test(key)) fail('forbiddenField', `${at} is not allowed`, at);
    refuseSecrets(inner, fail, at);
  }
}
