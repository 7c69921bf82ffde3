import { assign, fromCallback, fromPromise, raise, sendTo, setup } from 'xstate';
import type { Words } from './types.js';

/**
 * The kiosk itself (issue 13): out of service, ready, or in a visit, one visit at a time. It
 * watches its devices through callback actors (the service binds them to PC/SC, the token watch
 * and the USB drives) and goes out of service on what it cannot work without: no card reader,
 * pcscd gone, the CA unreachable. The reason is shown, and it comes back by itself when the cause
 * is gone (a reader plugged in, pcscd back, the CA answering again: it asks again every
 * `caRecheck`). A visit in progress is not interrupted by a device event; the visit hears it.
 */

/** What keeps the kiosk out of service, each in words for the screen. */
export type Problem = 'noReader' | 'pcscGone' | 'caUnreachable';

export const problemWords: Record<Problem, Words> = {
  noReader: {
    ko: '신분증 판독기가 연결되어 있지 않습니다.',
    en: 'No ID card reader is connected.',
  },
  pcscGone: { ko: '판독기 서비스가 멈췄습니다.', en: 'The card reader service has stopped.' },
  caUnreachable: {
    ko: '인증기관에 연결할 수 없습니다.',
    en: 'The certification authority cannot be reached.',
  },
};

export type KioskEvent =
  | { readonly type: 'device.readers'; readonly readers: readonly string[] }
  | { readonly type: 'device.pcscGone' }
  | { readonly type: 'device.cardInserted'; readonly reader: string }
  | { readonly type: 'device.cardRemoved'; readonly reader: string }
  | { readonly type: 'device.tokens'; readonly labels: readonly string[] }
  | { readonly type: 'device.drives'; readonly devices: readonly string[] }
  | { readonly type: 'device.mediumBack' }
  | { readonly type: 'kiosk.visitor' }
  | { readonly type: 'kiosk.caRecheck' };

export interface KioskContext {
  readonly readers: readonly string[];
  readonly pcscUp: boolean;
  readonly caUp: boolean;
  readonly tokens: readonly string[];
  readonly drives: readonly string[];
  readonly visits: number;
}

/** What keeps the kiosk out of service now, in order of what to fix first. */
export function problemsOf(context: KioskContext): Problem[] {
  const problems: Problem[] = [];
  if (!context.pcscUp) problems.push('pcscGone');
  else if (context.readers.length === 0) problems.push('noReader');
  if (!context.caUp) problems.push('caUnreachable');
  return problems;
}

/** A device watcher: sends KioskEvents until stopped. */
const unboundWatcher = fromCallback<KioskEvent>(() => () => undefined);

export const kioskMachine = setup({
  types: {
    context: {} as KioskContext,
    events: {} as KioskEvent,
  },
  actors: {
    watchReaders: unboundWatcher,
    watchTokens: unboundWatcher,
    watchDrives: unboundWatcher,
    /** Whether the CA answers (its CRL, or a CMP general message): resolves or rejects. */
    checkCa: fromPromise<undefined>(() =>
      Promise.reject(new Error('checkCa is provided by the kiosk service')),
    ),
    /** One visit: the visit machine bound to the service (src/kiosk/effects.ts). */
    visit: fromPromise<undefined>(() =>
      Promise.reject(new Error('visit is provided by the kiosk service')),
    ),
  },
  delays: {
    /** Overridden from the configuration. */
    caRecheck: 30_000,
    caCheckTimeout: 10_000,
  },
  guards: {
    working: ({ context }) => problemsOf(context).length === 0,
    broken: ({ context }) => problemsOf(context).length > 0,
  },
  actions: {
    forwardToVisit: sendTo('visit', ({ event }) => event),
  },
}).createMachine({
  id: 'kiosk',
  type: 'parallel',
  context: {
    readers: [],
    pcscUp: true,
    caUp: false,
    tokens: [],
    drives: [],
    visits: 0,
  },
  invoke: [
    { id: 'watchReaders', src: 'watchReaders' },
    { id: 'watchTokens', src: 'watchTokens' },
    { id: 'watchDrives', src: 'watchDrives' },
  ],
  states: {
    devices: {
      on: {
        'device.readers': {
          actions: assign({ readers: ({ event }) => event.readers, pcscUp: true }),
        },
        'device.pcscGone': { actions: assign({ readers: [], pcscUp: false }) },
        'device.tokens': { actions: assign({ tokens: ({ event }) => event.labels }) },
        'device.drives': { actions: assign({ drives: ({ event }) => event.devices }) },
      },
    },
    ca: {
      initial: 'checking',
      states: {
        checking: {
          // A check that never answers (a half-open connection) counts as unreachable.
          after: { caCheckTimeout: { target: 'waiting', actions: assign({ caUp: false }) } },
          invoke: {
            id: 'checkCa',
            src: 'checkCa',
            onDone: { target: 'answering', actions: assign({ caUp: true }) },
            onError: { target: 'waiting', actions: assign({ caUp: false }) },
          },
        },
        answering: {
          // A visit that finds the CA gone says so itself; the kiosk checks again between visits.
          on: { 'kiosk.caRecheck': 'checking' },
        },
        waiting: {
          after: { caRecheck: 'checking' },
        },
      },
    },
    service: {
      initial: 'outOfService',
      states: {
        outOfService: {
          always: { guard: 'working', target: 'ready' },
        },
        ready: {
          always: { guard: 'broken', target: 'outOfService' },
          on: { 'kiosk.visitor': 'inVisit' },
        },
        inVisit: {
          entry: assign({ visits: ({ context }) => context.visits + 1 }),
          on: {
            'device.cardInserted': { actions: 'forwardToVisit' },
            'device.mediumBack': { actions: 'forwardToVisit' },
          },
          invoke: {
            id: 'visit',
            src: 'visit',
            onDone: 'outOfService',
            onError: 'outOfService',
          },
          // After each visit the kiosk asks the CA again before taking the next visitor.
          exit: raise({ type: 'kiosk.caRecheck' }),
        },
      },
    },
  },
});
