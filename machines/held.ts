import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import {
  asFailure,
  failedWith,
  hasParent,
  type ChosenMedium,
  type HeldCertificate,
  type VisitFailure,
} from './types.js';

/**
 * The sub-flow for a certificate the visitor already holds (renewal, copy, view; DESIGN §1
 * "Lifecycle"): choose the medium it is on, see what it holds, pick one, and (to renew or copy)
 * open it with its password or PIN. As with storage.ts, the secret never enters the machine: the
 * service checks it against the medium and sends `secret.accepted` or `secret.refused`.
 */

export interface HeldInput {
  /** What the visitor does with it: `view` stops once the list is shown. */
  readonly purpose: 'renew' | 'copy' | 'view';
  /** The media this kiosk offers (configuration kiosk.media). */
  readonly media: readonly ChosenMedium['kind'][];
}

export type HeldEvent =
  | { readonly type: 'visitor.chooseToken'; readonly label: string }
  | { readonly type: 'visitor.chooseDrive'; readonly device: string }
  | { readonly type: 'visitor.pick'; readonly serial: string }
  | { readonly type: 'visitor.back' }
  | { readonly type: 'visitor.retry' }
  | { readonly type: 'visitor.finish' }
  | { readonly type: 'secret.accepted' }
  | { readonly type: 'secret.refused'; readonly problems: readonly string[] };

export interface HeldOutput {
  readonly medium: ChosenMedium;
  readonly certificates: readonly HeldCertificate[];
  /** The one picked (absent for `view`). */
  readonly serial?: string;
}

interface HeldContext {
  readonly purpose: HeldInput['purpose'];
  readonly media: HeldInput['media'];
  readonly medium: ChosenMedium | undefined;
  readonly certificates: readonly HeldCertificate[];
  readonly serial: string | undefined;
  readonly secretProblems: readonly string[];
  readonly failure: VisitFailure | undefined;
}

export const heldMachine = setup({
  types: {
    input: {} as HeldInput,
    context: {} as HeldContext,
    events: {} as HeldEvent,
    output: {} as HeldOutput,
  },
  actors: {
    /** The service's list (src/service/list.ts), reduced to HeldCertificate. */
    listHeld: fromPromise<readonly HeldCertificate[], { medium: ChosenMedium }>(() =>
      Promise.reject(new Error('listHeld is provided by the kiosk service')),
    ),
  },
  guards: {
    viewOnly: ({ context }) => context.purpose === 'view',
    tokensOffered: ({ context }) => context.media.includes('token'),
    drivesOffered: ({ context }) => context.media.includes('usb'),
    nothingThere: ({ event }) =>
      (event as { output?: readonly HeldCertificate[] }).output?.length === 0,
    /** On the medium, and for a renewal inside its window (the CA refuses others, issue 11). */
    pickable: ({ context, event }) =>
      event.type === 'visitor.pick' &&
      context.certificates.some(
        (c) => c.serial === event.serial && (context.purpose !== 'renew' || c.renewable),
      ),
    mediumGone: failedWith('tokenRemoved', 'driveRemoved'),
  },
  actions: {
    tellBusy: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.busy' });
    }),
    tellAttend: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.attend' });
    }),
  },
}).createMachine({
  id: 'held',
  context: ({ input }) => ({
    purpose: input.purpose,
    media: input.media,
    medium: undefined,
    certificates: [],
    serial: undefined,
    secretProblems: [],
    failure: undefined,
  }),
  initial: 'choosing',
  states: {
    choosing: {
      on: {
        'visitor.chooseToken': {
          guard: 'tokensOffered',
          target: 'listing',
          actions: assign({ medium: ({ event }) => ({ kind: 'token', label: event.label }) }),
        },
        'visitor.chooseDrive': {
          guard: 'drivesOffered',
          target: 'listing',
          actions: assign({ medium: ({ event }) => ({ kind: 'usb', device: event.device }) }),
        },
      },
    },
    listing: {
      entry: 'tellBusy',
      exit: 'tellAttend',
      invoke: {
        id: 'listHeld',
        src: 'listHeld',
        input: ({ context }) => ({ medium: context.medium ?? { kind: 'usb', device: '' } }),
        onDone: [
          {
            guard: 'nothingThere',
            target: 'empty',
            actions: assign({ certificates: [], failure: undefined }),
          },
          {
            guard: 'viewOnly',
            target: 'shown',
            actions: assign({ certificates: ({ event }) => event.output, failure: undefined }),
          },
          {
            target: 'picking',
            actions: assign({ certificates: ({ event }) => event.output, failure: undefined }),
          },
        ],
        onError: [
          {
            guard: 'mediumGone',
            target: 'mediumRemoved',
            actions: assign({ failure: ({ event }) => asFailure(event.error) }),
          },
          {
            target: 'unreadable',
            actions: assign({ failure: ({ event }) => asFailure(event.error) }),
          },
        ],
      },
    },
    /** No certificate on it: another medium, or the visit ends. */
    empty: { on: { 'visitor.back': 'choosing' } },
    mediumRemoved: { on: { 'visitor.retry': 'listing', 'visitor.back': 'choosing' } },
    unreadable: { on: { 'visitor.back': 'choosing' } },
    picking: {
      on: {
        'visitor.pick': {
          guard: 'pickable',
          target: 'secret',
          actions: assign({ serial: ({ event }) => event.serial }),
        },
        'visitor.back': 'choosing',
      },
    },
    secret: {
      on: {
        'secret.accepted': 'picked',
        'secret.refused': { actions: assign({ secretProblems: ({ event }) => event.problems }) },
        'visitor.back': 'picking',
      },
    },
    shown: { on: { 'visitor.finish': 'picked', 'visitor.back': 'choosing' } },
    picked: { type: 'final' },
  },
  output: ({ context }): HeldOutput => ({
    medium: context.medium ?? { kind: 'usb', device: '' },
    certificates: context.certificates,
    ...(context.serial === undefined ? {} : { serial: context.serial }),
  }),
});
