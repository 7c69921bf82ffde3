import { FatalError, outOfService, RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/** The embedded CA's folder is missing, incomplete or unreadable: it cannot serve. */
export class CaSetupError extends FatalError {
  readonly code = 'CA_SETUP';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly dir: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${dir}: ${detail}`, options);
  }
}

/** `kiosk ca init` on a folder that already holds a CA: never overwritten. */
export class CaExistsError extends RetriableError {
  readonly code = 'CA_EXISTS';
  readonly reason: Reason = 'alreadyExists';
  readonly visitor = outOfService;
  constructor(readonly dir: string) {
    super(`${dir} already holds a CA; choose another folder`);
  }
}
