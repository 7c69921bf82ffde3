import { assign, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import { mrzEntryProblems, type MrzEntry, type MrzProblem } from './form/mrzEntry.js';
import {
  recordableText,
  tellerApprovalMachine,
  type TellerApprovalEvent,
  type TellerApprovalOutput,
} from './tellerApproval.js';
import {
  asFailure,
  failedWith,
  hasParent,
  type AcceptedForm,
  type ChipSummary,
  type VisitFailure,
} from './types.js';

/**
 * The identity sub-flow every visit shares (DESIGN §1 step 3, issue 13): the chip read with the
 * MRZ typed by the visitor, or, for a document without a chip, the teller's in-person check; then
 * the teller's approval; then the fee where the certificate type has one. Failures that a retry can
 * fix wait for it (card pulled: put it back; wrong MRZ: type it again); the parent decides what a
 * rejection or a timeout means. The chip's photo and raw data stay with the service: the summary
 * here is what the screens and the snapshot may hold.
 */

export interface IdentityInput {
  readonly form: AcceptedForm;
  /** In won: 0, no fee step. */
  readonly feeWon: number;
}

export type IdentityEvent =
  | { readonly type: 'visitor.chip' }
  | { readonly type: 'visitor.noChip' }
  | { readonly type: 'visitor.mrz'; readonly entry: MrzEntry }
  | { readonly type: 'visitor.retry' }
  | { readonly type: 'device.cardInserted' }
  | { readonly type: 'teller.feePaid'; readonly teller: string }
  | TellerApprovalEvent;

export type IdentityOutput =
  | {
      readonly outcome: 'approved';
      readonly approval: Extract<TellerApprovalOutput, { outcome: 'approved' }>;
      readonly chip?: ChipSummary;
    }
  | {
      readonly outcome: 'rejected';
      readonly reason: string;
      readonly teller: string;
      /** When the kiosk received the decision (its own clock). */
      readonly at: string;
    };

interface IdentityContext {
  readonly form: AcceptedForm;
  readonly feeWon: number;
  readonly mrz: MrzEntry | undefined;
  readonly mrzProblems: readonly MrzProblem[];
  readonly chip: ChipSummary | undefined;
  /** The last failure, for the screen that says what to do; cleared by success. */
  readonly failure: VisitFailure | undefined;
  readonly approval: TellerApprovalOutput | undefined;
}

/** What the service's chip read is given: the MRZ fields and the form to compare with. */
export interface ReadChipInput {
  readonly mrz: MrzEntry;
  readonly form: AcceptedForm;
}

export const identityMachine = setup({
  types: {
    input: {} as IdentityInput,
    context: {} as IdentityContext,
    events: {} as IdentityEvent,
    output: {} as IdentityOutput,
  },
  actors: {
    /** The service's readDocument (src/service/document.ts), reduced to a ChipSummary. */
    readChip: fromPromise<ChipSummary, ReadChipInput>(() =>
      Promise.reject(new Error('readChip is provided by the kiosk service')),
    ),
    tellerApproval: tellerApprovalMachine,
  },
  actions: {
    tellBusy: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.busy' });
    }),
    tellAttend: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.attend' });
    }),
  },
  guards: {
    mrzTypedWell: ({ event }) =>
      event.type === 'visitor.mrz' && mrzEntryProblems(event.entry).length === 0,
    cardAway: failedWith('cardRemoved', 'noCard'),
    wrongMrz: failedWith('wrongMrz'),
    approved: ({ event }) =>
      (event as { output?: TellerApprovalOutput }).output?.outcome === 'approved',
    rejected: ({ event }) =>
      (event as { output?: TellerApprovalOutput }).output?.outcome === 'rejected',
    free: ({ context }) => context.feeWon === 0,
    namedTeller: ({ event }) => event.type === 'teller.feePaid' && recordableText(event.teller, 64),
  },
}).createMachine({
  id: 'identity',
  context: ({ input }) => ({
    form: input.form,
    feeWon: input.feeWon,
    mrz: undefined,
    mrzProblems: [],
    chip: undefined,
    failure: undefined,
    approval: undefined,
  }),
  initial: 'choosing',
  states: {
    choosing: {
      // No chip to read: the teller checks the physical ID and records it with the approval.
      on: { 'visitor.chip': 'chip', 'visitor.noChip': 'approval' },
    },
    chip: {
      initial: 'mrz',
      states: {
        mrz: {
          on: {
            'visitor.mrz': [
              {
                guard: 'mrzTypedWell',
                target: 'reading',
                actions: assign({ mrz: ({ event }) => event.entry, mrzProblems: [] }),
              },
              {
                actions: assign({ mrzProblems: ({ event }) => mrzEntryProblems(event.entry) }),
              },
            ],
          },
        },
        reading: {
          entry: 'tellBusy',
          exit: 'tellAttend',
          invoke: {
            id: 'readChip',
            src: 'readChip',
            input: ({ context }): ReadChipInput => ({
              mrz: context.mrz ?? { documentNumber: '', birthDate: '', expiryDate: '' },
              form: context.form,
            }),
            onDone: {
              target: '#identity.approval',
              actions: assign({ chip: ({ event }) => event.output, failure: undefined }),
            },
            onError: [
              {
                guard: 'cardAway',
                target: 'waitingForCard',
                actions: assign({ failure: ({ event }) => asFailure(event.error) }),
              },
              {
                // BAC refused: the typed MRZ is not this document's (ICAO 9303-11 §4.3).
                guard: 'wrongMrz',
                target: 'mrz',
                actions: assign({ failure: ({ event }) => asFailure(event.error) }),
              },
              {
                target: 'readFailed',
                actions: assign({ failure: ({ event }) => asFailure(event.error) }),
              },
            ],
          },
        },
        /** The card left the reader (or never came): reading starts again when it is back. */
        waitingForCard: {
          on: { 'device.cardInserted': 'reading', 'visitor.retry': 'reading' },
        },
        readFailed: {
          on: { 'visitor.retry': 'reading', 'visitor.noChip': '#identity.approval' },
        },
      },
    },
    approval: {
      // The visitor waits for the teller: no inactivity wipe meanwhile (the approval times out).
      entry: 'tellBusy',
      exit: 'tellAttend',
      on: { 'teller.*': { actions: sendTo('tellerApproval', ({ event }) => event) } },
      invoke: {
        id: 'tellerApproval',
        src: 'tellerApproval',
        input: ({ context }) => ({
          basis:
            context.chip === undefined
              ? 'noChip'
              : context.chip.verified
                ? 'chipVerified'
                : 'chipNotVerified',
        }),
        onDone: [
          {
            guard: 'approved',
            target: 'fee',
            actions: assign({ approval: ({ event }) => event.output }),
          },
          {
            guard: 'rejected',
            target: 'rejected',
            actions: assign({ approval: ({ event }) => event.output }),
          },
          {
            target: 'approvalTimedOut',
            actions: assign({ approval: ({ event }) => event.output }),
          },
        ],
      },
    },
    /** Nobody decided in time: the visitor may ask again (a teller is called) or cancel. */
    approvalTimedOut: {
      on: { 'visitor.retry': 'approval' },
    },
    fee: {
      always: { guard: 'free', target: 'approved' },
      // The teller takes the fee: no inactivity wipe meanwhile.
      entry: 'tellBusy',
      exit: 'tellAttend',
      on: { 'teller.feePaid': { guard: 'namedTeller', target: 'approved' } },
    },
    approved: { type: 'final' },
    rejected: { type: 'final' },
  },
  output: ({ context }): IdentityOutput => {
    const approval = context.approval;
    if (approval?.outcome === 'approved')
      return {
        outcome: 'approved',
        approval,
        ...(context.chip === undefined ? {} : { chip: context.chip }),
      };
    if (approval?.outcome === 'rejected')
      return {
        outcome: 'rejected',
        reason: approval.reason,
        teller: approval.decision.teller,
        at: approval.decision.at,
      };
    // Final states are reached only through an approval or a rejection.
    return { outcome: 'rejected', reason: 'no decision', teller: '', at: '' };
  },
});
