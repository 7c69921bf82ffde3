import { fromPromise } from 'xstate';
import type { CscaTrust } from '../../drivers/emrtd/sod.js';
import { compareChipWithForm } from '../../machines/form/compare.js';
import { heldMachine } from '../../machines/held.js';
import { identityMachine, type ReadChipInput } from '../../machines/identity.js';
import { storageMachine } from '../../machines/storage.js';
import { tellerApprovalMachine } from '../../machines/tellerApproval.js';
import type {
  ChipSummary,
  ChosenMedium,
  HeldCertificate,
  IssuedSummary,
} from '../../machines/types.js';
import type { IssueInput, RegisterInput, RevokeInput } from '../../machines/visit/setup.js';
import { visitMachine } from '../../machines/visit.js';
import { verificationFailures, type DocumentReading } from '../document/readDocument.js';
import type { IssueJournal } from '../certificates/steps.js';
import type { CertificateFacts } from '../npki/certFacts.js';
import { copy } from '../service/copy.js';
import { readDocument } from '../service/document.js';
import { formatDrive } from '../service/drives.js';
import { issue, type CaEndpoint } from '../service/issue.js';
import { list } from '../service/list.js';
import { secretKindFor, type Medium, type ServiceContext } from '../service/medium.js';
import { renew } from '../service/renew.js';
import type { x509 } from '../shared/x509.js';
import { ChipReadTally, type ChipProgress } from './chipProgress.js';
import { visitFailureOf } from './failures.js';
import type { RaClient } from './ra.js';
import type { Vault } from './vault.js';

/**
 * The visit's effects bound to the service API (issue 13: the machines are pure, the kiosk
 * service provides them with `.provide()`): each takes the secrets it needs from the visit's vault
 * at the moment it runs, passes the actor's signal through, and turns any failure into the
 * VisitFailure the machine moves on (src/kiosk/failures.ts).
 */

export interface VisitDependencies {
  readonly ctx: ServiceContext;
  readonly vault: Vault;
  readonly ra: RaClient;
  readonly ca: CaEndpoint & { readonly raEncryption: x509.X509Certificate };
  readonly cscaTrust?: CscaTrust;
  /** The last chip reading, photo included, for the teller's screen (never in a snapshot). */
  readonly onReading?: (reading: DocumentReading) => void;
  /**
   * The chip reading's progress as the reader reports it (bytes read, bytes announced: no
   * content), for the reading screen's bar; `undefined` once the reading has ended, however.
   */
  readonly onChipProgress?: (progress: ChipProgress | undefined) => void;
  readonly delays: {
    readonly inactivityWarning: number;
    readonly inactivityWipe: number;
    readonly tellerApproval: number;
  };
  /** Called as each effect starts, before its work (the visit's snapshot written). */
  readonly beforeEffect?: () => void;
  /** Told what an issuance made true as it does (the visit's crash journal). */
  readonly journal?: IssueJournal;
}

/**
 * Effects whose failure reaches the machine as a VisitFailure, each first calling `before` (the
 * visit's snapshot written, issue 14 item 3): xstate starts an invoked promise before its
 * observers hear of the transition, so the record is made here, synchronously, before the
 * effect's own work; a record that cannot be made fails the effect instead of running it
 * unrecorded.
 */
function effectsWith(before: (() => void) | undefined) {
  return <I, O>(run: (input: I, signal: AbortSignal) => Promise<O>) =>
    fromPromise<O, I>(async ({ input, signal }) => {
      try {
        before?.();
        return await run(input, signal);
      } catch (error) {
        throw visitFailureOf(error);
      }
    });
}

function mediumOf(chosen: ChosenMedium): Medium {
  return chosen.kind === 'token'
    ? { kind: 'token', label: chosen.label }
    : { kind: 'usb', device: chosen.device };
}

function summaryOf(facts: CertificateFacts, windowDays: number): IssuedSummary {
  const renewalFrom = new Date(Date.parse(facts.notAfter) - windowDays * 86_400_000);
  return {
    serial: facts.serial,
    subject: facts.subject,
    notAfter: facts.notAfter,
    renewalFrom: renewalFrom.toISOString(),
  };
}

/** The visit machine with every effect bound to `deps`. */
export function boundVisitMachine(deps: VisitDependencies) {
  const { ctx, vault } = deps;
  const windowDays = ctx.config.npki.renewalWindowDays;
  const effect = effectsWith(deps.beforeEffect);

  /** Tells the chip progress; a listener's fault must not fail the reading. */
  const tellChip = (progress: ChipProgress | undefined): void => {
    try {
      deps.onChipProgress?.(progress);
    } catch (error) {
      ctx.log.error({ err: error }, 'chip progress listener failed');
    }
  };

  const readChip = effect(async (input: ReadChipInput, signal): Promise<ChipSummary> => {
    const tally = new ChipReadTally();
    let reading: DocumentReading;
    try {
      reading = await readDocument(ctx, {
        mrz: input.mrz,
        ...(deps.cscaTrust === undefined ? {} : { trust: deps.cscaTrust }),
        signal,
        ...(deps.onChipProgress === undefined
          ? {}
          : {
              onProgress: (progress) => {
                tellChip(tally.add(progress));
              },
            }),
      });
    } finally {
      if (deps.onChipProgress !== undefined) tellChip(undefined);
    }
    signal.throwIfAborted();
    deps.onReading?.(reading);
    const { document } = reading;
    const chip = {
      surname: document.primaryIdentifier,
      givenNames: document.secondaryIdentifier,
      birthDate: document.birthDate,
      documentNumber: document.documentNumber,
    };
    const fullName = reading.details?.fullName;
    // Every disagreement named for the teller (DG11's full name where the MRZ cut the name).
    const comparison = compareChipWithForm(
      fullName === undefined ? chip : { ...chip, fullName: fullName.raw },
      { ...input.form, documentNumber: input.mrz.documentNumber },
    );
    return {
      ...chip,
      verified: reading.verified,
      failures: verificationFailures(reading),
      ...comparison,
    };
  });

  const listHeld = effect(
    async (input: { medium: ChosenMedium }, signal): Promise<readonly HeldCertificate[]> => {
      const found = await list(ctx, { medium: mediumOf(input.medium), signal });
      return found.certificates.flatMap((c) =>
        c.ok
          ? [
              {
                serial: c.facts.serial,
                subject: c.facts.subject,
                notAfter: c.facts.notAfter,
                renewable: c.facts.renewalOpen,
              },
            ]
          : [],
      );
    },
  );

  return visitMachine.provide({
    delays: {
      inactivityWarning: deps.delays.inactivityWarning,
      inactivityWipe: deps.delays.inactivityWipe,
    },
    actors: {
      identity: identityMachine.provide({
        actors: {
          readChip,
          tellerApproval: tellerApprovalMachine.provide({
            delays: { tellerApproval: deps.delays.tellerApproval },
          }),
        },
      }),
      storage: storageMachine.provide({
        actors: {
          formatDrive: effect(async (input: { device: string }, signal) => {
            await formatDrive(ctx, { device: input.device, confirmErase: true, signal });
            return undefined;
          }),
        },
      }),
      held: heldMachine.provide({ actors: { listHeld } }),
      register: effect((input: RegisterInput, signal) =>
        vault.lending(async (borrow) => {
          const registration = await deps.ra.register(
            {
              name: input.form.name,
              idn: borrow('idn'),
              profile: input.certificateType?.profile ?? 'restricted',
              approvedBy: input.approval.approval.decision.teller,
              evidence: input.approval.approval.evidence,
            },
            signal,
          );
          // Answered after a cancel: the visit is gone, so is the code.
          if (signal.aborted) {
            registration.authCode.fill(0);
            signal.throwIfAborted();
          }
          vault.put('authCode', registration.authCode);
          registration.authCode.fill(0);
          return { ref: registration.ref };
        }),
      ),
      findAtCa: effect(
        async (input: { ref: string }, signal): Promise<readonly HeldCertificate[]> =>
          (await deps.ra.certificates(input.ref, signal)).map((c) => ({
            serial: c.serial,
            subject: c.subject,
            notAfter: c.notAfter,
            // Renewal is offered from the medium that holds the key, never from the CA's list.
            renewable: false,
          })),
      ),
      revoke: effect(async (input: RevokeInput, signal) => {
        await deps.ra.revoke(input, signal);
        return undefined;
      }),
      issue: effect((input: IssueInput, signal) =>
        vault.lending(async (borrow) => {
          const issued = await issue(ctx, {
            medium: mediumOf(input.medium),
            ca: deps.ca,
            ref: input.ref,
            authCode: borrow('authCode'),
            secret: { kind: secretKindFor(mediumOf(input.medium)), bytes: borrow('newSecret') },
            // The VID binds the certificate to the IDN typed in the form (DESIGN §4.3).
            idn: borrow('idn').toString('ascii'),
            profile: input.certificateType.profile,
            signal,
            ...(deps.journal === undefined ? {} : { journal: deps.journal }),
          });
          return summaryOf(issued.facts, windowDays);
        }),
      ),
      renew: effect((input: { medium: ChosenMedium; serial: string }, signal) =>
        vault.lending(async (borrow) => {
          const renewed = await renew(ctx, {
            medium: mediumOf(input.medium),
            ca: deps.ca,
            secret: { kind: secretKindFor(mediumOf(input.medium)), bytes: borrow('heldSecret') },
            serial: input.serial,
            signal,
          });
          return summaryOf(renewed.facts, windowDays);
        }),
      ),
      copy: effect((input: { from: ChosenMedium; serial: string; to: ChosenMedium }, signal) =>
        vault.lending(async (borrow) => {
          await copy(ctx, {
            from: mediumOf(input.from),
            to: mediumOf(input.to),
            password: borrow('heldSecret'),
            ...(input.to.kind === 'token' ? { pin: borrow('newSecret') } : {}),
            serial: input.serial,
            signal,
          });
          return undefined;
        }),
      ),
      wipe: fromPromise<undefined, { reason: 'cancelled' | 'timedOut' }>(() => {
        vault.wipe();
        return Promise.resolve(undefined);
      }),
    },
  });
}
