import { assign, setup } from 'xstate';
import type { Evidence, InPersonDocument, TellerDecision } from './types.js';

/**
 * The teller's face-to-face check (DESIGN §1 step 3, issue 13): pending → approved or rejected by a
 * named teller, or timed out. The approval must rest on evidence: a verified chip; a chip that did
 * not verify only with an override and its reason; no chip only with the physical ID recorded
 * (type and masked number). An approval that lacks what its case needs is ignored (the teller
 * API refuses it with the reason, issue 14); the request stays pending.
 */

export interface TellerApprovalInput {
  /** What the chip read gave: verified, not verified, or no chip (in-person check). */
  readonly basis: 'chipVerified' | 'chipNotVerified' | 'noChip';
}

export type TellerApprovalEvent =
  | {
      readonly type: 'teller.approve';
      readonly teller: string;
      readonly at: string;
      /** Needed when the chip did not verify: why the teller approves anyway. */
      readonly overrideReason?: string;
      /** Needed without a chip: the ID the teller checked in person. */
      readonly inPerson?: InPersonDocument;
    }
  | {
      readonly type: 'teller.reject';
      readonly teller: string;
      readonly at: string;
      readonly reason: string;
    };

export type TellerApprovalOutput =
  | {
      readonly outcome: 'approved';
      readonly decision: TellerDecision;
      readonly evidence: Evidence;
      readonly overrideReason?: string;
      readonly inPerson?: InPersonDocument;
    }
  | { readonly outcome: 'rejected'; readonly decision: TellerDecision; readonly reason: string }
  | { readonly outcome: 'timedOut' };

/**
 * Text a teller gives (a name, a reason) as the RA and the audit log may hold it: present,
 * bounded, and free of control and format characters (no terminal escapes, line breaks or
 * direction overrides).
 */
export function recordableText(text: unknown, max: number): boolean {
  return (
    typeof text === 'string' &&
    text.length <= max &&
    text.trim() !== '' &&
    !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text)
  );
}

/** An instant as the kiosk stamps it: ISO 8601 in UTC (`Date.prototype.toISOString`). */
export function recordableInstant(at: unknown): boolean {
  return (
    typeof at === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(at) &&
    Number.isFinite(Date.parse(at))
  );
}

const documentTypes = new Set(['residentCard', 'driverLicence', 'passport']);

/**
 * A physical ID as the teller records it: a known type, and its number masked as on any record
 * (at most 8 characters shown, the rest `*`, e.g. `900101-1******`): the machine never holds a
 * whole resident number, even one typed where the masked form belongs.
 */
export function recordableDocument(document: InPersonDocument | undefined): boolean {
  if (document === undefined || !documentTypes.has(document.type)) return false;
  const number = document.numberMasked;
  return typeof number === 'string' && number.length <= 32 && /^[0-9A-Z-]{1,8}\*{4,}$/.test(number);
}

const evidenceOf: Record<TellerApprovalInput['basis'], Evidence> = {
  chipVerified: 'chipVerified',
  chipNotVerified: 'chipNotVerifiedOverride',
  noChip: 'inPersonOnly',
};

export const tellerApprovalMachine = setup({
  types: {
    input: {} as TellerApprovalInput,
    context: {} as { basis: TellerApprovalInput['basis']; output: TellerApprovalOutput },
    events: {} as TellerApprovalEvent,
    output: {} as TellerApprovalOutput,
  },
  delays: {
    /** Overridden from the configuration (timeouts.tellerApprovalMs). */
    tellerApproval: 10 * 60_000,
  },
  guards: {
    /** The approval carries what its basis needs (see the module comment). */
    approvable: ({ context, event }) => {
      if (event.type !== 'teller.approve' || !recordableText(event.teller, 64)) return false;
      if (!recordableInstant(event.at)) return false;
      if (event.overrideReason !== undefined && !recordableText(event.overrideReason, 500))
        return false;
      if (context.basis === 'chipNotVerified') return event.overrideReason !== undefined;
      if (context.basis === 'noChip') return recordableDocument(event.inPerson);
      return true;
    },
    hasReason: ({ event }) =>
      event.type === 'teller.reject' &&
      recordableInstant(event.at) &&
      recordableText(event.reason, 500) &&
      recordableText(event.teller, 64),
  },
}).createMachine({
  id: 'tellerApproval',
  context: ({ input }) => ({ basis: input.basis, output: { outcome: 'timedOut' } }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        'teller.approve': {
          guard: 'approvable',
          target: 'approved',
          actions: assign({
            output: ({ context, event }) => {
              return {
                outcome: 'approved',
                decision: { teller: event.teller, at: event.at },
                evidence: evidenceOf[context.basis],
                ...(context.basis === 'chipNotVerified' && event.overrideReason !== undefined
                  ? { overrideReason: event.overrideReason }
                  : {}),
                ...(context.basis === 'noChip' && event.inPerson !== undefined
                  ? { inPerson: event.inPerson }
                  : {}),
              };
            },
          }),
        },
        'teller.reject': {
          guard: 'hasReason',
          target: 'rejected',
          actions: assign({
            output: ({ event }) => ({
              outcome: 'rejected',
              decision: { teller: event.teller, at: event.at },
              reason: event.reason,
            }),
          }),
        },
      },
      after: { tellerApproval: 'timedOut' },
    },
    approved: { type: 'final' },
    rejected: { type: 'final' },
    timedOut: { type: 'final' },
  },
  output: ({ context }) => context.output,
});
