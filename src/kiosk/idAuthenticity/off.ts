import type { IdAuthenticity, IdAuthenticityAnswer } from './contract.js';

/**
 * The default (`kiosk.idAuthenticity.enabled: false`, issue 13): no service asked, no I/O. It
 * answers `notChecked`, not `unavailable`: nothing failed, the approval simply rests on the
 * teller's eyes alone, and the teller's screen and the record must say that rather than raise a
 * fault nobody can fix.
 */
export class IdAuthenticityOff implements IdAuthenticity {
  check(_request: unknown, signal?: AbortSignal): Promise<IdAuthenticityAnswer> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return Promise.resolve({ result: 'notChecked' });
  }
}
