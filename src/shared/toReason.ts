import { KioskError } from './kioskError.js';
import type { Reason } from './reason.js';

/**
 * The one mapping point (STYLE.md #6): whatever was thrown, the flat reason the machines and the UI
 * act on. Errors that are not the kiosk's own are internal faults by definition: a driver that
 * lets a raw error escape is a bug to fix in that driver, not here.
 */
export function toReason(error: unknown): Reason {
  return error instanceof KioskError ? error.reason : 'internal';
}
