import { z } from 'zod';
import { AuditPayloadError } from '../errors/audit.js';
import { refuseSecrets } from './secretScan.js';

// What each kind of audit entry may hold (issue 14 item 2): strict objects of bounded, typed
// fields, none of which can be a password, PIN, authorization code or full resident number. A
// name, a masked resident number and a document number appear only where an inspector needs them
// (the teller's decision: who was approved, on what evidence). Text a person typed is printable
// and bounded, as the visit's outside events already require (src/kiosk/outsideEvents.ts).

/** No control, format, line or paragraph separator characters; not blank. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim() !== '' && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'printable text');

/** A name in code (a state path, an event type, an error code): ASCII, no spaces. */
const word = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.,:-]+$/, 'a name without spaces')
    .max(max);

/** An instant as the kiosk stamps it: ISO 8601 UTC (`toISOString`), milliseconds optional. */
export const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, 'an ISO 8601 UTC instant')
  .refine((s) => Number.isFinite(Date.parse(s)), 'a real instant');

/** `900101-1******`: birth date and gender digit, the rest masked (DESIGN §6). */
export const idnMaskPattern = /^\d{6}-\d\*{6}$/;

const purposes = ['issue', 'reissue', 'revoke', 'renew', 'copy', 'view'] as const;
const evidence = ['chipVerified', 'chipNotVerifiedOverride', 'inPersonOnly'] as const;
const revocationReasons = [
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
] as const;

/** The kiosk service started writing (written by the audit log itself on open). */
const kioskStart = z.strictObject({
  /** The kiosk's version, if the service gives it. */
  version: word(40).optional(),
  /** The newest entry a signed checkpoint vouched for when the log was opened. */
  checkpointed: z.number().int().min(0).optional(),
});

/** The kiosk service stopped writing (written by the audit log itself on close). */
const kioskStop = z.strictObject({
  reason: z.enum(['shutdown', 'failure']).optional(),
});

/** The visit moved to another state (the visit statechart's state path, machines/visit.ts). */
const visitStep = z.strictObject({
  /** `identity.readingCard`: the state value as stateText gives it. */
  state: word(200),
  /** The event that moved it (its type only: events may carry values). */
  event: word(64).optional(),
  purpose: z.enum(purposes).optional(),
  institution: word(64).optional(),
  certificateType: word(64).optional(),
  medium: z.enum(['token', 'usb']).optional(),
});

/** A teller's decision on a visit: the face-to-face approval, a rejection, the fee taken. */
const tellerDecision = z.strictObject({
  decision: z.enum(['approved', 'rejected', 'timedOut', 'feePaid']),
  /** The teller's name as the teller API knows it; absent when the time ran out. */
  teller: text(64).optional(),
  /** When the teller decided, by the kiosk's clock. */
  decidedAt: instant.optional(),
  evidence: z.enum(evidence).optional(),
  overrideReason: text(500).optional(),
  /** Why the teller rejected. */
  reason: text(500).optional(),
  /** Who was approved: the form's name and masked resident number. */
  holderName: text(100).optional(),
  idnMasked: z
    .string()
    .regex(idnMaskPattern, 'a masked resident number (900101-1******)')
    .optional(),
  /** The ID the teller checked in person, its number masked (machines/tellerApproval.ts). */
  document: z
    .strictObject({
      type: z.enum(['residentCard', 'driverLicence', 'passport']),
      numberMasked: z
        .string()
        .regex(/^[0-9A-Z-]{1,8}\*{4,}$/, 'a masked number')
        .max(32),
    })
    .optional(),
  /** The chip read: whether it verified, and the document number (a passport's, never an IDN). */
  chip: z
    .strictObject({
      verified: z.boolean(),
      documentNumber: z
        .string()
        .regex(/^[0-9A-Z<]{1,20}$/, 'an MRZ document number')
        .optional(),
      /** What did not verify or did not match, by name (form/compare.ts). */
      findings: z.array(word(64)).max(16).optional(),
    })
    .optional(),
});

/** How one exchange with the CA or the RA ended. */
const caOutcome = z.strictObject({
  operation: z.enum(['register', 'issue', 'renew', 'revoke', 'confirm', 'list']),
  outcome: z.enum(['ok', 'refused', 'unreachable', 'unconfirmed', 'failed']),
  /** What was spent at the CA when it did not end well (src/service/spent.ts). */
  spent: z.enum(['nothing', 'unanswered', 'refused', 'unconfirmed']).optional(),
  /** The RA registration's reference number (not the authorization code: that is a secret). */
  ref: z
    .string()
    .regex(/^[0-9]{8}$/, 'an 8-digit reference number')
    .optional(),
  serial: z
    .string()
    .regex(/^[0-9a-f]{1,64}$/, 'a lower-case hex serial')
    .optional(),
  subject: text(256).optional(),
  notAfter: instant.optional(),
  revocationReason: z.enum(revocationReasons).optional(),
  medium: z.enum(['token', 'usb']).optional(),
  /** The kiosk error code (`CMP_REJECTED`) and the CA's failInfo bit names. */
  code: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,40}$/, 'an error code')
    .optional(),
  failInfo: z
    .array(z.string().regex(/^[A-Za-z]{1,40}$/))
    .max(27)
    .optional(),
  detail: text(500).optional(),
});

/** The payload schema of each kind. */
export const payloadSchemas = {
  'kiosk.start': kioskStart,
  'kiosk.stop': kioskStop,
  'visit.step': visitStep,
  'teller.decision': tellerDecision,
  'ca.outcome': caOutcome,
} as const;

export type AuditKind = keyof typeof payloadSchemas;

/** What a caller gives for an entry of `kind`. */
export type AuditPayload<K extends AuditKind> = z.input<(typeof payloadSchemas)[K]>;

export const auditKinds = Object.keys(payloadSchemas) as AuditKind[];

export function isAuditKind(kind: unknown): kind is AuditKind {
  return typeof kind === 'string' && Object.hasOwn(payloadSchemas, kind);
}

/** The JSON text of the largest payload written; a schema's bounds keep real ones far below. */
export const maxPayloadBytes = 8192;

/**
 * The payload as the log stores it (JSON text), after refusing secrets (AuditSecretError) and
 * anything its kind does not allow (AuditPayloadError). Keys come out in the schema's order.
 */
export function encodePayload(kind: AuditKind, payload: unknown): string {
  refuseSecrets(kind, payload);
  const parsed = payloadSchemas[kind].safeParse(payload);
  if (!parsed.success)
    throw new AuditPayloadError(
      kind,
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`,
      ),
    );
  const json = JSON.stringify(parsed.data);
  if (Buffer.byteLength(json) > maxPayloadBytes)
    throw new AuditPayloadError(kind, [`larger than ${maxPayloadBytes} bytes`]);
  return json;
}

/**
 * Checks a stored payload (verification, inspection): JSON of its kind, without secrets. Throws
 * AuditPayloadError or AuditSecretError; returns the parsed value.
 */
export function decodePayload(kind: string, json: string): unknown {
  if (!isAuditKind(kind)) throw new AuditPayloadError(kind, ['no such kind']);
  if (Buffer.byteLength(json) > maxPayloadBytes)
    throw new AuditPayloadError(kind, [`larger than ${maxPayloadBytes} bytes`]);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new AuditPayloadError(kind, ['not JSON']);
  }
  encodePayload(kind, value);
  return value;
}

/**
 * A statechart's state value as one line: `identity.readingCard`; parallel regions joined with
 * `,` (`a.x,b.y`). Bounded by visitStep's schema.
 */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => {
      const rest = stateText(inner);
      return typeof inner === 'object' && inner !== null && Object.keys(inner).length === 0
        ? key
        : `${key}.${rest}`;
    })
    .join(',');
}
