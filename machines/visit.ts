import { assign, forwardTo, raise } from 'xstate';
import { attention } from './visit/attention.js';
import { failureRoutes, failureStates } from './visit/failures.js';
import {
  visitSetup,
  type IssueInput,
  type Purpose,
  type RegisterInput,
  type RevokeInput,
} from './visit/setup.js';

export type { Purpose, VisitContext, VisitEvent, VisitInput } from './visit/setup.js';

/**
 * One visitor at the kiosk (DESIGN §1, issue 13), from the home screen to the end:
 * - issue: institution and type → form → identity → RA registration → storage → issuance;
 * - reissue (forgotten password): the same, revoking the old certificate before the new one;
 * - revoke (lost medium): form → identity → RA registration → which certificate, why → rr;
 * - renew, copy, view: the certificate the visitor brought (machines/held.ts), then kur, the
 *   copy onto a medium chosen as for an issuance, or just the list.
 * Identity (identity.ts), storage (storage.ts) and the held certificate (held.ts) are sub-flows
 * every purpose shares; failures share one set of states (visit/failures.ts); the parallel
 * `attention` region (visit/attention.ts) warns and wipes an idle visit. Cancel and the timeout
 * wipe: the service's `wipe` zeroes what the visit holds and removes what it made.
 */

const busy = { entry: 'busy' as const, exit: 'attend' as const };
const started = (purposes: readonly Purpose[]) => ({
  type: 'startsFor' as const,
  params: { purposes },
});
const purposeIs = (purpose: Purpose) => ({ type: 'purposeIs' as const, params: purpose });

export const visitMachine = visitSetup
  .extend({
    guards: {
      startsFor: ({ context, event }, params: { purposes: readonly Purpose[] }) =>
        event.type === 'visitor.start' &&
        context.purposes.includes(event.purpose) &&
        params.purposes.includes(event.purpose),
    },
  })
  .createMachine({
    id: 'visit',
    type: 'parallel',
    context: ({ input }) => ({
      institutions: input.institutions,
      media: input.media,
      purposes: input.purposes ?? ['issue', 'reissue', 'revoke', 'renew', 'copy', 'view'],
      purpose: undefined,
      institution: undefined,
      certificateType: undefined,
      form: undefined,
      formProblems: undefined,
      identity: undefined,
      ref: undefined,
      atCa: [],
      revocation: undefined,
      held: undefined,
      medium: undefined,
      issued: undefined,
      failure: undefined,
      failed: undefined,
      ending: undefined,
    }),
    states: {
      flow: {
        initial: 'home',
        on: {
          // An ending already known (staff needed, done, rejected) stays what the record says.
          'visit.cancel': {
            target: '.wiping',
            actions: assign({ ending: ({ context }) => context.ending ?? 'cancelled' }),
          },
          'visit.timeout': {
            target: '.wiping',
            actions: assign({ ending: ({ context }) => context.ending ?? 'timedOut' }),
          },
        },
        states: {
          home: {
            on: {
              'visitor.start': [
                {
                  guard: started(['issue', 'reissue']),
                  target: 'choosing',
                  actions: 'startPurpose',
                },
                {
                  guard: started(['revoke']),
                  target: 'form',
                  actions: 'startPurpose',
                },
                {
                  guard: started(['renew', 'copy', 'view']),
                  target: 'holding',
                  actions: 'startPurpose',
                },
              ],
            },
          },
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
              'visitor.back': 'home',
            },
          },
          form: {
            on: {
              'form.accepted': {
                target: 'identity',
                actions: assign({ form: ({ event }) => event.form, formProblems: undefined }),
              },
              'form.refused': { actions: assign({ formProblems: ({ event }) => event.problems }) },
              'visitor.back': 'home',
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
            ...busy,
            invoke: {
              id: 'register',
              src: 'register',
              input: ({ context }): RegisterInput => {
                const { identity, form, purpose } = context;
                if (form === undefined || purpose === undefined || identity?.outcome !== 'approved')
                  throw new Error('registering without an approved form');
                return {
                  purpose,
                  form,
                  institution: context.institution,
                  certificateType: context.certificateType,
                  approval: identity,
                };
              },
              onDone: [
                {
                  guard: purposeIs('issue'),
                  target: 'storage',
                  actions: [assign({ ref: ({ event }) => event.output.ref }), 'succeeded'],
                },
                {
                  target: 'finding',
                  actions: [assign({ ref: ({ event }) => event.output.ref }), 'succeeded'],
                },
              ],
              onError: failureRoutes('registering'),
            },
          },
          /** The approved holder's certificates at the CA (revocation, reissue). */
          finding: {
            ...busy,
            invoke: {
              id: 'findAtCa',
              src: 'findAtCa',
              input: ({ context }) => ({ ref: context.ref ?? '' }),
              onDone: [
                {
                  guard: 'nothingAtCa',
                  target: 'nothingAtCa',
                  actions: [assign({ atCa: [] }), 'succeeded'],
                },
                {
                  target: 'pickingRevocation',
                  actions: [assign({ atCa: ({ event }) => event.output }), 'succeeded'],
                },
              ],
              onError: failureRoutes('finding'),
            },
          },
          /** No certificate to revoke: a reissue goes on to issue, a revocation ends. */
          nothingAtCa: {
            on: {
              'visitor.finish': [{ guard: purposeIs('reissue'), target: 'storage' }, 'finished'],
            },
          },
          /** Which certificate, and why (a pick list: RFC 5280 CRLReason). */
          pickingRevocation: {
            on: {
              'visitor.pickRevocation': {
                guard: 'revocable',
                target: 'revoking',
                actions: assign({
                  revocation: ({ event }) => ({ serial: event.serial, reason: event.reason }),
                }),
              },
            },
          },
          revoking: {
            ...busy,
            invoke: {
              id: 'revoke',
              src: 'revoke',
              input: ({ context }): RevokeInput => ({
                ref: context.ref ?? '',
                serial: context.revocation?.serial ?? '',
                reason: context.revocation?.reason ?? 'keyCompromise',
                then: context.purpose === 'reissue' ? 'issue' : 'end',
              }),
              onDone: [
                { guard: purposeIs('reissue'), target: 'storage', actions: 'succeeded' },
                { target: 'done', actions: ['succeeded', assign({ ending: 'done' })] },
              ],
              onError: failureRoutes('revoking'),
            },
          },
          storage: {
            on: {
              'visitor.*': { actions: forwardTo('storage') },
              'secret.*': { actions: forwardTo('storage') },
            },
            invoke: {
              id: 'storage',
              src: 'storage',
              input: ({ context }) => ({
                media: context.media,
                newPassword: context.purpose !== 'copy',
              }),
              onDone: [
                {
                  guard: purposeIs('copy'),
                  target: 'copying',
                  actions: assign({ medium: ({ event }) => event.output.medium }),
                },
                {
                  target: 'issuing',
                  actions: assign({ medium: ({ event }) => event.output.medium }),
                },
              ],
            },
          },
          issuing: {
            ...busy,
            invoke: {
              id: 'issue',
              src: 'issue',
              input: ({ context }): IssueInput => {
                const { medium, ref, certificateType } = context;
                if (medium === undefined || ref === undefined || certificateType === undefined)
                  throw new Error('issuing without a medium, a reference or a type');
                return { medium, ref, certificateType };
              },
              onDone: {
                target: 'done',
                actions: [
                  assign({ issued: ({ event }) => event.output, ending: 'done' }),
                  'succeeded',
                ],
              },
              onError: failureRoutes('issuing'),
            },
          },
          holding: {
            on: {
              'visitor.*': { actions: forwardTo('held') },
              'secret.*': { actions: forwardTo('held') },
            },
            invoke: {
              id: 'held',
              src: 'held',
              input: ({ context }) => ({
                purpose:
                  context.purpose === 'renew' || context.purpose === 'copy'
                    ? context.purpose
                    : ('view' as const),
                media: context.media,
              }),
              onDone: [
                {
                  guard: purposeIs('renew'),
                  target: 'renewing',
                  actions: assign({ held: ({ event }) => event.output }),
                },
                {
                  guard: purposeIs('copy'),
                  target: 'storage',
                  actions: assign({ held: ({ event }) => event.output }),
                },
                {
                  target: 'finished',
                  actions: assign({ held: ({ event }) => event.output, ending: 'done' }),
                },
              ],
            },
          },
          renewing: {
            ...busy,
            invoke: {
              id: 'renew',
              src: 'renew',
              input: ({ context }) => ({
                medium: context.held?.medium ?? { kind: 'usb' as const, device: '' },
                serial: context.held?.serial ?? '',
              }),
              onDone: {
                target: 'done',
                actions: [
                  assign({ issued: ({ event }) => event.output, ending: 'done' }),
                  'succeeded',
                ],
              },
              onError: failureRoutes('renewing'),
            },
          },
          copying: {
            ...busy,
            invoke: {
              id: 'copy',
              src: 'copy',
              input: ({ context }) => ({
                from: context.held?.medium ?? { kind: 'usb' as const, device: '' },
                serial: context.held?.serial ?? '',
                to: context.medium ?? { kind: 'usb' as const, device: '' },
              }),
              onDone: { target: 'done', actions: ['succeeded', assign({ ending: 'done' })] },
              onError: failureRoutes('copying'),
            },
          },
          ...failureStates,
          /** The security guidance (DESIGN §1 step 7) and the certificate's facts. */
          done: { on: { 'visitor.finish': 'finished' } },
          rejected: { on: { 'visitor.finish': 'finished' } },
          wiping: {
            entry: 'busy',
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
      attention,
    },
  });
