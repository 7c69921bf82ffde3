import { randomUUID } from 'node:crypto';
import { createActor, type Actor, type SimulatedClock, type SnapshotFrom } from 'xstate';
import type { Institution } from '../../machines/types.js';
import type { VisitContext, VisitEvent } from '../../machines/visit.js';
import { checkForm, type FormCheck } from '../../machines/form/fields.js';
import { UsageError } from '../errors/index.js';
import { outsideEventSchema, type CheckedOutsideEvent } from './outsideEvents.js';
import type { DocumentReading } from '../document/readDocument.js';
import { checkPassword, type PasswordRuleResult } from '../npki/passwordRules.js';
export type { InPersonApproval } from './visitInputs.js';
import type { ChipProgress } from './chipProgress.js';
import { boundVisitMachine, type VisitDependencies } from './effects.js';
import { Vault } from './vault.js';
import type { IdAuthenticity } from './idAuthenticity/contract.js';
import { recordInPerson } from './inPerson.js';
import {
  notAuthenticWords,
  passwordProblems,
  pinProblems,
  visitMovedWords,
  type InPersonApproval,
} from './visitInputs.js';
import type { IdDocumentType } from '../../machines/form/idDocument.js';
import { stateText } from '../audit/payloads.js';
import type { VisitStore } from './visitStore.js';

/**
 * The kiosk service (issue 13 item 2): one visit at a time, its statechart bound to the service
 * API, and the programmatic surface the screens, the teller API and the tests use. What the
 * visitor types that is secret (the resident number, the password or PIN) enters here, not as an
 * event: it is checked, kept in the visit's vault, and the machine hears only whether it was
 * accepted. Every transition is logged with the state and the event type, never a value.
 */

export interface KioskServiceOptions extends Omit<
  VisitDependencies,
  'vault' | 'onReading' | 'beforeEffect' | 'journal' | 'onChipProgress'
> {
  readonly institutions: readonly Institution[];
  /** The ID authenticity service for in-person checks; absent: off (the default). */
  readonly idAuthenticity?: IdAuthenticity;
  /** A SimulatedClock in tests (time for the visit's delays). */
  readonly clock?: Pick<SimulatedClock, 'setTimeout' | 'clearTimeout'>;
  /**
   * Where each visit's snapshot and issuance journal are written (issue 14 item 3), so a kiosk
   * that dies mid-visit finishes or cancels it at its next start; none in tests that need none.
   */
  readonly store?: VisitStore;
  /**
   * Each visit's chip reading progress, by the visit's id (bytes only); `undefined` when the
   * reading has ended.
   */
  readonly onChipProgress?: (visit: string, progress: ChipProgress | undefined) => void;
}

/** Events from outside: the visitor's keys, the teller's decisions, the devices. */
export type OutsideEvent = CheckedOutsideEvent;

/** What the home screen offers: every lifecycle of the visit (machines/visit.ts). */
const offeredPurposes = ['issue', 'reissue', 'revoke', 'renew', 'copy', 'view'] as const;

/** How long closing a finished visit's registration may take before it is left to expire. */
const registrationCloseMs = 10_000;

/** Events the service itself sends the visit (never accepted from outside). */
const serviceOnly = new Set([
  'form.accepted',
  'form.refused',
  'secret.accepted',
  'secret.refused',
  'visit.busy',
  'visit.attend',
  'visit.timeout',
  'visit.over',
]);

type VisitActor = Actor<ReturnType<typeof boundVisitMachine>>;
export type VisitSnapshot = SnapshotFrom<ReturnType<typeof boundVisitMachine>>;

/** What the visitor typed on the form; the resident number as bytes the service zeroes. */
export interface FormEntry {
  readonly name: string;
  readonly idn: Buffer;
  readonly phone: string;
  /** The account the fee is paid from, where the certificate type has one. */
  readonly account?: string;
}

export class RunningVisit {
  readonly id = randomUUID();
  readonly #actor: VisitActor;
  readonly #vault = new Vault();
  readonly #options: KioskServiceOptions;
  #reading: DocumentReading | undefined;
  /** How the visit ended, once it has. */
  readonly ended: Promise<VisitContext['ending']>;

  constructor(options: KioskServiceOptions) {
    this.#options = options;
    // The kiosk hears the chip progress by visit: the effects, only this visit's.
    const { store, onChipProgress, ...dependencies } = options;
    const machine = boundVisitMachine({
      ...dependencies,
      vault: this.#vault,
      onReading: (reading) => {
        // A read that finishes after the visit ended is let go, photo and all.
        if (this.#actor.getSnapshot().status === 'active') this.#reading = reading;
      },
      ...(onChipProgress === undefined
        ? {}
        : {
            onChipProgress: (progress: ChipProgress | undefined) => {
              onChipProgress(this.id, progress);
            },
          }),
      ...(store === undefined
        ? {}
        : {
            beforeEffect: () => {
              this.#persist(store);
            },
            journal: (fact) => {
              store.fact(this.id, fact);
            },
          }),
    });
    this.#actor = createActor(machine, {
      input: {
        institutions: options.institutions,
        media: options.ctx.config.kiosk.media,
        purposes: offeredPurposes,
      },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      inspect: (inspection) => {
        if (inspection.type === '@xstate.event' && inspection.actorRef === this.#actor)
          options.ctx.log.debug({ visit: this.id, event: inspection.event.type }, 'visit event');
      },
    });
    let last = '';
    this.#actor.subscribe((snapshot) => {
      if (store !== undefined) {
        try {
          this.#persist(store);
        } catch (error) {
          // The transition has happened; the next effect's own write fails it if this persists.
          options.ctx.log.error({ visit: this.id, err: error }, 'visit snapshot not written');
        }
      }
      const state = JSON.stringify(snapshot.value);
      if (state === last) return;
      last = state;
      options.ctx.log.info({ visit: this.id, state: snapshot.value }, 'visit step');
    });
    this.ended = new Promise((resolve) => {
      const end = (ending: VisitContext['ending']): void => {
        this.#vault.wipe();
        this.#reading = undefined;
        // Only a visit that reached its end is closed in the store: one stopped with the kiosk
        // (or failed) stays open, and the next start finishes or cancels it (recovery.ts) with
        // its registration, which is left as it is here: closing it now would void at the CA an
        // issuance the journal may show complete.
        const reachedEnd = this.#actor.getSnapshot().status === 'done';
        if (reachedEnd)
          try {
            store?.end(this.id, ending ?? 'ended');
          } catch (error) {
            options.ctx.log.error({ visit: this.id, err: error }, 'visit end not recorded');
          }
        void (
          reachedEnd || store === undefined ? this.#closeRegistration() : Promise.resolve()
        ).then(() => {
          resolve(ending);
        });
      };
      this.#actor.subscribe({
        complete: () => {
          end(this.#actor.getSnapshot().context.ending);
        },
        error: () => {
          end(undefined);
        },
      });
    });
    store?.begin(this.id, 'flow.home');
    this.#actor.start();
  }

  /** The visit's snapshot and where it stands, written (synchronously) to the store. */
  #persist(store: VisitStore): void {
    const snapshot = this.#actor.getSnapshot();
    store.persist(
      this.id,
      visitStateName(snapshot),
      this.#actor.getPersistedSnapshot(),
      this.#deadline(snapshot),
    );
  }

  /**
   * When the visit times out if nobody acts, as a time (issue 14 item 3: a timer does not survive
   * a restart): the inactivity warning and wipe while the kiosk waits for the visitor, the
   * teller's time while the identity check waits for one; none while the kiosk works.
   */
  #deadline(snapshot: VisitSnapshot): Date | undefined {
    const { delays } = this.#options;
    const attention = (snapshot.value as { attention?: unknown }).attention;
    const waits = [
      attention === 'watching' ? delays.inactivityWarning + delays.inactivityWipe : undefined,
      attention === 'warning' ? delays.inactivityWipe : undefined,
      this.#childState('identity') === 'approval' ? delays.tellerApproval : undefined,
    ].filter((ms) => ms !== undefined);
    if (waits.length === 0) return undefined;
    return new Date(this.#options.ctx.now().getTime() + Math.min(...waits));
  }

  snapshot(): VisitSnapshot {
    return this.#actor.getSnapshot();
  }

  subscribe(listener: (snapshot: VisitSnapshot) => void): () => void {
    const subscription = this.#actor.subscribe(listener);
    return () => {
      subscription.unsubscribe();
    };
  }

  /**
   * A key, a teller's decision, a device: the events that carry no secret, checked against the
   * allow-list (src/kiosk/outsideEvents.ts); a teller's decision is stamped with the kiosk's
   * clock. Anything else is refused with UsageError, and the visit does not see it.
   */
  send(event: unknown): void {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && (type.startsWith('xstate.') || serviceOnly.has(type)))
      throw new UsageError(`${type} comes from the kiosk service, not from outside`);
    // The physical ID is recorded through approveInPerson, checked there: a masked number sent
    // from outside would be a record no one checked.
    if (type === 'teller.approve' && Object.hasOwn(event as object, 'inPerson'))
      throw new UsageError('an in-person approval goes through approveInPerson');
    const checked = outsideEventSchema.safeParse(event);
    if (!checked.success)
      throw new UsageError(
        `event refused: ${checked.error.issues.map((i) => `${i.path.join('.') || 'type'}: ${i.message}`).join('; ')}`,
      );
    const at = this.#options.ctx.now().toISOString();
    const data = checked.data;
    this.#actor.send(
      data.type === 'teller.approve' || data.type === 'teller.reject'
        ? ({ ...data, at } as VisitEvent)
        : (data as VisitEvent),
    );
  }

  /** Refuses secret input outside the step that asks for it (a second form, a stray PIN). */
  #requireStep(open: boolean, what: string): void {
    if (!open) throw new UsageError(`${what} is not asked for at this step`);
  }

  /**
   * The teller's approval of a visitor without a chip document (issue 13): the physical ID's type
   * and number as the teller typed them, checked (the IDN and its date, the licence's format and
   * region, the passport's form), asked of the ID authenticity service where one is configured,
   * and approved with the masked document, the one the records keep. Refused, and nothing sent,
   * when the number does not check or the service says the ID is not authentic (the teller then
   * rejects). `document.number` is zeroed.
   */
  async approveInPerson(decision: {
    readonly teller: string;
    readonly document: { readonly type: IdDocumentType; readonly number: Buffer };
    readonly issueDate?: string;
  }): Promise<InPersonApproval> {
    const { number } = decision.document;
    try {
      const identity = this.#child('identity');
      const waiting =
        identity?.value === 'approval' &&
        (identity.context as { chip?: unknown } | undefined)?.chip === undefined;
      this.#requireStep(waiting, 'an in-person approval');
      const name = this.#actor.getSnapshot().context.form?.name ?? '';
      const record = await recordInPerson(
        this.#options.idAuthenticity,
        {
          type: decision.document.type,
          number,
          name,
          ...(decision.issueDate === undefined ? {} : { issueDate: decision.issueDate }),
        },
        this.#options.ctx.now(),
      );
      if (!record.ok) return { ok: false, code: record.code, problem: record.problem };
      if (record.authenticity === 'notAuthentic')
        return { ok: false, code: 'notAuthentic', problem: notAuthenticWords };
      // Checked again: the visit may have moved on (cancelled, timed out) while the service
      // answered; the machine ignores an approval outside its step, and so does this.
      if (this.#child('identity')?.value !== 'approval')
        return { ok: false, code: 'visitMoved', problem: visitMovedWords };
      this.#actor.send({
        type: 'teller.approve',
        teller: decision.teller,
        at: this.#options.ctx.now().toISOString(),
        inPerson: record.document,
      });
      return {
        ok: true,
        document: record.document,
        authenticity: record.authenticity,
        warnings: record.warnings,
      };
    } finally {
      number.fill(0);
    }
  }

  /** The last chip reading (photo included) for the teller; gone when the visit ends. */
  chipReading(): DocumentReading | undefined {
    return this.#reading;
  }

  /**
   * The application form: checked field by field; the resident number is kept in the vault and
   * the machine is given only its masked form. `entry.idn` is zeroed.
   */
  submitForm(entry: FormEntry): FormCheck {
    try {
      // Only on the form: a second form later would change the number the teller approved.
      this.#requireStep(this.#actor.getSnapshot().matches({ flow: 'form' }), 'the form');
      const feeWon = this.#actor.getSnapshot().context.certificateType?.feeWon ?? 0;
      // checkForm reads strings (the rules are regular expressions): the IDN's string lives
      // only for this call; the vault keeps bytes.
      const idn = entry.idn.toString('latin1');
      const checked = checkForm(
        {
          name: entry.name,
          idn,
          phone: entry.phone,
          ...(feeWon > 0 ? { account: entry.account ?? '' } : {}),
        },
        this.#options.ctx.now(),
      );
      if (!checked.ok || checked.form === undefined) {
        this.#actor.send({ type: 'form.refused', problems: checked.problems });
        return checked;
      }
      this.#vault.put('idn', Buffer.from(idn.replace(/[^0-9]/g, ''), 'ascii'));
      this.#actor.send({ type: 'form.accepted', form: checked.form });
      return checked;
    } finally {
      entry.idn.fill(0);
    }
  }

  /**
   * The new certificate's password (twice, on a drive) or the token's PIN: checked, kept in the
   * vault; the inputs are zeroed. Returns what was wrong (empty: accepted).
   */
  enterNewSecret(first: Buffer, second?: Buffer): readonly string[] {
    try {
      const step = this.#childState('storage');
      this.#requireStep(step === 'password' || step === 'pin', 'a new password or PIN');
      const medium = this.#chosenMedium();
      const problems =
        medium === 'token'
          ? pinProblems(first)
          : passwordProblems(first, second ?? Buffer.alloc(0));
      if (problems.length > 0) {
        this.#actor.send({ type: 'secret.refused', problems });
        return problems;
      }
      this.#vault.put('newSecret', first);
      this.#actor.send({ type: 'secret.accepted' });
      return [];
    } finally {
      first.fill(0);
      second?.fill(0);
    }
  }

  /**
   * The live rule checklist (DESIGN §4.5) for the password being typed at the password step,
   * each rule with its Korean and English words; a key typed counts as the visitor being there.
   * The bytes are the caller's (the field being edited): read, not kept, not zeroed.
   */
  passwordChecklist(typed: Buffer): PasswordRuleResult[] {
    this.#requireStep(this.#childState('storage') === 'password', 'a new password');
    this.#actor.send({ type: 'visitor.active' });
    return checkPassword(typed.toString('utf8'));
  }

  /** The secret that opens the certificate the visitor brought (renewal, copy). */
  enterHeldSecret(secret: Buffer): void {
    try {
      this.#requireStep(this.#childState('held') === 'secret', 'the certificate’s password');
      this.#vault.put('heldSecret', secret);
      this.#actor.send({ type: 'secret.accepted' });
    } finally {
      secret.fill(0);
    }
  }

  stop(): void {
    this.#actor.stop();
    this.#vault.wipe();
  }

  /**
   * However the visit ended, its registration is closed at the CA (spent, the IDN forgotten), so
   * a leftover reference number lists and revokes nothing (the attack review of the holder
   * requests). After an issuance it was spent already; closing again is harmless. A CA that does
   * not answer leaves it to expire (14 days), said in the log.
   */
  async #closeRegistration(): Promise<void> {
    const ref = this.#actor.getSnapshot().context.ref;
    if (ref === undefined) return;
    try {
      await this.#options.ra.close(ref, AbortSignal.timeout(registrationCloseMs));
    } catch (error) {
      this.#options.ctx.log.warn(
        { visit: this.id, ref, err: error },
        'the registration was not closed; it expires unused',
      );
    }
  }

  /** The state of a running sub-flow (`storage`, `held`, `identity`), if it runs. */
  #childState(id: string): unknown {
    return this.#child(id)?.value;
  }

  /** The kind of medium the storage sub-flow has chosen. */
  #chosenMedium(): 'token' | 'usb' | undefined {
    const context = this.#child('storage')?.context as
      { medium?: { kind: 'token' | 'usb' } } | undefined;
    return context?.medium?.kind;
  }

  #child(id: string): { value?: unknown; context?: unknown } | undefined {
    const child = (
      this.#actor.getSnapshot().children as Record<string, { getSnapshot(): unknown } | undefined>
    )[id];
    return child?.getSnapshot() as { value?: unknown; context?: unknown } | undefined;
  }
}

/**
 * The visit's state as its records name it: the flow's state, and the running sub-flow's
 * (`identity/approval`, `storage/password`).
 */
export function visitStateName(snapshot: VisitSnapshot): string {
  const flow = stateText((snapshot.value as { flow?: unknown }).flow);
  const children = snapshot.children as Record<string, { getSnapshot(): unknown } | undefined>;
  const child = children[flow === 'holding' ? 'held' : flow];
  const inner = (child?.getSnapshot() as { value?: unknown } | undefined)?.value;
  return inner === undefined ? `flow.${flow}` : `flow.${flow}/${stateText(inner)}`;
}

/** The kiosk: one visit at a time. */
export class KioskService {
  readonly #options: KioskServiceOptions;
  #visit: RunningVisit | undefined;

  constructor(options: KioskServiceOptions) {
    this.#options = options;
  }

  get visit(): RunningVisit | undefined {
    return this.#visit;
  }

  startVisit(): RunningVisit {
    if (this.#visit !== undefined && this.#visit.snapshot().status === 'active')
      throw new Error('a visit is in progress');
    const visit = new RunningVisit(this.#options);
    this.#visit = visit;
    return visit;
  }

  close(): void {
    this.#visit?.stop();
    this.#visit = undefined;
  }
}
