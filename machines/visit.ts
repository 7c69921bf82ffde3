import { assign, forwardTo, fromPromise, raise, setup } from 'xstate';
import { identityMachine, type IdentityEvent, type IdentityOutput } from './identity.js';
import { storageMachine, type StorageEvent } from './storage.js';
import {
  asFailure,
  failedWith,
  type AcceptedForm,
  type CertificateType,
  type ChosenMedium,
  type Institution,
  type IssuedSummary,
  type VisitFailure,
} from './types.js';

/**
 * One visitor's issuance (DESIGN §1, issue 13): institution and certificate type → the form →
 * identity (chip or in person, the teller, the fee) → RA registration (reference number and
 * authorization code, kept by the service) → storage (medium and secret) → issuance → guidance.
 *
 * Two regions: `flow` (the steps) and `attention` (inactivity: a warning, then a wipe; paused
 * while the kiosk, not the visitor, is working). Cancel and the inactivity timeout both wipe: the
 * service's `wipe` zeroes what the visit holds and removes what it made. Every failure has a state
 * that says what happened and, where a retry can succeed, takes it. The reference number is never
 * spent without a way to finish: an issuance failure moves on the service's "what was spent".
 */

export interface VisitInput {
  readonly institutions: readonly Institution[];
}

export type VisitEvent =
  | {
      readonly type: 'visitor.select';
      readonly institution: string;
      readonly certificateType: string;
    }
  | { readonly type: 'form.accepted'; readonly form: AcceptedForm }
  | { readonly type: 'form.refused'; readonly problems: readonly string[] }
  | { readonly type: 'visitor.retry' }
  | { readonly type: 'visitor.back' }
  | { readonly type: 'visitor.finish' }
  | { readonly type: 'visitor.activity' }
  | { readonly type: 'visit.cancel' }
  | { readonly type: 'visit.busy' }
  | { readonly type: 'visit.attend' }
  | { readonly type: 'visit.timeout' }
  | { readonly type: 'visit.over' }
  | { readonly type: 'device.mediumBack' }
  | IdentityEvent
  | StorageEvent;

export interface RegisterInput {
  readonly form: AcceptedForm;
  readonly institution: string;
  readonly certificateType: CertificateType;
  readonly approval: Extract<IdentityOutput, { outcome: 'approved' }>;
}

export interface IssueInput {
  readonly medium: ChosenMedium;
  readonly ref: string;
  readonly certificateType: CertificateType;
}

export interface VisitContext {
  readonly institutions: readonly Institution[];
  readonly institution: string | undefined;
  readonly certificateType: CertificateType | undefined;
  readonly form: AcceptedForm | undefined;
  readonly formProblems: readonly string[];
  readonly identity: IdentityOutput | undefined;
  /** The RA's reference number (not a secret: its authorization code is, and stays in the vault). */
  readonly ref: string | undefined;
  readonly medium: ChosenMedium | undefined;
  readonly issued: IssuedSummary | undefined;
  readonly failure: VisitFailure | undefined;
  /** How the visit ended, for the record. */
  readonly ending: 'issued' | 'rejected' | 'cancelled' | 'timedOut' | 'staffNeeded' | undefined;
}

export const visitMachine = setup({
  types: {
    input: {} as VisitInput,
    context: {} as VisitContext,
    events: {} as VisitEvent,
  },
  actors: {
    identity: identityMachine,
    storage: storageMachine,
    /** RA registration over the network (issue 13 item 3): the reference number out. */
    register: fromPromise<{ ref: string }, RegisterInput>(() =>
      Promise.reject(new Error('register is provided by the kiosk service')),
    ),
    /** The service's issue (src/service/issue.ts) with the vault's code and secret. */
    issue: fromPromise<IssuedSummary, IssueInput>(() =>
      Promise.reject(new Error('issue is provided by the kiosk service')),
    ),
    /** Zeroes the visit's secrets and removes what it made (not a stored certificate). */
    wipe: fromPromise<undefined, { reason: 'cancelled' | 'timedOut' }>(() =>
      Promise.resolve(undefined),
    ),
  },
  actions: {
    /** An actor's error event, as the service classified it. */
    noteFailure: assign({
      failure: ({ event }) => asFailure((event as { error?: unknown }).error),
    }),
  },
  delays: {
    /** Overridden from the configuration (timeouts.inactivityWarningMs, inactivityWipeMs). */
    inactivityWarning: 60_000,
    inactivityWipe: 30_000,
  },
  guards: {
    knownChoice: ({ context, event }) =>
      event.type === 'visitor.select' &&
      context.institutions
        .find((i) => i.id === event.institution)
        ?.certificateTypes.some((t) => t.id === event.certificateType) === true,
    identityApproved: ({ event }) =>
      (event as { output?: IdentityOutput }).output?.outcome === 'approved',
    mediumGone: failedWith('tokenRemoved', 'driveRemoved'),
    /** Another medium may do (a locked token, a wrong PIN, a drive that cannot be written). */
    mediumUnusable: failedWith('tokenLocked', 'wrongSecret', 'driveUnusable'),
    /** The CA was not reached or did not answer; nothing was spent, or it voids what it issued. */
    caUnreachable: failedWith('caUnreachable'),
    /** Issued and stored, the confirmation lost: staff check with the CA (src/service/spent.ts). */
    unconfirmed: ({ event }) =>
      asFailure((event as { error?: unknown }).error).spent === 'unconfirmed',
  },
}).createMachine({
  id: 'visit',
  type: 'parallel',
  context: ({ input }) => ({
    institutions: input.institutions,
    institution: undefined,
    certificateType: undefined,
    form: undefined,
    formProblems: [],
    identity: undefined,
    ref: undefined,
    medium: undefined,
    issued: undefined,
    failure: undefined,
    ending: undefined,
  }),
  states: {
    flow: {
      initial: 'choosing',
      on: {
        'visit.cancel': { target: '.wiping', actions: assign({ ending: 'cancelled' }) },
        'visit.timeout': { target: '.wiping', actions: assign({ ending: 'timedOut' }) },
      },
      states: {
        choosing: {
          on: {
            'visitor.select': {
              guard: 'knownChoice',
              target: 'form',
              actions: assign({
                institution: ({ event }) => event.institution,
                certificateType: ({ context, event }) =>
                  context.institutions
                    .find((i) => i.id === event.institution)
                    ?.certificateTypes.find((t) => t.id === event.certificateType),
              }),
            },
          },
        },
        form: {
          on: {
            'form.accepted': {
              target: 'identity',
              actions: assign({ form: ({ event }) => event.form, formProblems: [] }),
            },
            'form.refused': { actions: assign({ formProblems: ({ event }) => event.problems }) },
            'visitor.back': 'choosing',
          },
        },
        identity: {
          on: {
            'visitor.*': { actions: forwardTo('identity') },
            'teller.*': { actions: forwardTo('identity') },
            'device.*': { actions: forwardTo('identity') },
          },
          invoke: {
            id: 'identity',
            src: 'identity',
            input: ({ context }) => ({
              form: context.form ?? { name: '', idnMasked: '', birthDate: '', phone: '' },
              feeWon: context.certificateType?.feeWon ?? 0,
            }),
            onDone: [
              {
                guard: 'identityApproved',
                target: 'registering',
                actions: assign({ identity: ({ event }) => event.output }),
              },
              {
                target: 'rejected',
                actions: assign({ identity: ({ event }) => event.output, ending: 'rejected' }),
              },
            ],
          },
        },
        registering: {
          entry: raise({ type: 'visit.busy' }),
          exit: raise({ type: 'visit.attend' }),
          invoke: {
            id: 'register',
            src: 'register',
            input: ({ context }): RegisterInput => {
              const identity = context.identity;
              if (context.form === undefined || context.certificateType === undefined)
                throw new Error('registering without a form');
              if (identity?.outcome !== 'approved') throw new Error('registering unapproved');
              return {
                form: context.form,
                institution: context.institution ?? '',
                certificateType: context.certificateType,
                approval: identity,
              };
            },
            onDone: {
              target: 'storage',
              actions: assign({ ref: ({ event }) => event.output.ref, failure: undefined }),
            },
            onError: { target: 'registerFailed', actions: 'noteFailure' },
          },
        },
        /** The RA did not register (down, refused): nothing was issued; try again or cancel. */
        registerFailed: {
          on: { 'visitor.retry': 'registering' },
        },
        storage: {
          on: {
            'visitor.*': { actions: forwardTo('storage') },
            'secret.*': { actions: forwardTo('storage') },
          },
          invoke: {
            id: 'storage',
            src: 'storage',
            onDone: {
              target: 'issuing',
              actions: assign({ medium: ({ event }) => event.output.medium }),
            },
          },
        },
        issuing: {
          entry: raise({ type: 'visit.busy' }),
          exit: raise({ type: 'visit.attend' }),
          invoke: {
            id: 'issue',
            src: 'issue',
            input: ({ context }): IssueInput => {
              if (context.medium === undefined || context.ref === undefined)
                throw new Error('issuing without a medium or a reference');
              if (context.certificateType === undefined) throw new Error('no certificate type');
              return {
                medium: context.medium,
                ref: context.ref,
                certificateType: context.certificateType,
              };
            },
            onDone: {
              target: 'done',
              actions: assign({
                issued: ({ event }) => event.output,
                failure: undefined,
                ending: 'issued',
              }),
            },
            onError: [
              {
                guard: 'unconfirmed',
                target: 'staffNeeded',
                actions: ['noteFailure', assign({ ending: 'staffNeeded' })],
              },
              { guard: 'mediumGone', target: 'mediumRemoved', actions: 'noteFailure' },
              { guard: 'mediumUnusable', target: 'mediumUnusable', actions: 'noteFailure' },
              { guard: 'caUnreachable', target: 'caUnreachable', actions: 'noteFailure' },
              { target: 'issueFailed', actions: 'noteFailure' },
            ],
          },
        },
        /** Token or drive pulled: nothing half-made stays (the service's guarantee); put it back. */
        mediumRemoved: {
          on: { 'device.mediumBack': 'issuing', 'visitor.retry': 'issuing' },
        },
        /** Choose another medium; the reference number is still good (nothing spent, or refused). */
        mediumUnusable: {
          on: { 'visitor.back': 'storage' },
        },
        caUnreachable: {
          on: { 'visitor.retry': 'issuing' },
        },
        /** The CA refused or something else failed: the screen says what; retry or cancel. */
        issueFailed: {
          on: { 'visitor.retry': 'issuing', 'visitor.back': 'storage' },
        },
        /** Issued and stored but not confirmed: a teller settles it with the CA. */
        staffNeeded: {
          on: { 'visitor.finish': 'finished' },
        },
        done: {
          on: { 'visitor.finish': 'finished' },
        },
        rejected: {
          on: { 'visitor.finish': 'finished' },
        },
        wiping: {
          entry: raise({ type: 'visit.busy' }),
          invoke: {
            id: 'wipe',
            src: 'wipe',
            input: ({ context }) => ({
              reason:
                context.ending === 'timedOut' ? ('timedOut' as const) : ('cancelled' as const),
            }),
            onDone: 'finished',
            // A wipe that fails still ends the visit; the service has logged what it left.
            onError: 'finished',
          },
          on: { 'visit.cancel': {}, 'visit.timeout': {} },
        },
        finished: { type: 'final', entry: raise({ type: 'visit.over' }) },
      },
    },
    attention: {
      initial: 'watching',
      // Transitions to a sibling, never `reenter` on this region: that would re-enter the whole
      // parallel visit and start the flow again.
      on: { 'visit.busy': '.paused', 'visit.over': '.over' },
      states: {
        watching: {
          on: {
            'visitor.*': { target: 'watching', reenter: true },
            'visit.attend': { target: 'watching', reenter: true },
          },
          after: { inactivityWarning: 'warning' },
        },
        /** "Are you still there?" with a countdown; any key continues. */
        warning: {
          on: { 'visitor.*': 'watching', 'visit.attend': 'watching' },
          after: {
            inactivityWipe: { target: 'paused', actions: raise({ type: 'visit.timeout' }) },
          },
        },
        /** The kiosk or the teller is working: no countdown. */
        paused: {
          on: { 'visit.attend': 'watching' },
        },
        over: { type: 'final' },
      },
    },
  },
});
