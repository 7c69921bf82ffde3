import { and, assign, enqueueActions, fromPromise, setup } from 'xstate';
import { asFailure, failedWith, hasParent, type ChosenMedium, type VisitFailure } from './types.js';

/**
 * The storage sub-flow every visit that writes shares (DESIGN §1 steps 4–5, issue 13): choose a
 * detected token or drive; a blank or foreign drive is formatted only after the visitor confirms;
 * then the secret: the certificate password twice (drive) or the token's PIN. The secret itself
 * never enters the machine: the kiosk service takes it, checks it (the live rule checklist,
 * src/npki/passwordRules.ts; the PIN by logging in), keeps it in its vault and sends
 * `secret.accepted` or `secret.refused` with what failed.
 */

export type StorageEvent =
  | { readonly type: 'visitor.chooseToken'; readonly label: string }
  | {
      readonly type: 'visitor.chooseDrive';
      readonly device: string;
      /** Blank or not FAT (DriveNotFatError when opened): it must be formatted first. */
      readonly needsFormat: boolean;
    }
  | { readonly type: 'visitor.confirmFormat' }
  | { readonly type: 'visitor.back' }
  | { readonly type: 'visitor.retry' }
  | { readonly type: 'secret.accepted' }
  | { readonly type: 'secret.refused'; readonly problems: readonly string[] };

export interface StorageInput {
  /** The media this kiosk offers (configuration kiosk.media). */
  readonly media: readonly ChosenMedium['kind'][];
  /**
   * Whether a drive needs a new password: not for a copy, whose key file keeps the password it
   * has (the copy writes it as it is; a token still needs its PIN).
   */
  readonly newPassword?: boolean;
}

export interface StorageOutput {
  readonly medium: ChosenMedium;
}

interface StorageContext {
  readonly media: readonly ChosenMedium['kind'][];
  readonly newPassword: boolean;
  readonly medium: ChosenMedium | undefined;
  readonly secretProblems: readonly string[];
  readonly failure: VisitFailure | undefined;
}

export const storageMachine = setup({
  types: {
    input: {} as StorageInput,
    context: {} as StorageContext,
    events: {} as StorageEvent,
    output: {} as StorageOutput,
  },
  actors: {
    /** The service's formatDrive (src/service/drives.ts), confirmed. */
    formatDrive: fromPromise<undefined, { device: string }>(() =>
      Promise.reject(new Error('formatDrive is provided by the kiosk service')),
    ),
  },
  guards: {
    tokensOffered: ({ context }) => context.media.includes('token'),
    drivesOffered: ({ context }) => context.media.includes('usb'),
    needsFormat: ({ event }) => event.type === 'visitor.chooseDrive' && event.needsFormat,
    noPassword: ({ context }) => !context.newPassword,
    driveGone: failedWith('driveRemoved'),
  },
  actions: {
    tellBusy: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.busy' });
    }),
    tellAttend: enqueueActions(({ enqueue, self }) => {
      if (hasParent(self)) enqueue.sendParent({ type: 'visit.attend' });
    }),
    chooseMedium: assign({
      medium: ({ context, event }): ChosenMedium | undefined =>
        event.type === 'visitor.chooseToken'
          ? { kind: 'token', label: event.label }
          : event.type === 'visitor.chooseDrive'
            ? { kind: 'usb', device: event.device }
            : context.medium,
      secretProblems: [],
      failure: undefined,
    }),
  },
}).createMachine({
  id: 'storage',
  context: ({ input }) => ({
    media: input.media,
    newPassword: input.newPassword ?? true,
    medium: undefined,
    secretProblems: [],
    failure: undefined,
  }),
  initial: 'choosing',
  states: {
    choosing: {
      on: {
        'visitor.chooseToken': { guard: 'tokensOffered', target: 'pin', actions: 'chooseMedium' },
        'visitor.chooseDrive': [
          {
            guard: and(['drivesOffered', 'needsFormat']),
            target: 'confirmFormat',
            actions: 'chooseMedium',
          },
          {
            guard: and(['drivesOffered', 'noPassword']),
            target: 'chosen',
            actions: 'chooseMedium',
          },
          { guard: 'drivesOffered', target: 'password', actions: 'chooseMedium' },
        ],
      },
    },
    /** "Everything on this drive will be erased": nothing happens without the visitor's yes. */
    confirmFormat: {
      on: { 'visitor.confirmFormat': 'formatting', 'visitor.back': 'choosing' },
    },
    formatting: {
      entry: 'tellBusy',
      exit: 'tellAttend',
      invoke: {
        id: 'formatDrive',
        src: 'formatDrive',
        input: ({ context }) => ({
          device: context.medium?.kind === 'usb' ? context.medium.device : '',
        }),
        onDone: [{ guard: 'noPassword', target: 'chosen' }, { target: 'password' }],
        onError: [
          {
            // Pulled before mkfs started: untouched (src/service/drives.ts); put it back.
            guard: 'driveGone',
            target: 'driveRemoved',
            actions: assign({ failure: ({ event }) => asFailure(event.error) }),
          },
          {
            target: 'formatFailed',
            actions: assign({ failure: ({ event }) => asFailure(event.error) }),
          },
        ],
      },
    },
    driveRemoved: {
      on: { 'visitor.retry': 'formatting', 'visitor.back': 'choosing' },
    },
    /** The drive cannot be formatted (refused as unsafe, or it failed): choose another medium. */
    formatFailed: {
      on: { 'visitor.back': 'choosing' },
    },
    password: {
      on: {
        'secret.accepted': 'chosen',
        'secret.refused': {
          actions: assign({ secretProblems: ({ event }) => event.problems }),
        },
        'visitor.back': 'choosing',
      },
    },
    pin: {
      on: {
        'secret.accepted': 'chosen',
        'secret.refused': {
          actions: assign({ secretProblems: ({ event }) => event.problems }),
        },
        'visitor.back': 'choosing',
      },
    },
    chosen: { type: 'final' },
  },
  output: ({ context }): StorageOutput => ({
    // `chosen` is reached only after a medium was chosen.
    medium: context.medium ?? { kind: 'usb', device: '' },
  }),
});
