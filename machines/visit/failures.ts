import { visitSetup, type Effect } from './setup.js';

/**
 * What a failed effect leads to (issue 13): one set of failure states for every effect, each
 * saying what happened (`context.failure`, as the service classified it) and offering what can
 * succeed. A retry runs again the effect that failed (`context.failed`); "another medium" goes
 * back to where the medium was chosen. The reference number is never spent without a way to
 * finish: what was spent (src/service/spent.ts) decides, and a certificate issued and stored but
 * not confirmed goes to staff, never to a retry that would issue twice.
 */

const effects: readonly Effect[] = [
  'registering',
  'finding',
  'revoking',
  'issuing',
  'renewing',
  'copying',
];

/** Runs again the effect that failed. */
const retry = effects.map((effect) => ({
  guard: { type: 'failedOn' as const, params: effect },
  target: effect,
}));

/** The error routes of one effect's invoke. */
export function failureRoutes(effect: Effect) {
  const noted = { type: 'effectFailed' as const, params: { effect } };
  return [
    {
      guard: 'unconfirmed' as const,
      target: 'staffNeeded',
      actions: [noted, 'needsStaff' as const],
    },
    { guard: 'mediumGone' as const, target: 'mediumRemoved', actions: noted },
    { guard: 'mediumUnusable' as const, target: 'mediumUnusable', actions: noted },
    { guard: 'caUnreachable' as const, target: 'caUnreachable', actions: noted },
    { target: 'effectFailed', actions: noted },
  ];
}

export const failureStates = {
  /** Token or drive pulled: nothing half-made stays (the service's guarantee); put it back. */
  mediumRemoved: visitSetup.createStateConfig({
    on: { 'device.mediumBack': retry, 'visitor.retry': retry },
  }),
  /** Another medium; the reference number is still good (nothing spent, or refused). */
  mediumUnusable: visitSetup.createStateConfig({
    on: {
      'visitor.back': [
        { guard: 'heldSecretWrong', target: 'holding' },
        { guard: { type: 'failedOn', params: 'renewing' }, target: 'holding' },
        { target: 'storage' },
      ],
    },
  }),
  caUnreachable: visitSetup.createStateConfig({
    on: { 'visitor.retry': retry },
  }),
  /** Refused or failed otherwise: the screen says what; retry, or cancel. */
  effectFailed: visitSetup.createStateConfig({
    on: { 'visitor.retry': retry },
  }),
  /** Issued and stored but not confirmed: a teller settles it with the CA. */
  staffNeeded: visitSetup.createStateConfig({
    on: { 'visitor.finish': 'finished' },
  }),
};
