import { FatalError, outOfService } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

// The audit log's errors (issue 14 item 2; src/audit/). All are fatal: a log that cannot be
// written or trusted, or code that tried to write a secret into it, is for an operator, not for
// the visitor to retry.

/** Why verification failed, as a stable word (`--json` prints it; tests match on it). */
export type AuditProblem =
  /** The row's columns do not have the types and forms the log writes. */
  | 'column'
  /** Rows are missing before this one (a gap in the sequence, or the log does not start at 1). */
  | 'gap'
  /** The row's previous-hash column is not the hash of the row before it. */
  | 'prev'
  /** The row's hash does not match its contents. */
  | 'hash'
  /** The payload is not JSON, or not what its kind allows. */
  | 'payload'
  /** SQLite could not read the file from here on (damaged pages). */
  | 'damaged'
  /** A signed checkpoint records entries the log no longer has (its tail was cut). */
  | 'truncated'
  /** The log's entry at a checkpoint's sequence number is not the one the checkpoint signed. */
  | 'checkpointHead'
  /** A checkpoint line that does not parse. */
  | 'checkpointMalformed'
  /** A checkpoint signed by another key than the kiosk's. */
  | 'checkpointKey'
  /** A checkpoint whose signature does not verify under the kiosk's key. */
  | 'checkpointSignature'
  /** No signed checkpoint to check the log's length against. */
  | 'noCheckpoint';

/** One finding of `kiosk audit verify`: the entry it concerns (if any) and why, in words. */
export interface AuditFault {
  readonly problem: AuditProblem;
  /** The first bad entry: for a gap or a cut tail, the entry after the last good one. */
  readonly seq?: number;
  /** For checkpoint findings: where the checkpoint is, `FILE:LINE`. */
  readonly checkpoint?: string;
  readonly detail: string;
}

/** The audit log fails verification (`kiosk audit verify`): tampering, damage or a cut tail. */
export class AuditTamperedError extends FatalError {
  readonly code = 'AUDIT_TAMPERED';
  readonly reason: Reason = 'internal';
  readonly visitor = outOfService;
  constructor(
    readonly fault: AuditFault,
    /** Every finding, the first being `fault`. */
    readonly faults: readonly AuditFault[] = [fault],
  ) {
    super(describeFault(fault));
  }
}

/** `entry N: …`, or `checkpoint FILE:LINE: …` for a finding about a checkpoint alone. */
export function describeFault(fault: AuditFault): string {
  if (fault.seq !== undefined) return `entry ${fault.seq}: ${fault.detail}`;
  if (fault.checkpoint !== undefined) return `checkpoint ${fault.checkpoint}: ${fault.detail}`;
  return fault.detail;
}

/** What kind of secret a payload held (never the value itself). */
export type AuditSecretKind =
  /** A field whose name says it holds a secret (`password`, `pin`, `authCode`, `idn`, …). */
  | 'secretName'
  /** A string holding a full resident registration number. */
  | 'residentNumber'
  /** A string holding an RA authorization code (`XXXX-XXXX-XXXX-XXXX`). */
  | 'authCode'
  /** A Secret (src/shared/secret.ts) or other non-plain object. */
  | 'secretValue';

/**
 * A payload given to the audit log holds a secret (DESIGN §8: the audit log never holds a
 * password, PIN, authorization code or full IDN): nothing was written. The message names where
 * (`chip.documentNumber`) and what kind of secret, never the value.
 */
export class AuditSecretError extends FatalError {
  readonly code = 'AUDIT_SECRET';
  readonly reason: Reason = 'internal';
  readonly visitor = outOfService;
  constructor(
    readonly path: string,
    readonly secret: AuditSecretKind,
  ) {
    super(`refused to write ${secretWords[secret]} at ${path === '' ? '(payload)' : path}`);
  }
}

const secretWords: Record<AuditSecretKind, string> = {
  secretName: 'a field named as a secret',
  residentNumber: 'a full resident registration number',
  authCode: 'an authorization code',
  secretValue: 'a secret value',
};

/** A payload that is not what its kind allows (unknown key, wrong type, too long): not written. */
export class AuditPayloadError extends FatalError {
  readonly code = 'AUDIT_PAYLOAD';
  readonly reason: Reason = 'internal';
  readonly visitor = outOfService;
  constructor(
    readonly kind: string,
    readonly problems: readonly string[],
  ) {
    super(`${kind} payload refused: ${problems.join('; ')}`);
  }
}

/** The audit log, its checkpoints or the kiosk's key cannot be opened, read or written. */
export class AuditUnavailableError extends FatalError {
  readonly code = 'AUDIT_UNAVAILABLE';
  readonly reason: Reason = 'internal';
  readonly visitor = outOfService;
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
