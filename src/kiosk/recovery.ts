import type { ChosenMedium, IssuedSummary } from '../../machines/types.js';
import type { IssueFact } from '../certificates/steps.js';
import { halfMadePairs } from '../certificates/tokenPairs.js';
import { KioskError } from '../errors/index.js';
import { toHex } from '../shared/bytes.js';
import { parseCertificate, serialHex } from '../npki/certificate.js';
import type { ServiceContext } from '../service/medium.js';
import { storeOf } from '../service/medium.js';
import { deletePair, recoverPairs } from '../storage/driveNpki.js';
import type { RaClient } from './ra.js';
import type { OpenVisit, VisitStore } from './visitStore.js';

/**
 * Crash recovery at start (issue 14 item 3): every visit the store still holds open was cut off
 * (a power cut, a kill, the kiosk stopped mid-visit) and is finished or cleanly cancelled before a
 * new visitor is served. Nothing is restarted from the snapshot: xstate would start the step's
 * effect again from scratch, and what it needs is gone on purpose (the authorization code, the
 * password, the IDN never leave the visit's memory). Instead each visit asks the world what is
 * true and settles it:
 * - an issuance whose pair is complete on the medium (the journal says `stored`, or the medium
 *   holds the certificate the journal says was `received`) is confirmed to the CA through the
 *   branch's RA (the certConf the kiosk could not send without the code): finished;
 * - anything less voids at the CA whatever is open under the reference (revoked, never valid),
 *   closes the registration (spent: nothing is ever issued twice on one reference) and removes
 *   from the medium what the visit wrote;
 * - a visit that issued nothing is cancelled (timed out if its deadline had passed) and its
 *   registration closed.
 * What cannot be put right now (the drive is gone, the CA does not answer, a token's key needs
 * its PIN to be removed) is reported. A visit whose registration the CA could not settle stays
 * open for the next start: deciding without the CA could delete a certificate it confirmed.
 */

export type RecoveryOutcome = 'finished' | 'cancelled' | 'timedOut' | 'unsettled';

export interface RecoveredVisit {
  readonly visit: string;
  /** Where it stood when the kiosk stopped (visitStateName). */
  readonly state: string;
  readonly outcome: RecoveryOutcome;
  readonly ref?: string;
  /** The certificate a finished issuance produced. */
  readonly certificate?: IssuedSummary;
  /** The visit had confirmed it itself before it stopped (the confirmation is not new). */
  readonly confirmedBefore?: boolean;
  /** A certificate the CA voided (issued, never confirmed). */
  readonly voided?: readonly string[];
  readonly medium?: ChosenMedium;
  /** What could not be put right, in words for the operator. */
  readonly problems: readonly string[];
}

/** What the persisted snapshot tells recovery (the visit machine's context, machines/visit.ts). */
interface VisitFacts {
  readonly ref: string | undefined;
  readonly medium: ChosenMedium | undefined;
  readonly ending: string | undefined;
}

/** How long settling one registration with the CA may take. */
const raTimeoutMs = 15_000;

/** Settles every open visit in the store, oldest first; returns what happened to each. */
export async function recoverVisits(
  ctx: ServiceContext,
  store: VisitStore,
  ra: RaClient,
): Promise<RecoveredVisit[]> {
  const recovered: RecoveredVisit[] = [];
  for (const open of store.openVisits()) {
    const result = await recoverVisit(ctx, ra, open);
    ctx.log.warn(
      {
        visit: result.visit,
        state: result.state,
        outcome: result.outcome,
        ref: result.ref,
        problems: result.problems,
      },
      'visit recovered after the kiosk stopped mid-visit',
    );
    if (result.outcome !== 'unsettled') store.end(open.id, `recovered:${result.outcome}`);
    recovered.push(result);
  }
  return recovered;
}

async function recoverVisit(
  ctx: ServiceContext,
  ra: RaClient,
  open: OpenVisit,
): Promise<RecoveredVisit> {
  const facts = visitFacts(open.snapshot);
  const base = {
    visit: open.id,
    state: open.state,
    ...(facts.ref === undefined ? {} : { ref: facts.ref }),
    ...(facts.medium === undefined ? {} : { medium: facts.medium }),
  };
  const problems: string[] = [];
  const received = lastFact(open.facts, 'received');
  const issuing = open.facts.length > 0;
  const onMedium =
    received === undefined || facts.medium === undefined
      ? undefined
      : await holding(ctx, facts.medium, received.serial, problems);
  const stored = lastFact(open.facts, 'stored') !== undefined || onMedium !== undefined;
  let statuses: readonly { serial: string; status: string }[] = [];
  if (facts.ref !== undefined) {
    try {
      const closing = await ra.close(
        facts.ref,
        AbortSignal.timeout(raTimeoutMs),
        stored && received !== undefined
          ? { serial: received.serial, certHash: received.certHash }
          : undefined,
      );
      statuses = closing.certificates;
    } catch (error) {
      problems.push(
        `the CA did not settle reference ${facts.ref} (${messageOf(error)}); the visit stays open until it does`,
      );
      return { ...base, outcome: 'unsettled', problems };
    }
  }
  const confirmed =
    received !== undefined &&
    statuses.some((c) => c.serial === received.serial && c.status === 'issued');
  if (confirmed)
    return {
      ...base,
      outcome: 'finished',
      ...(lastFact(open.facts, 'confirmed') === undefined ? {} : { confirmedBefore: true }),
      certificate: {
        serial: received.serial,
        subject: received.subject,
        notAfter: received.notAfter,
        renewalFrom: new Date(
          Date.parse(received.notAfter) - ctx.config.npki.renewalWindowDays * 86_400_000,
        ).toISOString(),
      },
      problems,
    };
  if (facts.ending === 'done' && !issuing) return { ...base, outcome: 'finished', problems };
  const voided = statuses.filter((c) => c.status !== 'issued').map((c) => c.serial);
  if (issuing && facts.medium !== undefined)
    await undoOnMedium(ctx, facts.medium, onMedium, lastFact(open.facts, 'keyMade'), problems);
  else if (/^flow\.(renewing|copying)/.test(open.state) && facts.medium !== undefined) {
    // A renewal or copy writes all or nothing (pairWrite.ts); what an interrupted one left is
    // put back. An unconfirmed renewal the CA voids when its transaction expires.
    await undoOnMedium(ctx, facts.medium, undefined, undefined, problems);
  } else if (open.state.startsWith('flow.storage/formatting') && facts.medium === undefined)
    problems.push('a drive was being formatted: format it again before it is used');
  const late = open.deadline !== undefined && Date.parse(open.deadline) <= ctx.now().getTime();
  return {
    ...base,
    outcome: late ? 'timedOut' : 'cancelled',
    ...(voided.length === 0 ? {} : { voided }),
    problems,
  };
}

/** Where the certificate `serial` is on the medium (a drive's folder, a token's object), if it is. */
async function holding(
  ctx: ServiceContext,
  medium: ChosenMedium,
  serial: string,
  problems: string[],
): Promise<{ caFolder: string; dnFolder: string } | undefined> {
  const spec = medium.kind === 'token' ? `token:${medium.label}` : `usb:${medium.device}`;
  try {
    const found = await storeOf(
      ctx,
      medium.kind === 'token'
        ? { kind: 'token', label: medium.label }
        : { kind: 'usb', device: medium.device },
    ).list();
    return found.find((c) => {
      try {
        return serialHex(parseCertificate(c.certificate)) === serial;
      } catch {
        return false;
      }
    });
  } catch (error) {
    problems.push(`${spec} could not be read (${messageOf(error)})`);
    return undefined;
  }
}

/** Removes from the medium what an issuance that did not finish wrote, or says what remains. */
async function undoOnMedium(
  ctx: ServiceContext,
  medium: ChosenMedium,
  onMedium: { caFolder: string; dnFolder: string } | undefined,
  keyMade: Extract<IssueFact, { step: 'keyMade' }> | undefined,
  problems: string[],
): Promise<void> {
  if (medium.kind === 'token') {
    if (keyMade === undefined && onMedium === undefined) return;
    // Removing a private key needs the token's PIN, which the visit took with it; the next
    // issuance onto this token sweeps every pair still labelled pending (tokenPairs.ts). What
    // is there is read from the token's public objects, not assumed from the journal.
    try {
      const pending = await ctx.devices.withTokenDriver(medium.label, undefined, async (driver) => {
        const session = await driver.open({ label: medium.label });
        try {
          return halfMadePairs(await session.listObjects(), ctx.config).map(toHex);
        } finally {
          await session.close();
        }
      });
      if (pending.length > 0)
        problems.push(
          `token ${medium.label}: unfinished key pair ${pending.join(', ')} stays until the next issuance onto this token removes it (that needs its PIN)`,
        );
    } catch (error) {
      problems.push(`token ${medium.label} could not be read (${messageOf(error)})`);
    }
    if (onMedium !== undefined)
      problems.push(`token ${medium.label} holds a certificate the CA voided: delete it`);
    return;
  }
  try {
    const drive = await ctx.devices.usbDrives().open(medium.device);
    if (onMedium !== undefined) await deletePair(drive, onMedium.caFolder, onMedium.dnFolder);
    await recoverPairs(drive);
  } catch (error) {
    problems.push(
      `usb:${medium.device}: what the visit wrote could not be removed (${messageOf(error)})`,
    );
  }
}

function visitFacts(snapshot: unknown): VisitFacts {
  const context = (snapshot as { context?: Record<string, unknown> } | undefined)?.context ?? {};
  const medium = context.medium as ChosenMedium | undefined;
  return {
    ref: typeof context.ref === 'string' ? context.ref : undefined,
    medium: medium?.kind === 'token' || medium?.kind === 'usb' ? medium : heldMedium(context.held),
    ending: typeof context.ending === 'string' ? context.ending : undefined,
  };
}

/** A renewal's medium: the certificate the visitor brought. */
function heldMedium(held: unknown): ChosenMedium | undefined {
  const medium = (held as { medium?: ChosenMedium } | undefined)?.medium;
  return medium?.kind === 'token' || medium?.kind === 'usb' ? medium : undefined;
}

function lastFact<S extends IssueFact['step']>(
  facts: readonly IssueFact[],
  step: S,
): Extract<IssueFact, { step: S }> | undefined {
  return facts.findLast((f): f is Extract<IssueFact, { step: S }> => f.step === step);
}

function messageOf(error: unknown): string {
  return error instanceof KioskError ? `${error.code}: ${error.message}` : 'an unexpected error';
}
