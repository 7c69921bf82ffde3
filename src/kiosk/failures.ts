import type { VisitFailure } from '../../machines/types.js';
import { maskResidentNumbers } from '../log/redact.js';
import { spentOf } from '../service/spent.js';
import { KioskError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/**
 * What the visit hears when an effect fails (issue 13): the failure kind its states move on, what
 * was spent at the CA (src/service/spent.ts), and a detail for the log and staff. Every kiosk
 * error carries a flat reason (src/shared/reason.ts); this is the one place they become a visit's
 * failure kinds.
 */
const kindByReason: Record<Reason, VisitFailure['kind']> = {
  wrongPassword: 'wrongSecret',
  wrongPin: 'wrongSecret',
  passwordRules: 'wrongSecret',
  pinLocked: 'tokenLocked',
  tokenRemoved: 'tokenRemoved',
  tokenMissing: 'tokenRemoved',
  tokenFull: 'mediumUnusable',
  driveRemoved: 'driveRemoved',
  mediumError: 'mediumUnusable',
  alreadyExists: 'mediumUnusable',
  notFound: 'mediumUnusable',
  ambiguousSelection: 'mediumUnusable',
  malformedInput: 'mediumUnusable',
  truncatedInput: 'mediumUnusable',
  unsupportedAlgorithm: 'mediumUnusable',
  keyMismatch: 'mediumUnusable',
  cardMissing: 'noCard',
  cardRemoved: 'cardRemoved',
  mrzInvalid: 'wrongMrz',
  chipAccessDenied: 'wrongMrz',
  chipError: 'chipUnreadable',
  cardError: 'chipUnreadable',
  readerUnavailable: 'chipUnreadable',
  caUnavailable: 'caUnreachable',
  caRejected: 'caRefused',
  caError: 'caRefused',
  renewalNotOpen: 'caRefused',
  vidMismatch: 'caRefused',
  vidUnavailable: 'caRefused',
  certificateRevoked: 'caRefused',
  configInvalid: 'internal',
  usage: 'internal',
  internal: 'internal',
};

/** A failed effect, as the visit machine reads it (machines/types.ts asFailure). */
export class VisitFailureError extends Error {
  override readonly name = 'VisitFailureError';
  constructor(
    readonly kind: VisitFailure['kind'],
    readonly detail: string,
    readonly spent: VisitFailure['spent'] | undefined,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export function visitFailureOf(error: unknown): VisitFailureError {
  const spent = spentOf(error);
  const kind = error instanceof KioskError ? kindByReason[error.reason] : 'internal';
  const detail =
    error instanceof KioskError
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  // The detail is kept in the visit's snapshot: a lower layer's message never brings a whole
  // resident number there (the log's redaction, applied here too).
  return new VisitFailureError(kind, maskResidentNumbers(detail).slice(0, 500), spent, {
    cause: error,
  });
}
