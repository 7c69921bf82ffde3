import { raise } from 'xstate';
import { visitSetup } from './setup.js';

/**
 * The visit's inactivity region (issue 13): watching → a warning ("are you still there?", any key
 * continues) → the wipe. Paused while the kiosk or the teller is working (`visit.busy` from the
 * flow and its sub-flows, `visit.attend` when it is the visitor's turn again), so a slow CA or a
 * busy teller never wipes a waiting visitor. Its transitions go to a sibling and never `reenter`
 * the region itself: that would re-enter the whole parallel visit and start its flow again.
 */
export const attention = visitSetup.createStateConfig({
  initial: 'watching',
  on: { 'visit.busy': '.paused', 'visit.over': '.over' },
  states: {
    watching: {
      on: {
        'visitor.*': { target: 'watching', reenter: true },
        // A form or a secret typed is the visitor there too.
        'form.*': { target: 'watching', reenter: true },
        'secret.*': { target: 'watching', reenter: true },
        'visit.attend': { target: 'watching', reenter: true },
      },
      after: { inactivityWarning: 'warning' },
    },
    warning: {
      on: {
        'visitor.*': 'watching',
        'form.*': 'watching',
        'secret.*': 'watching',
        'visit.attend': 'watching',
      },
      after: { inactivityWipe: { target: 'paused', actions: raise({ type: 'visit.timeout' }) } },
    },
    paused: {
      on: { 'visit.attend': 'watching' },
    },
    over: { type: 'final' },
  },
});
