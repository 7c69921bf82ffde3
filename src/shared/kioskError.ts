import type { Reason } from './reason.js';

/** A message for the person in front of the kiosk, in both languages the UI offers. */
export interface VisitorMessage {
  readonly ko: string;
  readonly en: string;
}

/** What a visitor sees while the kiosk cannot work. */
export const outOfService = {
  ko: '단말기 점검 중입니다. 직원에게 문의해 주세요.',
  en: 'This kiosk is out of service. Please ask a member of staff.',
} as const;

/**
 * The root of every error the kiosk raises on purpose. `code` is stable (operators grep logs for
 * it; the CLI prints it), `message` is the internal description for logs, `visitor` is what the
 * screen may show, and `cause` keeps the low-level error for the log without leaking it to the
 * visitor (smallstep's errs.Error: internal cause apart from the client-safe message).
 */
export abstract class KioskError extends Error {
  /** Stable code, `SUBSYSTEM_WHAT`; each subclass declares its own (listed in the README). */
  abstract readonly code: string;
  /** The flat reason the machines and the UI act on. */
  abstract readonly reason: Reason;
  /** Safe to show on the kiosk screen. */
  abstract readonly visitor: VisitorMessage;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The kiosk cannot go on without an operator: bad configuration, a missing library or service.
 * The kiosk shows "out of service" and the operator's log says why.
 */
export abstract class FatalError extends KioskError {}

/**
 * The visitor (or the teller) can act and try again: wrong password, card or token removed, a
 * damaged file on the visitor's medium, the CA busy.
 */
export abstract class RetriableError extends KioskError {}
