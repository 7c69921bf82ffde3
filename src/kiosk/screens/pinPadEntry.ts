import type { PinEntry, PinEntryEvent, PinPad } from '../../../drivers/hid/contract.js';
import type { ChosenMedium } from '../../../machines/types.js';
import type { ScreenModel } from '../../../ui/contract.js';
import type { KioskView } from '../run/kiosk.js';
import { childOf } from './parts.js';

// The PIN pad (drivers/hid) as a second keyboard for the screen driver's PIN fields (issue 15
// item 5). The digits go from the pad's reports into a Buffer this file owns and leave it only as
// a copy handed to the visit, which zeroes it (RunningVisit.enterNewSecret, as SecretField.copy):
// never a string, never a UiEvent, never near the terminal. The driver hears what a key did, not
// which key it was.

/** What a pad key means to the screen driver; no input names a digit. */
export type PadInput =
  /** A digit, backspace or clear (or a digit refused by a full buffer): redraw the count. */
  | { readonly type: 'typed' }
  | { readonly type: 'enter' }
  | { readonly type: 'cancel' }
  /** The pad was unplugged or failed: its digits are zeroed and it is used no more. */
  | { readonly type: 'gone' };

/** The longest PIN a token takes (src/kiosk/visitInputs.ts pinProblems: 4 to 16). */
const pinCapacity = 16;

/**
 * The secret field the pad types into on `model`, if any: the new token's PIN, or the PIN of a
 * certificate held on a token. Not the passwords: their rules need letters and special
 * characters (src/npki/passwordRules.ts), which a pad has not, so digits alone never pass.
 */
export function padField(model: ScreenModel, view: KioskView): string | undefined {
  if (model.screen === 'pin') return 'pin';
  if (model.screen !== 'heldSecret' || view.visit === undefined) return undefined;
  const medium = childOf(view.visit, 'held')?.context.medium as ChosenMedium | undefined;
  return medium?.kind === 'token' ? 'heldSecret' : undefined;
}

/**
 * One PIN pad following the screen: an entry runs while the screen shows a field the pad types
 * into ({@link follow}), into a buffer zeroed whenever the entry ends, the field changes, its
 * digits are taken or the keyboard takes the field over.
 */
export class PinPadEntry {
  readonly #pad: PinPad;
  readonly #onInput: (input: PadInput) => void;
  readonly #bytes = Buffer.alloc(pinCapacity);
  #entry: PinEntry | undefined;
  #field: string | undefined;
  /** Unplugged, or closed with the driver: no entry starts again. */
  #over = false;

  constructor(pad: PinPad, onInput: (input: PadInput) => void) {
    this.#pad = pad;
    this.#onInput = onInput;
  }

  /** The field the pad types into now, if an entry runs. */
  get field(): string | undefined {
    return this.#field;
  }

  /** Digits typed on the pad into the field (shown as `*`). */
  get length(): number {
    return this.#entry?.length ?? 0;
  }

  /** Types into `field` from now on (a new, empty entry if it changed); undefined: no entry. */
  follow(field: string | undefined): void {
    if (this.#over || field === this.#field) return;
    this.#end();
    if (field !== undefined) this.#start(field);
  }

  /**
   * A copy of the digits typed into `field`, for a callee that zeroes it; the buffer is zeroed and
   * a new entry starts. Undefined when the pad holds no digit for `field`.
   */
  take(field: string): Buffer | undefined {
    if (field !== this.#field || this.length === 0) return undefined;
    const copy = Buffer.from(this.#bytes.subarray(0, this.length));
    this.#restart();
    return copy;
  }

  /** The keyboard typed into `field`: what the pad typed there is zeroed (the last source wins). */
  release(field: string): void {
    if (field === this.#field && this.length > 0) this.#restart();
  }

  /** Ends the entry for good (the driver stops); the pad itself is its owner's to close. */
  close(): void {
    this.#over = true;
    this.#end();
  }

  #restart(): void {
    const field = this.#field;
    this.#end();
    if (field !== undefined && !this.#over) this.#start(field);
  }

  #start(field: string): void {
    this.#field = field;
    const entry = this.#pad.startEntry(this.#bytes, (event) => {
      if (this.#entry === entry) this.#heard(event);
    });
    this.#entry = entry;
  }

  #end(): void {
    this.#entry?.stop();
    this.#entry = undefined;
    this.#field = undefined;
    this.#bytes.fill(0);
  }

  #heard(event: PinEntryEvent): void {
    switch (event.type) {
      case 'enter':
      case 'cancel':
        this.#onInput({ type: event.type });
        return;
      case 'error':
        // The entry is over (contract: the buffer keeps what it had): zeroed here; the keyboard
        // goes on alone.
        this.#over = true;
        this.#end();
        this.#onInput({ type: 'gone' });
        return;
      default:
        this.#onInput({ type: 'typed' });
    }
  }
}
