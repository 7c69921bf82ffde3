import type { PinPad, ScanEvent, Scanner } from '../../../drivers/hid/contract.js';
import type { Lang, Screen, ScreenModel, UiEvent } from '../../../ui/contract.js';
import { UsageError } from '../../errors/index.js';
import type { KioskView } from '../run/kiosk.js';
import type { RunningVisit } from '../service.js';
import type { ScreenLocal } from './parts.js';
import { screenModel } from './model.js';
import { formFieldProblems, pickEvent } from './keyEvents.js';
import { SecretField } from './secretField.js';
import { padField, PinPadEntry, type PadInput } from './pinPadEntry.js';
import { scannedForm } from './scanPrefill.js';

/**
 * The visitor's screen wired to the kiosk (issue 15 item 2): every change of the kiosk's view is
 * drawn, every UiEvent becomes the visit's event or one of its secret inputs. It holds only what
 * the visitor is typing (the cursor, the fields, the secrets in {@link SecretField}s) and forgets
 * it when the screen changes; the state of the visit stays the service's.
 */

/** What the driver needs of the kiosk: RunningKiosk (src/kiosk/run/kiosk.ts) has it. */
export interface KioskPort {
  snapshot(): KioskView;
  subscribe(listener: (view: KioskView) => void): () => void;
  send(event: unknown): void;
  visit(): RunningVisit | undefined;
}

export interface ScreenDriverOptions {
  /** The inactivity wipe delay (timeouts.inactivityWipeMs), for the countdown's seconds. */
  readonly wipeMs?: number;
  /** The clock, in ms (tests); Date.now by default. */
  readonly now?: () => number;
  /**
   * A PIN pad (issue 15 item 5): its digits go into the PIN fields beside the keyboard's
   * (pinPadEntry.ts). Opened and closed by the caller; the driver only runs entries on it.
   */
  readonly pinPad?: PinPad;
  /** A QR scanner: an application code scanned on the form step fills it (scanPrefill.ts). */
  readonly scanner?: Scanner;
}

const secretIds = new Set(['idn', 'password', 'passwordAgain', 'pin', 'heldSecret']);
const maxTyped = 64;

export class ScreenDriver {
  readonly #kiosk: KioskPort;
  readonly #screen: Screen;
  readonly #stops: (() => void)[] = [];
  readonly #secrets = new Map<string, SecretField>();
  #lang: Lang = 'ko';
  #local: ScreenLocal = {};
  #model: ScreenModel | undefined;
  readonly #options: ScreenDriverOptions;
  readonly #pad: PinPadEntry | undefined;
  /** The draw #drawSoon scheduled, not yet run. */
  #pending: NodeJS.Immediate | undefined;
  /** When the inactivity warning began, and the timer redrawing its countdown each second. */
  #warning: { readonly since: number; readonly timer: NodeJS.Timeout } | undefined;

  constructor(kiosk: KioskPort, screen: Screen, options: ScreenDriverOptions = {}) {
    this.#kiosk = kiosk;
    this.#screen = screen;
    this.#options = options;
    this.#pad =
      options.pinPad === undefined
        ? undefined
        : new PinPadEntry(options.pinPad, (input) => {
            this.#padInput(input);
          });
    if (options.scanner !== undefined)
      this.#stops.push(
        options.scanner.watch((event) => {
          this.#scanned(event);
        }),
      );
    this.#stops.push(
      kiosk.subscribe(() => {
        this.#drawSoon();
      }),
    );
    this.#stops.push(
      screen.onEvent((event) => {
        this.#handle(event);
      }),
    );
    this.draw();
  }

  /**
   * One draw for the kiosk's changes of one turn of the event loop: a key often moves the visit
   * through several states at once, and only the last is worth drawing (issue 15: a key to its
   * redrawn screen within a frame). A key arriving before that draw flushes it first (#handle).
   */
  #drawSoon(): void {
    this.#pending ??= setImmediate(() => {
      this.#pending = undefined;
      this.draw();
    });
  }

  /** Draws the kiosk as it is now; a new screen starts with empty fields. */
  draw(): void {
    if (this.#pending !== undefined) {
      clearImmediate(this.#pending);
      this.#pending = undefined;
    }
    const view = this.#kiosk.snapshot();
    this.#countdown(view);
    let model = screenModel(view, this.#lang, this.#shown());
    if (this.#model !== undefined && model.screen !== this.#model.screen) {
      this.#clear();
      model = screenModel(view, this.#lang, this.#shown());
    }
    this.#model = model;
    this.#pad?.follow(padField(model, view));
    this.#screen.render(model);
  }

  stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#pending = undefined;
    clearInterval(this.#warning?.timer);
    this.#warning = undefined;
    this.#clear();
    this.#pad?.close();
  }

  /** Starts the countdown's clock when the visit's warning begins, stops it when it ends. */
  #countdown(view: KioskView): void {
    const visit = view.visit;
    const warned =
      visit?.status === 'active' &&
      (visit.value as { attention?: unknown }).attention === 'warning';
    if (warned && this.#warning === undefined) {
      const timer = setInterval(() => {
        this.draw();
      }, 1000);
      timer.unref();
      this.#warning = { since: this.#now(), timer };
    } else if (!warned && this.#warning !== undefined) {
      clearInterval(this.#warning.timer);
      this.#warning = undefined;
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #clear(): void {
    for (const field of this.#secrets.values()) field.wipe();
    this.#secrets.clear();
    this.#local = {};
  }

  /** The local state with what may be shown of the secrets: counts, and the IDN's birth date. */
  #shown(): ScreenLocal {
    const lengths: Record<string, number> = {};
    const typed = { ...this.#local.typed };
    for (const [id, field] of this.#secrets) lengths[id] = field.count;
    const padded = this.#pad?.field;
    if (padded !== undefined && this.#pad !== undefined && this.#pad.length > 0)
      lengths[padded] = this.#pad.length;
    const idn = this.#secrets.get('idn');
    if (idn !== undefined) {
      const digits = idn.view().subarray(0, 7).toString('latin1');
      typed.idn = digits.length > 6 ? `${digits.slice(0, 6)}-${digits.slice(6)}` : digits;
      lengths.idn = Math.max(0, idn.count - 7);
    }
    const { wipeMs } = this.#options;
    const left =
      this.#warning === undefined || wipeMs === undefined
        ? undefined
        : Math.max(0, Math.ceil((this.#warning.since + wipeMs - this.#now()) / 1000));
    return {
      ...this.#local,
      typed,
      secretLengths: lengths,
      ...(left === undefined ? {} : { secondsLeft: left }),
    };
  }

  /** A PIN pad key: a count to redraw, or Enter and Cancel as the keyboard's Enter and Esc. */
  #padInput(input: PadInput): void {
    if (input.type === 'enter') this.#handle({ type: 'key', key: 'enter' });
    else if (input.type === 'cancel') this.#handle({ type: 'back' });
    else {
      // The pad's digits replace what the keyboard typed in the field (the last source wins).
      const field = this.#pad?.field;
      if (input.type === 'typed' && field !== undefined) {
        this.#secrets.get(field)?.wipe();
        this.#activeVisit()?.send({ type: 'visitor.active' });
      }
      this.draw();
    }
  }

  /** A scan: it fills the form on the form step, and is dropped (zeroed) anywhere else. */
  #scanned(event: ScanEvent): void {
    const model = this.#model;
    if (model?.screen !== 'form') {
      if (event.type === 'scan') event.data.fill(0);
      return;
    }
    const local = scannedForm(event, model, this.#local);
    if (local === undefined) return;
    this.#local = local;
    this.#activeVisit()?.send({ type: 'visitor.active' });
    this.draw();
  }

  #activeVisit(): RunningVisit | undefined {
    const visit = this.#kiosk.visit();
    return visit?.snapshot().status === 'active' ? visit : undefined;
  }

  #secret(id: string): SecretField {
    let field = this.#secrets.get(id);
    if (field === undefined) this.#secrets.set(id, (field = new SecretField()));
    return field;
  }

  #handle(event: UiEvent): void {
    // The key is for the screen as the kiosk is now, not as last drawn.
    if (this.#pending !== undefined) this.draw();
    try {
      this.#act(event);
    } catch (error) {
      // A key the visit does not take at this step (the screen moved on): nothing happens.
      if (!(error instanceof UsageError)) throw error;
    }
    this.draw();
  }

  #act(event: UiEvent): void {
    const model = this.#model;
    const visit = this.#kiosk.visit();
    const active = visit?.snapshot().status === 'active' ? visit : undefined;
    if (event.type === 'language') {
      this.#lang = this.#lang === 'ko' ? 'en' : 'ko';
      active?.send({ type: 'visitor.active' });
      return;
    }
    if (model === undefined) return;
    if (active === undefined || model.screen === 'welcome') {
      if (event.type === 'key' && event.key === 'enter' && model.screen === 'welcome')
        this.#kiosk.send({ type: 'kiosk.visitor' });
      return;
    }
    if (event.type === 'cancel') {
      active.send({ type: 'visit.cancel' });
      return;
    }
    if (event.type === 'back') {
      if (this.#local.revokeSerial !== undefined) this.#local = {};
      else active.send({ type: 'visitor.back' });
      return;
    }
    if (event.type === 'pick') {
      this.#pick(active, model, event.id);
      return;
    }
    if (model.fields !== undefined) {
      this.#type(active, model, event);
      return;
    }
    const pick = model.pick;
    if (pick !== undefined && event.type === 'key') {
      const last = pick.items.length - 1;
      const cursor = this.#local.cursor ?? 0;
      if (event.key === 'up') this.#local = { ...this.#local, cursor: Math.max(0, cursor - 1) };
      if (event.key === 'down')
        this.#local = { ...this.#local, cursor: Math.min(last, cursor + 1) };
      const item = pick.items[cursor];
      if (event.key === 'enter' && item?.enabled === true) this.#pick(active, model, item.id);
      return;
    }
    if (event.type === 'key' && event.key === 'enter') {
      const flow = (active.snapshot().value as { flow?: unknown }).flow;
      if (model.screen === 'confirmFormat') active.send({ type: 'visitor.confirmFormat' });
      else if (
        ['result', 'rejected', 'revocation'].includes(model.screen) ||
        flow === 'staffNeeded'
      )
        active.send({ type: 'visitor.finish' });
      else active.send({ type: 'visitor.retry' });
      return;
    }
    active.send({ type: 'visitor.active' });
  }

  #pick(visit: RunningVisit, model: ScreenModel, id: string): void {
    if (model.screen === 'revocation' && this.#local.revokeSerial === undefined) {
      this.#local = { revokeSerial: id };
      return;
    }
    const event = pickEvent(model.screen, id, this.#kiosk.snapshot());
    if (event !== undefined) visit.send(event);
  }

  #type(visit: RunningVisit, model: ScreenModel, event: UiEvent): void {
    const fields = model.fields?.items ?? [];
    const focus = Math.min(this.#local.focus ?? 0, fields.length - 1);
    const id = fields[focus]?.id ?? '';
    const move = (by: number) => {
      this.#local = { ...this.#local, focus: Math.max(0, Math.min(fields.length - 1, focus + by)) };
    };
    if (event.type === 'text' || (event.type === 'key' && event.key === 'backspace')) {
      const text = event.type === 'text' ? event.text : undefined;
      if (secretIds.has(id)) {
        this.#pad?.release(id);
        const field = this.#secret(id);
        if (text === undefined) field.backspace();
        else field.append(id === 'idn' ? text.replace(/[^0-9]/g, '') : text);
      } else {
        const before = this.#local.typed?.[id] ?? '';
        const after =
          text === undefined ? before.replace(/.$/su, '') : (before + text).slice(0, maxTyped);
        this.#local = { ...this.#local, typed: { ...this.#local.typed, [id]: after } };
      }
      this.#live(visit, model, id);
      return;
    }
    if (event.type !== 'key') return;
    if (event.key === 'tab' || event.key === 'down') {
      move(1);
      return;
    }
    if (event.key === 'backtab' || event.key === 'up') {
      move(-1);
      return;
    }
    if (event.key !== 'enter') return;
    if (focus < fields.length - 1) {
      move(1);
      return;
    }
    this.#submit(visit, model);
  }

  /** Problems as the visitor types (form), or the password checklist; a key is activity. */
  #live(visit: RunningVisit, model: ScreenModel, id: string): void {
    if (model.screen === 'password') {
      this.#local = {
        ...this.#local,
        checklist: visit.passwordChecklist(this.#secret('password').view()),
      };
      return;
    }
    visit.send({ type: 'visitor.active' });
    if (model.screen !== 'form') return;
    const problems = formFieldProblems(id, this.#local.typed?.[id] ?? '');
    this.#local = { ...this.#local, problems: { ...this.#local.problems, [id]: problems } };
  }

  #submit(visit: RunningVisit, model: ScreenModel): void {
    const typed = this.#local.typed ?? {};
    const take = (id: string): Buffer => {
      // Whichever typed last holds the field: the pad (its digits, copied) or the keyboard.
      const copy = this.#pad?.take(id) ?? this.#secret(id).copy();
      this.#secret(id).wipe();
      return copy;
    };
    switch (model.screen) {
      case 'form':
        this.#local = { ...this.#local, problems: {} };
        visit.submitForm({
          name: typed.name ?? '',
          idn: take('idn'),
          phone: typed.phone ?? '',
          ...(typed.account === undefined ? {} : { account: typed.account }),
        });
        return;
      case 'mrz': {
        visit.send({
          type: 'visitor.mrz',
          entry: {
            documentNumber: (typed.documentNumber ?? '').toUpperCase(),
            birthDate: typed.birthDate ?? '',
            expiryDate: typed.expiryDate ?? '',
          },
        });
        return;
      }
      case 'password':
        this.#local = { ...this.#local, focus: 0, checklist: [] };
        visit.enterNewSecret(take('password'), take('passwordAgain'));
        return;
      case 'pin':
        visit.enterNewSecret(take('pin'));
        return;
      case 'heldSecret':
        visit.enterHeldSecret(take('heldSecret'));
        return;
      default:
        return;
    }
  }
}
