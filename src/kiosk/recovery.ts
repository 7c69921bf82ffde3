import { createHash } from 'node:crypto';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import type { ChosenMedium, IssuedSummary } from '../../machines/types.js';
import { referencePattern } from '../ca/database.js';
import type { IssueFact } from '../certificates/steps.js';
import { halfMadePairs, pendingLabel } from '../certificates/tokenPairs.js';
import { KioskError, RaTransportError } from '../errors/index.js';
import { npkiDer } from '../npki/der.js';
import { toHex } from '../shared/bytes.js';
import { checkDerSequence, parseDer } from '../shared/der.js';
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
  // Once the CA cannot be reached, the other visits do not wait for it each in turn (a hung CA
  // and many open visits would keep the kiosk from starting for raTimeoutMs each).
  const reach = { ra, unreachable: undefined as string | undefined };
  for (const open of store.openVisits()) {
    const result = await recoverVisit(ctx, reach, open);
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
  reach: { readonly ra: RaClient; unreachable: string | undefined },
  open: OpenVisit,
): Promise<RecoveredVisit> {
  const problems: string[] = (open.damaged ?? []).map((d) => `the visit's record: ${d}`);
  const facts = visitFacts(open.snapshot, problems);
  const base = {
    visit: open.id,
    state: open.state,
    ...(facts.ref === undefined ? {} : { ref: facts.ref }),
    ...(facts.medium === undefined ? {} : { medium: facts.medium }),
  };
  const received = lastFact(open.facts, 'received');
  const issuing = open.facts.length > 0;
  const onMedium =
    received === undefined || facts.medium === undefined
      ? undefined
      : await holding(ctx, facts.medium, received, problems);
  // The journal's `stored` was written after the pair was read back; without it, only the very
  // certificate received (its hash), complete beside its key, counts as stored.
  const stored = lastFact(open.facts, 'stored') !== undefined || onMedium?.complete === true;
  let statuses: readonly { serial: string; status: string }[] = [];
  if (facts.ref !== undefined) {
    try {
      if (reach.unreachable !== undefined) throw new RaTransportError(reach.unreachable);
      const closing = await reach.ra.close(
        facts.ref,
        AbortSignal.timeout(raTimeoutMs),
        stored && received !== undefined
          ? { serial: received.serial, certHash: received.certHash }
          : undefined,
      );
      statuses = closing.certificates;
    } catch (error) {
      if (error instanceof RaTransportError) reach.unreachable ??= error.message;
      problems.push(
        `the CA did not settle reference ${facts.ref} (${messageOf(error)}); the visit stays open until it does`,
      );
      return { ...base, outcome: 'unsettled', problems };
    }
  } else if (received !== undefined)
    problems.push(
      `certificate ${received.serial} was issued under a reference this record no longer names: the CA voids it when its transaction expires`,
    );
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

/** The received certificate found on the medium, and whether it is there as a finished pair. */
interface OnMedium {
  /** A drive's folder (empty on a token). */
  readonly caFolder: string;
  readonly dnFolder: string;
  /**
   * A drive: the key file beside it is whole (an EncryptedPrivateKeyInfo of whole SEED blocks:
   * without the password, that is all that can be checked). A token: the pair was relabelled as
   * finished (the last step, tokenPairs.ts), so the next issuance's sweep will not take it.
   */
  readonly complete: boolean;
}

/**
 * Where the certificate the journal received is on the medium, if it is: found by the hash of
 * its DER, not its serial (serials are per issuer: another CA's certificate of the visitor may
 * carry the same one, and must be neither confirmed for nor deleted as this one).
 */
async function holding(
  ctx: ServiceContext,
  medium: ChosenMedium,
  received: Extract<IssueFact, { step: 'received' }>,
  problems: string[],
): Promise<OnMedium | undefined> {
  const ours = (der: Uint8Array | undefined): boolean =>
    der !== undefined && createHash('sha256').update(der).digest('hex') === received.certHash;
  try {
    if (medium.kind === 'token')
      return await ctx.devices.withTokenDriver(medium.label, undefined, async (driver) => {
        const session = await driver.open({ label: medium.label });
        try {
          const objects = await session.listObjects();
          const found = objects.find((o) => o.kind === 'certificate' && ours(o.value));
          if (found === undefined) return undefined;
          const id = toHex(found.id);
          const keyed = objects.some((o) => o.kind === 'publicKey' && toHex(o.id) === id);
          const finished = found.label !== pendingLabel(ctx.config);
          return { caFolder: '', dnFolder: '', complete: keyed && finished };
        } finally {
          await session.close();
        }
      });
    const store = storeOf(ctx, { kind: 'usb', device: medium.device });
    const found = (await store.list()).find((c) => ours(c.certificate));
    if (found === undefined) return undefined;
    const complete = found.hasKey && keyFileWhole(await store.readKeyFile(found.id));
    if (!complete)
      problems.push(`usb:${medium.device}: the certificate's key file is missing or damaged`);
    return { caFolder: found.caFolder, dnFolder: found.dnFolder, complete };
  } catch (error) {
    problems.push(`${mediumName(medium)} could not be read (${messageOf(error)})`);
    return undefined;
  }
}

/** Whether a signPri.key is at least whole: one EncryptedPrivateKeyInfo of whole SEED blocks. */
function keyFileWhole(file: Uint8Array): boolean {
  try {
    checkDerSequence(file, npkiDer('privateKey'));
    const info = parseDer(file, EncryptedPrivateKeyInfo, npkiDer('privateKey'), 'signPri.key');
    const length = info.encryptedData.byteLength;
    return length > 0 && length % 16 === 0;
  } catch {
    return false;
  }
}

function mediumName(medium: ChosenMedium): string {
  return medium.kind === 'token' ? `token:${medium.label}` : `usb:${medium.device}`;
}

/** Removes from the medium what an issuance that did not finish wrote, or says what remains. */
async function undoOnMedium(
  ctx: ServiceContext,
  medium: ChosenMedium,
  onMedium: OnMedium | undefined,
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
    // An unfinished one is part of the pending pair above, which the next issuance sweeps.
    if (onMedium?.complete === true)
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

/**
 * What the snapshot says, checked as outside data (the file may be damaged or not this kiosk's):
 * a reference number as the CA makes them, a medium of the known shape and nothing more (it is
 * printed and logged). What is not so is left out and said.
 */
function visitFacts(snapshot: unknown, problems: string[]): VisitFacts {
  const context = objectOf(objectOf(snapshot)?.context) ?? {};
  const { ref } = context;
  const refOk = typeof ref === 'string' && referencePattern.test(ref);
  if (ref !== undefined && ref !== null && !refOk)
    problems.push("the visit's record: its reference number is not one");
  const chosen = context.medium ?? objectOf(context.held)?.medium;
  const medium = mediumOf(chosen);
  if (chosen !== undefined && chosen !== null && medium === undefined)
    problems.push("the visit's record: its medium is not one");
  return {
    ref: refOk ? ref : undefined,
    medium,
    ending: typeof context.ending === 'string' ? context.ending : undefined,
  };
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Longest device path or token label taken from a record (PKCS#11 labels are 32 bytes). */
const maxMediumName = 256;

/** A medium of the shape the machine keeps (machines/types.ts ChosenMedium), copied field by field. */
function mediumOf(value: unknown): ChosenMedium | undefined {
  const medium = objectOf(value);
  const name = (text: unknown): text is string =>
    typeof text === 'string' &&
    text.length > 0 &&
    text.length <= maxMediumName &&
    !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text);
  if (medium?.kind === 'usb' && name(medium.device)) return { kind: 'usb', device: medium.device };
  if (medium?.kind === 'token' && name(medium.label)) return { kind: 'token', label: medium.label };
  return undefined;
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
