import { FatalError, outOfService } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/**
 * The kiosk's record of open visits (src/kiosk/visitStore.ts) cannot be written, or was given
 * something it must not hold (bytes, a secret): the step whose record it was does not start, and
 * the kiosk is for an operator (issue 14 item 3: a visit that is not recorded cannot be recovered
 * after a crash).
 */
export class VisitStoreError extends FatalError {
  readonly code = 'VISIT_STORE';
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
