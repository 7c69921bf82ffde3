import { assign, fromPromise, raise, setup } from 'xstate';
import type { FormCheck } from '../form/fields.js';
import { heldMachine, type HeldEvent, type HeldOutput } from '../held.js';
import { identityMachine, type IdentityEvent, type IdentityOutput } from '../identity.js';
import { storageMachine, type StorageEvent } from '../storage.js';
import {
  asFailure,
  failedWith,
  revocationReasons,
  type AcceptedForm,
  type CertificateType,
  type ChosenMedium,
  type HeldCertificate,
  type Institution,
  type IssuedSummary,
  type RevocationReason,
  type VisitFailure,
} from '../types.js';

/**
 * The visit's types, effects, guards and delays (issue 13), shared by the state configurations
 * of machines/visit/*.ts and assembled in machines/visit.ts. The effects are the service API's
 * operations, bound by the kiosk service with `.provide()`; their defaults refuse to run.
 */

/** What the visitor came for (the home screen, DESIGN §1 "Lifecycle at the kiosk"). */
export type Purpose = 'issue' | 'reissue' | 'revoke' | 'renew' | 'copy' | 'view';

export interface VisitInput {
  readonly institutions: readonly Institution[];
  /** The media this kiosk offers (configuration kiosk.media). */
  readonly media: readonly ChosenMedium['kind'][];
  /** What the home screen offers; every purpose if absent. */
  readonly purposes?: readonly Purpose[];
}

export type VisitEvent =
  | { readonly type: 'visitor.start'; readonly purpose: Purpose }
  | {
      readonly type: 'visitor.select';
      readonly institution: string;
      readonly certificateType: string;
    }
  | { readonly type: 'form.accepted'; readonly form: AcceptedForm }
  | { readonly type: 'form.refused'; readonly problems: FormCheck['problems'] }
  | {
      readonly type: 'visitor.pickRevocation';
      readonly serial: string;
      readonly reason: RevocationReason;
    }
  | { readonly type: 'visitor.retry' }
  /** A key typed into a field (no value): the visitor is there (visit/attention.ts). */
  | { readonly type: 'visitor.active' }
  | { readonly type: 'visitor.back' }
  | { readonly type: 'visitor.finish' }
  | { readonly type: 'visit.cancel' }
  | { readonly type: 'visit.busy' }
  | { readonly type: 'visit.attend' }
  | { readonly type: 'visit.timeout' }
  | { readonly type: 'visit.over' }
  | { readonly type: 'device.mediumBack' }
  | IdentityEvent
  | StorageEvent
  | HeldEvent;

export interface RegisterInput {
  readonly purpose: Purpose;
  readonly form: AcceptedForm;
  readonly institution: string | undefined;
  readonly certificateType: CertificateType | undefined;
  readonly approval: Extract<IdentityOutput, { outcome: 'approved' }>;
}

export interface RevokeInput {
  readonly ref: string;
  readonly serial: string;
  readonly reason: RevocationReason;
  readonly then: 'issue' | 'end';
}

export interface IssueInput {
  readonly medium: ChosenMedium;
  readonly ref: string;
  readonly certificateType: CertificateType;
}

/** The effects that can fail and be tried again from a failure state. */
export type Effect = 'registering' | 'finding' | 'revoking' | 'issuing' | 'renewing' | 'copying';

export interface VisitContext {
  readonly institutions: readonly Institution[];
  readonly purposes: readonly Purpose[];
  readonly media: readonly ChosenMedium['kind'][];
  readonly purpose: Purpose | undefined;
  readonly institution: string | undefined;
  readonly certificateType: CertificateType | undefined;
  readonly form: AcceptedForm | undefined;
  /** Per field, in words, after a refused form (form/fields.ts checkForm). */
  readonly formProblems: FormCheck['problems'] | undefined;
  readonly identity: IdentityOutput | undefined;
  /** The RA's reference number (not a secret: its authorization code is, and stays in the vault). */
  readonly ref: string | undefined;
  /** The holder's certificates at the CA (revocation, reissue). */
  readonly atCa: readonly HeldCertificate[];
  readonly revocation: { serial: string; reason: RevocationReason } | undefined;
  /** The certificate the visitor brought (renewal, copy, view). */
  readonly held: HeldOutput | undefined;
  readonly medium: ChosenMedium | undefined;
  readonly issued: IssuedSummary | undefined;
  readonly failure: VisitFailure | undefined;
  /** The effect that failed last: a retry runs it again. */
  readonly failed: Effect | undefined;
  /** How the visit ended, for the record. */
  readonly ending: 'done' | 'rejected' | 'cancelled' | 'timedOut' | 'staffNeeded' | undefined;
}

const unbound = (name: string) => () =>
  Promise.reject(new Error(`${name} is provided by the kiosk service`));

export const visitSetup = setup({
  types: {
    input: {} as VisitInput,
    context: {} as VisitContext,
    events: {} as VisitEvent,
  },
  actors: {
    identity: identityMachine,
    storage: storageMachine,
    held: heldMachine,
    /** RA registration over the network (issue 13 item 3): the reference number out. */
    register: fromPromise<{ ref: string }, RegisterInput>(unbound('register')),
    /** The approved holder's certificates at the CA, through the RA. */
    findAtCa: fromPromise<readonly HeldCertificate[], { ref: string }>(unbound('findAtCa')),
    /**
     * The RA revokes one of the approved holder's certificates on the registration's authority
     * (the same person, by the holder tag); `then: 'issue'` keeps the registration for a reissue.
     */
    revoke: fromPromise<undefined, RevokeInput>(unbound('revoke')),
    /** The service's issue (src/service/issue.ts) with the vault's code and secret. */
    issue: fromPromise<IssuedSummary, IssueInput>(unbound('issue')),
    /** kur with the held certificate, opened by the secret in the vault. */
    renew: fromPromise<IssuedSummary, { medium: ChosenMedium; serial: string }>(unbound('renew')),
    copy: fromPromise<undefined, { from: ChosenMedium; serial: string; to: ChosenMedium }>(
      unbound('copy'),
    ),
    /** Zeroes the visit's secrets and removes what it made (never a stored certificate). */
    wipe: fromPromise<undefined, { reason: 'cancelled' | 'timedOut' }>(() =>
      Promise.resolve(undefined),
    ),
  },
  delays: {
    /** Overridden from the configuration (timeouts.inactivityWarningMs, inactivityWipeMs). */
    inactivityWarning: 60_000,
    inactivityWipe: 30_000,
  },
  actions: {
    /** An effect's error event, as the service classified it; a retry runs `effect` again. */
    effectFailed: assign(({ event }, params: { effect: Effect }) => ({
      failure: asFailure((event as { error?: unknown }).error),
      failed: params.effect,
    })),
    succeeded: assign({ failure: undefined, failed: undefined }),
    /** A new purpose forgets an earlier one's choice (no fee or type carried into a revocation). */
    startPurpose: assign(({ event }) => ({
      purpose: event.type === 'visitor.start' ? event.purpose : undefined,
      institution: undefined,
      certificateType: undefined,
    })),
    needsStaff: assign({ ending: 'staffNeeded' }),
    /** The kiosk works: the inactivity countdown pauses (visit/attention.ts). */
    busy: raise({ type: 'visit.busy' }),
    attend: raise({ type: 'visit.attend' }),
  },
  guards: {
    purposeIs: ({ context }, purpose: Purpose) => context.purpose === purpose,
    knownChoice: ({ context, event }) =>
      event.type === 'visitor.select' &&
      context.institutions
        .find((i) => i.id === event.institution)
        ?.certificateTypes.some((t) => t.id === event.certificateType) === true,
    identityApproved: ({ event }) =>
      (event as { output?: IdentityOutput }).output?.outcome === 'approved',
    /** One of the holder's certificates at the CA, and a reason from the list. */
    revocable: ({ context, event }) =>
      event.type === 'visitor.pickRevocation' &&
      context.atCa.some((c) => c.serial === event.serial) &&
      revocationReasons.includes(event.reason),
    nothingAtCa: ({ event }) =>
      (event as { output?: readonly HeldCertificate[] }).output?.length === 0,
    failedOn: ({ context }, effect: Effect) => context.failed === effect,
    /** The certificate the visitor brought did not open: its password is typed again. */
    heldSecretWrong: ({ context }) =>
      (context.failed === 'renewing' || context.failed === 'copying') &&
      context.failure?.kind === 'wrongSecret',
    mediumGone: failedWith('tokenRemoved', 'driveRemoved'),
    /** Another medium may do (a locked token, a wrong PIN, a drive that cannot be written). */
    mediumUnusable: failedWith('tokenLocked', 'wrongSecret', 'mediumUnusable'),
    /** The CA was not reached or did not answer; nothing was spent, or it voids what it issued. */
    caUnreachable: failedWith('caUnreachable'),
    /** Issued and stored, the confirmation lost: staff check with the CA (src/service/spent.ts). */
    unconfirmed: ({ event }) =>
      asFailure((event as { error?: unknown }).error).spent === 'unconfirmed',
  },
});
