import { createActor, fromPromise, type Actor, type SimulatedClock } from 'xstate';
import {
  kioskMachine,
  problemsOf,
  type KioskEvent,
  type Problem,
} from '../../../machines/kiosk.js';
import { auditLogOptions } from '../../audit/auditFiles.js';
import { openAuditLog, type AuditLog } from '../../audit/auditLog.js';
import { UsageError } from '../../errors/index.js';
import type { ServiceContext } from '../../service/medium.js';
import { auditRecovered } from '../auditRecovered.js';
import { attachAuditTrail, auditDeskDecision } from '../auditTrail.js';
import { KioskService, type RunningVisit, type VisitSnapshot } from '../service.js';
import { kioskTellerDesk } from '../tellerDesk.js';
import {
  startTellerApi,
  type RunningTellerApi,
  type StartTellerApiOptions,
} from '../../teller/start.js';
import type { DecisionRecord } from '../../teller/desk.js';
import {
  watchDrives,
  watchReaders,
  watchTokens,
  type DriveDetails,
  type TokenDetails,
} from '../watchers.js';
import { IssueProgress, type IssueStep } from '../screens/issueProgress.js';
import { Coalesced, type ChipProgress } from '../chipProgress.js';
import { DriveCertificateCache, serviceDriveReader } from '../driveCertificates.js';
import { resolve } from 'node:path';
import { recoverVisits, type RecoveredVisit } from '../recovery.js';
import { VisitStore, type VisitRecord } from '../visitStore.js';
import { caCheck } from './caCheck.js';
import { prepareKiosk, type KioskSetup } from './setup.js';

/**
 * The kiosk as one running thing (issue 13 item 2, `kiosk start`): the kiosk machine
 * (machines/kiosk.ts) with its watchers bound to the context's devices and its CA check to an
 * HTTP request, and the KioskService for the visits: the machine's visit state runs one
 * RunningVisit until it ends, and the card and medium events the machine forwards reach it. The
 * screens, the teller API and the tests use this object; it holds no secret itself (those enter
 * through the RunningVisit's own methods). Every kiosk transition is logged with state names and
 * event types, never values.
 */

export type KioskState = 'outOfService' | 'ready' | 'inVisit';

/** What the kiosk looks like now, for a screen or a test. */
export interface KioskView {
  readonly state: KioskState;
  /** What keeps it out of service, most urgent first (empty when it works). */
  readonly problems: readonly Problem[];
  /** The CA check: `checking` (asking now), `answering` (it did), `waiting` (to ask again). */
  readonly ca: 'checking' | 'answering' | 'waiting';
  readonly readers: readonly string[];
  /** Labels of the initialised tokens present. */
  readonly tokens: readonly string[];
  /** Removable drives present (device paths). */
  readonly drives: readonly string[];
  /** The visit in progress: its machine's snapshot (secret-free by construction). */
  readonly visit: VisitSnapshot | undefined;
  /** What the drive watch found of each drive present, by device path (size, file system). */
  readonly driveDetails?: Readonly<Record<string, DriveDetails>>;
  /** What the token watch found of each token present, by label (its make). */
  readonly tokenDetails?: Readonly<Record<string, TokenDetails>>;
  /**
   * While the visit issues: the last fact its issuance has told (src/certificates/steps.ts), as
   * the visit store records it; absent before the first, and on a kiosk without a visit store.
   */
  readonly issueStep?: IssueStep;
  /**
   * While the visit's chip is read: bytes read, and the bytes its files have announced so far
   * (src/kiosk/chipProgress.ts); absent before the first report and once the reading has ended.
   */
  readonly chipProgress?: ChipProgress;
}

/** The least time between two redraws for the chip reading's progress (at most 10 a second). */
const chipRedrawMs = 100;

/** The kiosk events accepted from outside: a visitor arrives; ask the CA again now. */
const outsideTypes = new Set(['kiosk.visitor', 'kiosk.caRecheck']);

export interface StartKioskOptions {
  /** The setup to run with (tests); else it is prepared from the configuration (setup.ts). */
  readonly setup?: KioskSetup;
  /** With no setup: the kiosk home relative paths are taken from (the current folder if absent). */
  readonly home?: string;
  /** With no setup: names the configuration in errors (its file). */
  readonly source?: string;
  /** A SimulatedClock in tests: the kiosk's and the visits' delays. */
  readonly clock?: Pick<SimulatedClock, 'setTimeout' | 'clearTimeout'>;
  /**
   * The teller API over this kiosk's visits (src/teller/, configured by `teller.*`, accounts in
   * the state folder): `false` for none, `true` or options for it. Default: on when the setup is
   * prepared from the configuration (`kiosk start`), off with a given setup (tests on fakes,
   * which pass options with `listen: '127.0.0.1:0'` to have it).
   */
  readonly teller?: boolean | KioskTellerOptions;
  /**
   * The audit log the visits are written to (issue 14 item 2, src/kiosk/auditTrail.ts): `true`
   * opens the configured one (`audit.*`), `false` none; a log given (tests) is the kiosk's to
   * close. Default: as the teller API.
   */
  readonly audit?: boolean | AuditLog;
  /**
   * The record of open visits (src/kiosk/visitStore.ts, issue 14 item 3): each visit's snapshot
   * on every transition and its issuance journal, and at start every visit a crash left open
   * finished or cancelled before a visitor is served (src/kiosk/recovery.ts). `true` opens
   * `<stateDir>/visits.sqlite`, `false` none; options name the file or watch each write (the kill
   * test). Default: as the teller API.
   */
  readonly visits?: boolean | VisitStoreChoice;
}

/** Where the visit store is and who watches its writes. */
export interface VisitStoreChoice {
  /** Default `<stateDir>/visits.sqlite` under the kiosk home. */
  readonly file?: string;
  readonly onRecord?: (record: VisitRecord) => void;
}

/** How the kiosk starts its teller API, beyond `teller.*`. */
export interface KioskTellerOptions extends Partial<
  Pick<StartTellerApiOptions, 'now' | 'onDecision' | 'onSession' | 'scrypt'>
> {
  /** Instead of `teller.listen` (tests: `127.0.0.1:0`). */
  readonly listen?: string;
}

/**
 * Prepares the setup (unless given) and starts the kiosk, then its teller API (see
 * StartKioskOptions.teller). The context's devices stay the caller's: `close()` stops what the
 * kiosk started, then the caller closes the devices.
 */
export async function startKiosk(
  ctx: ServiceContext,
  options: StartKioskOptions,
): Promise<RunningKiosk> {
  const setup = options.setup ?? (await prepareKiosk(ctx, options.home ?? '.', options.source));
  // The issuing screen's bar follows the journal the store records (screens/issueProgress.ts).
  const progress = new IssueProgress();
  let kiosk: RunningKiosk;
  let audit: AuditLog | undefined;
  let store: VisitStore | undefined;
  try {
    // A log that cannot be opened or trusted (AuditTamperedError) stops the start.
    const auditChoice = options.audit ?? options.setup === undefined;
    audit =
      auditChoice === false
        ? undefined
        : auditChoice === true
          ? openAuditLog({
              ...auditLogOptions(ctx.config, options.home ?? '.'),
              now: ctx.now,
              log: ctx.log,
            })
          : auditChoice;
    const choice = options.visits ?? options.setup === undefined;
    if (choice !== false) {
      const given = choice === true ? {} : choice;
      store = VisitStore.open(
        given.file ?? resolve(options.home ?? '.', ctx.config.stateDir, 'visits.sqlite'),
        {
          now: ctx.now,
          onRecord: (record) => {
            progress.hear(record);
            given.onRecord?.(record);
          },
        },
      );
    }
    // Before any visitor: what a crash left open is finished or cancelled first, and audited.
    const recovered = store === undefined ? [] : await recoverVisits(ctx, store, setup.ra);
    if (audit !== undefined) auditRecovered(audit, recovered, ctx.log);
    kiosk = new RunningKiosk(ctx, setup, options.clock, store, recovered, progress);
    if (audit !== undefined) kiosk.useAuditLog(audit);
  } catch (error) {
    store?.close();
    await audit?.close().catch(() => undefined);
    await setup.close();
    throw error;
  }
  const teller = options.teller ?? options.setup === undefined;
  if (teller === false) return kiosk;
  try {
    await kiosk.openTellerApi(teller === true ? {} : teller, options.home ?? '.', options.source);
  } catch (error) {
    // A teller API that cannot serve (its port taken, its TLS files unreadable) stops the start.
    await kiosk.close();
    throw error;
  }
  return kiosk;
}

type KioskActor = Actor<typeof kioskMachine>;

export class RunningKiosk {
  readonly #ctx: ServiceContext;
  readonly #setup: KioskSetup;
  readonly #service: KioskService;
  readonly #actor: KioskActor;
  readonly #listeners = new Set<(view: KioskView) => void>();
  #visit: RunningVisit | undefined;
  #closing: Promise<void> | undefined;
  /** The teller API, once openTellerApi has started it; and what stops its desk. */
  #teller: { readonly api: RunningTellerApi; readonly stop: () => void } | undefined;
  /** Where each visit's steps, decisions and CA outcomes are written, once useAuditLog is called. */
  #audit: AuditLog | undefined;
  /** Settles with the error if the kiosk machine itself fails (a bug): the owner stops. */
  readonly failed: Promise<Error>;
  /** Where its CA (CMP) and RA endpoint are, for the operator; no secret. */
  readonly endpoints: { readonly ca: string; readonly ra: string | undefined };

  /** What the start found open after a crash, and did with it (recovery.ts). */
  readonly recovered: readonly RecoveredVisit[];
  readonly #store: VisitStore | undefined;
  /** The issuance facts the store records, for the issuing screen (none without a store). */
  readonly #progress: IssueProgress | undefined;
  /** The watchers' details of the drives and tokens present (secret-free). */
  #driveDetails: Readonly<Record<string, DriveDetails>> = {};
  #tokenDetails: Readonly<Record<string, TokenDetails>> = {};
  /** The visit's chip reading as far as it has gone, and the redraw it asks for, coalesced. */
  #chip: { readonly visit: string; readonly progress: ChipProgress } | undefined;
  /** The certificates on each drive present, read when it arrives and after a visit used it. */
  readonly #driveCertificates: DriveCertificateCache;
  readonly #chipRedraw = new Coalesced(() => {
    this.#notify(this.snapshot());
  }, chipRedrawMs);

  constructor(
    ctx: ServiceContext,
    setup: KioskSetup,
    clock?: Pick<SimulatedClock, 'setTimeout' | 'clearTimeout'>,
    store?: VisitStore,
    recovered: readonly RecoveredVisit[] = [],
    progress?: IssueProgress,
  ) {
    this.#ctx = ctx;
    this.#setup = setup;
    this.#store = store;
    this.#progress = progress;
    this.recovered = recovered;
    this.endpoints = { ca: setup.ca.url, ra: setup.raUrl };
    const { kiosk } = ctx.config;
    this.#driveCertificates = new DriveCertificateCache(serviceDriveReader(ctx), { log: ctx.log });
    this.#service = new KioskService({
      ctx,
      institutions: setup.institutions,
      ra: setup.ra,
      ca: setup.ca,
      ...(setup.cscaTrust === undefined ? {} : { cscaTrust: setup.cscaTrust }),
      delays: {
        inactivityWarning: kiosk.inactivityWarningMs,
        inactivityWipe: kiosk.inactivityWipeMs,
        tellerApproval: kiosk.tellerApprovalMs,
      },
      ...(clock === undefined ? {} : { clock }),
      ...(store === undefined ? {} : { store }),
      onChipProgress: (visit, progress) => {
        this.#heardChip(visit, progress);
      },
    });
    const machine = kioskMachine.provide({
      actors: {
        watchReaders: watchReaders(ctx.devices.pcsc(), ctx.log),
        // Each watcher's details are kept before the kiosk hears the set they belong to.
        watchTokens: watchTokens(
          ctx.devices,
          ctx.log,
          ctx.config.pkcs11.pollIntervalMs,
          (details) => {
            this.#tokenDetails = Object.fromEntries(details);
          },
        ),
        watchDrives: watchDrives(
          ctx.devices.usbDrives(),
          ctx.log,
          (details) => {
            this.#driveDetails = Object.fromEntries(details);
          },
          this.#driveCertificates,
        ),
        // The request's own deadline is the machine's: an unset one is the machine's 10 s.
        checkCa: caCheck(setup.ca.url, kiosk.caCheckTimeoutMs ?? 10_000),
        visit: fromPromise<undefined>(({ signal }) => this.#runVisit(signal)),
      },
      actions: {
        forwardToVisit: ({ event }) => {
          this.#forward(event);
        },
      },
      delays: {
        ...(kiosk.caRecheckMs === undefined ? {} : { caRecheck: kiosk.caRecheckMs }),
        ...(kiosk.caCheckTimeoutMs === undefined ? {} : { caCheckTimeout: kiosk.caCheckTimeoutMs }),
      },
    });
    this.#actor = createActor(machine, {
      ...(clock === undefined ? {} : { clock }),
      inspect: (inspection) => {
        if (inspection.type === '@xstate.event' && inspection.actorRef === this.#actor)
          ctx.log.debug({ event: inspection.event.type }, 'kiosk event');
      },
    });
    this.failed = new Promise((resolve) => {
      let last = '';
      this.#actor.subscribe({
        next: () => {
          const view = this.snapshot();
          const key = JSON.stringify([view.state, view.problems, view.ca]);
          if (key !== last) {
            last = key;
            ctx.log.info({ state: view.state, problems: view.problems, ca: view.ca }, 'kiosk');
          }
          this.#notify(view);
        },
        error: (error) => {
          ctx.log.error({ err: error }, 'the kiosk machine failed');
          resolve(error instanceof Error ? error : new Error('the kiosk failed', { cause: error }));
        },
      });
    });
    this.#actor.start();
  }

  snapshot(): KioskView {
    const snapshot = this.#actor.getSnapshot();
    const value = snapshot.value as { service: KioskState; ca: KioskView['ca'] };
    const { readers, tokens, drives } = snapshot.context;
    const visit = this.#visit?.snapshot();
    const issuing =
      this.#visit !== undefined &&
      (visit?.value as { flow?: unknown } | undefined)?.flow === 'issuing'
        ? this.#progress?.of(this.#visit.id)
        : undefined;
    return {
      state: value.service,
      problems: problemsOf(snapshot.context),
      ca: value.ca,
      readers,
      tokens,
      drives,
      visit,
      driveDetails: this.#driveDetails,
      tokenDetails: this.#tokenDetails,
      ...(issuing === undefined ? {} : { issueStep: issuing }),
      ...(this.#chip === undefined || this.#chip.visit !== this.#visit?.id
        ? {}
        : { chipProgress: this.#chip.progress }),
    };
  }

  /** Called with the kiosk's view on every change of the kiosk or of its visit. */
  subscribe(listener: (view: KioskView) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * A kiosk event from outside: `kiosk.visitor` (a visitor starts; UsageError unless the kiosk is
   * ready) or `kiosk.caRecheck`. Device events come from the watchers only, and a visit's events
   * go to `visit().send`.
   */
  send(event: unknown): void {
    const type = (event as { type?: unknown } | null)?.type;
    if (
      typeof type !== 'string' ||
      !outsideTypes.has(type) ||
      Object.keys(event as object).length !== 1
    )
      throw new UsageError('the kiosk takes kiosk.visitor and kiosk.caRecheck from outside');
    const state = this.snapshot().state;
    if (type === 'kiosk.visitor' && state !== 'ready')
      throw new UsageError(`the kiosk is ${state}: no visit can start now`);
    this.#actor.send({ type } as KioskEvent);
  }

  /** The visit in progress, for its events and its secret input; undefined between visits. */
  visit(): RunningVisit | undefined {
    return this.#visit;
  }

  /** The teller API's URL (`http://127.0.0.1:8830`) while it serves; undefined without one. */
  get tellerUrl(): string | undefined {
    return this.#teller?.api.url;
  }

  /**
   * Starts the teller API over this kiosk's visits (startKiosk calls it, once): `teller.*` with
   * `options` over it, the accounts in the state folder, relative paths from `home`. close()
   * closes it first, so no decision reaches a visit being stopped. Resolves with its URL.
   */
  async openTellerApi(options: KioskTellerOptions, home: string, source?: string): Promise<string> {
    if (this.#teller !== undefined || this.#isClosing())
      throw new Error('the teller API is open already, or the kiosk is closing');
    const ctx = this.#ctx;
    const audit = this.#audit;
    // Who took a fee is known only to the teller API: the visit records approvals, not that.
    const onDecision =
      audit === undefined
        ? options.onDecision
        : (record: DecisionRecord) => {
            auditDeskDecision(audit, record, ctx.log);
            options.onDecision?.(record);
          };
    const desk = kioskTellerDesk(this.#service, { now: ctx.now });
    // On every change of the kiosk or its visit: the desk notes when a visit begins to wait.
    const unsubscribe = this.subscribe(() => {
      desk.notice();
    });
    const stop = (): void => {
      unsubscribe();
      desk.close();
    };
    let api: RunningTellerApi;
    try {
      api = await startTellerApi({
        config:
          options.listen === undefined
            ? ctx.config.teller
            : { ...ctx.config.teller, listen: options.listen },
        stateDir: ctx.config.stateDir,
        home,
        desk,
        log: ctx.log,
        now: options.now ?? ctx.now,
        ...(source === undefined ? {} : { source }),
        ...(onDecision === undefined ? {} : { onDecision }),
        ...(options.onSession === undefined ? {} : { onSession: options.onSession }),
        ...(options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
      });
    } catch (error) {
      stop();
      throw error;
    }
    if (this.#isClosing()) {
      // Closed while it was starting: it must not outlive the kiosk.
      stop();
      await api.close();
      throw new Error('the kiosk closed while its teller API was starting');
    }
    this.#teller = { api, stop };
    return api.url;
  }

  /**
   * Writes each visit this kiosk starts to `log` (startKiosk calls it, once, before any visit);
   * close() closes it after the visits and the teller API have stopped.
   */
  useAuditLog(log: AuditLog): void {
    if (this.#audit !== undefined || this.#isClosing())
      throw new Error('the audit log is set already, or the kiosk is closing');
    this.#audit = log;
  }

  /** Whether close() has been called (a method: a field read before an await stays narrowed). */
  #isClosing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Stops the teller API, the watchers, the visit (wiped) and what the setup started; idempotent.
   */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      const teller = this.#teller;
      this.#teller = undefined;
      teller?.stop();
      await teller?.api.close();
      this.#actor.stop();
      this.#chipRedraw.cancel();
      this.#service.close();
      this.#visit = undefined;
      this.#listeners.clear();
      // Last: its close writes kiosk.stop and a final checkpoint, after every visit row.
      const audit = this.#audit;
      this.#audit = undefined;
      await audit?.close().catch((err: unknown) => {
        this.#ctx.log.error({ err }, 'the audit log did not close');
      });
      await this.#setup.close();
      // A visit stopped with the kiosk stays open in it: the next start settles it.
      this.#store?.close();
      this.#ctx.log.info('kiosk stopped');
    })());
  }

  /** The machine's visit state: one visit until it ends (or the state is left: stopped). */
  async #runVisit(signal: AbortSignal): Promise<undefined> {
    const visit = this.#service.startVisit();
    this.#visit = visit;
    const audit = this.#audit;
    const detach =
      audit === undefined
        ? undefined
        : attachAuditTrail(audit, visit, this.#ctx.log, {
            now: this.#ctx.now,
            feesFromDesk: this.#teller !== undefined,
          });
    // The drives the visit chose (to write to, or to read a certificate it may renew in place).
    const used = new Set<string>();
    const unsubscribe = visit.subscribe((snapshot) => {
      for (const device of drivesNamed(snapshot)) used.add(device);
      this.#notify(this.snapshot());
    });
    // A journal fact changes no snapshot of the visit: the issuing screen is told all the same.
    const unhear = this.#progress?.onChange(() => {
      this.#notify(this.snapshot());
    });
    const stop = (): void => {
      visit.stop();
    };
    signal.addEventListener('abort', stop, { once: true });
    this.#notify(this.snapshot());
    try {
      await visit.ended;
    } finally {
      signal.removeEventListener('abort', stop);
      unsubscribe();
      unhear?.();
      this.#progress?.forget(visit.id);
      this.#chip = undefined;
      this.#chipRedraw.cancel();
      detach?.();
      this.#visit = undefined;
      // Ended: what it wrote is listed again (the watcher reads each before it is told again).
      for (const device of used) this.#driveCertificates.again(device);
    }
    return undefined;
  }

  /**
   * The visit's chip reading went on (or ended: `undefined`): the screens are told at most every
   * {@link chipRedrawMs}, the last progress always (before the bar is taken away at the end).
   */
  #heardChip(visit: string, progress: ChipProgress | undefined): void {
    if (this.#visit?.id !== visit || this.#isClosing()) return;
    if (progress === undefined) {
      this.#chipRedraw.flush();
      this.#chip = undefined;
      return;
    }
    this.#chip = { visit, progress };
    this.#chipRedraw.poke();
  }

  /** A card or medium event the machine passes on; a visit that cannot take it now drops it. */
  #forward(event: KioskEvent): void {
    try {
      this.#visit?.send(event);
    } catch (error) {
      this.#ctx.log.debug({ event: event.type, err: error }, 'device event not taken by the visit');
    }
  }

  #notify(view: KioskView): void {
    for (const listener of this.#listeners) {
      try {
        listener(view);
      } catch (error) {
        // A screen's fault must not stop the kiosk or the other listeners.
        this.#ctx.log.error({ err: error }, 'kiosk listener failed');
      }
    }
  }
}

/** The USB drives a visit's snapshot names as its medium (its own, its sub-flows', the held one). */
function drivesNamed(snapshot: VisitSnapshot): string[] {
  const children = snapshot.children as Record<string, { getSnapshot(): unknown } | undefined>;
  const contexts: unknown[] = [
    snapshot.context,
    snapshot.context.held,
    ...['storage', 'held'].map(
      (id) => (children[id]?.getSnapshot() as { context?: unknown } | undefined)?.context,
    ),
  ];
  return contexts.flatMap((context) => {
    const medium = (context as { medium?: { kind?: unknown; device?: unknown } } | undefined)
      ?.medium;
    return medium?.kind === 'usb' && typeof medium.device === 'string' ? [medium.device] : [];
  });
}
