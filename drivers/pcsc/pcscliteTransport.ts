import { CardError, CardRemovedError } from './errors.js';
import type { ApduTransport } from './contract.js';
import { scard, scardCode } from './scard.js';
import { transmitWhole } from './t0.js';
import type { NativeReader } from './pcscliteBinding.js';

// The pcsclite driver's ApduTransport (pcscliteDriver.ts connects it): APDUs to one connected
// card with a timeout, T=0 completion, extended length learned per reader, and a refused extended
// APDU told apart from a card pulled mid-command.

/** One reader as the driver tracks it; its transport reads and updates the same state. */
export interface ReaderState {
  readonly native: NativeReader;
  atr: Uint8Array | undefined;
  /** Per reader, learned once (DESIGN §3.1). */
  extendedLength: boolean | undefined;
}

/** What a transport asks of its driver. */
export interface TransportDriver {
  /** Whether the card of `reader` is still there, after a grace for its status to arrive. */
  cardStillPresent(reader: string): Promise<boolean>;
  /** A PC/SC error as the typed error it means. */
  mapError(error: unknown, reader: string): Error;
}

/** Largest response with extended length (65536 data bytes + SW). */
const extendedResponseBytes = 65538;
/** Largest response of a short APDU (256 data bytes + SW). */
const shortResponseBytes = 258;

/** A connected card: one transport at a time per reader; close() leaves the card powered. */
export class PcscTransport implements ApduTransport {
  readonly reader: string;
  readonly atr: Uint8Array;
  private open = true;

  constructor(
    private readonly driver: TransportDriver,
    private readonly state: ReaderState,
    private readonly protocol: number,
    private readonly timeoutMs: number,
  ) {
    this.reader = state.native.name;
    this.atr = state.atr ?? new Uint8Array(0);
  }

  get extendedLength(): boolean | undefined {
    return this.state.extendedLength;
  }

  noteExtendedLengthRefused(): void {
    this.state.extendedLength = false;
  }

  transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return transmitWhole((a) => this.raw(a), apdu, this.reader, signal);
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.open = false;
    const native = this.state.native;
    return new Promise((resolve) => {
      native.disconnect(native.SCARD_LEAVE_CARD, () => {
        resolve();
      });
    });
  }

  private raw(apdu: Uint8Array): Promise<Uint8Array> {
    const extended = isExtended(apdu);
    const native = this.state.native;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new CardError(`${this.reader}: no answer within ${String(this.timeoutMs)} ms`));
      }, this.timeoutMs);
      native.transmit(
        Buffer.from(apdu),
        extended ? extendedResponseBytes : shortResponseBytes,
        this.protocol,
        (error, data) => {
          clearTimeout(timer);
          if (!error && data.length >= 2) {
            if (extended) this.state.extendedLength = true;
            resolve(new Uint8Array(data));
            return;
          }
          if (!error) {
            // No status word (ISO 7816-4 §5.1: every response ends with SW1 SW2): a reader that
            // lost its card mid-command answers so (vpcd does when its card goes away).
            void this.driver.cardStillPresent(this.reader).then((present) => {
              reject(
                present
                  ? new CardError(`${this.reader}: a response without a status word`)
                  : new CardRemovedError(`the card left ${this.reader}`),
              );
            });
            return;
          }
          void this.failure(error, extended).then(reject);
        },
      );
    });
  }

  /**
   * 0x80100016 means two things (DESIGN §3.1): an extended APDU the reader refuses, or a card
   * pulled mid-command (an EMPTY status follows). Which one is told apart here.
   */
  private async failure(error: unknown, extended: boolean): Promise<Error> {
    if (scardCode(error) === scard.notTransacted) {
      if (await this.driver.cardStillPresent(this.reader)) {
        if (extended) {
          this.noteExtendedLengthRefused();
          return new CardError(
            `${this.reader} refused an extended-length APDU`,
            scard.notTransacted,
            {
              cause: error,
            },
          );
        }
      } else {
        return new CardRemovedError(`the card left ${this.reader}`, { cause: error });
      }
    }
    return this.driver.mapError(error, this.reader);
  }
}

function isExtended(apdu: Uint8Array): boolean {
  // ISO 7816-4 §5.1: an extended APDU has a 0x00 byte where a short one has Lc or Le.
  return apdu.length > 5 && apdu[4] === 0x00;
}
