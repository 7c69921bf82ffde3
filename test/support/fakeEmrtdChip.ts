import { CardError } from '../../src/errors/index.js';
import type { ApduTransport } from '../../drivers/pcsc/contract.js';
import { VirtualEmrtd } from '../../src/virtualDocument/virtualCard.js';

/** How the simulated reader and card treat an extended-length APDU (DESIGN §3.1). */
export type ExtendedBehaviour = 'pass' | 'throw' | 'wrongLength';

export interface FakeEmrtdChipOptions {
  /** MRZ_info the chip's BAC keys come from. */
  readonly mrzInfo: string;
  /** Elementary files of the eMRTD application, by FID. */
  readonly files: ReadonlyMap<number, Uint8Array>;
  /** What the transport believes about extended length (ApduTransport.extendedLength). */
  readonly extendedLength?: boolean | undefined;
  /** What really happens to an extended APDU; default 'pass'. */
  readonly extended?: ExtendedBehaviour;
  /** At most this many bytes per READ BINARY answer (a chip may send less than asked). */
  readonly maxReadChunk?: number;
  /** DO'85' instead of DO'87' in answers to B1 (both occur; ISO 7816-4 §10.2.2). */
  readonly b1WithDo85?: boolean;
  /** Answers EXTERNAL AUTHENTICATE with this status word instead of checking. */
  readonly externalAuthenticateStatus?: number;
  /** Signs an INTERNAL AUTHENTICATE challenge (AA); default 128 bytes derived from it. */
  readonly sign?: (challenge: Uint8Array) => Uint8Array;
  /** Rewrites the n-th response (0-based) before it leaves: fault injection. */
  readonly tamper?: (response: Uint8Array, index: number) => Uint8Array;
}

/**
 * The virtual eMRTD (src/virtualDocument/virtualCard.ts) behind an in-process ApduTransport, for unit
 * tests of the reader, with what a reader and transport do to extended APDUs (DESIGN §3.1); it
 * refuses any short protected response over 256 bytes, so a reader that asks for too much fails.
 */
export class FakeEmrtdChip implements ApduTransport {
  readonly reader = 'fake eMRTD';
  readonly atr: Uint8Array;
  extendedLength: boolean | undefined;
  readonly commands: Uint8Array[] = [];
  refusedNoted = 0;
  readonly #options: FakeEmrtdChipOptions;
  readonly #card: VirtualEmrtd;

  constructor(options: FakeEmrtdChipOptions) {
    this.#options = options;
    this.#card = new VirtualEmrtd({
      mrzInfo: options.mrzInfo,
      files: options.files,
      // The reader's tests need an answer to INTERNAL AUTHENTICATE; its check is aa.ts's.
      sign: options.sign ?? ((c: Uint8Array) => new Uint8Array(128).map((_, i) => c[i % 8] ?? i)),
      ...(options.maxReadChunk === undefined ? {} : { maxReadChunk: options.maxReadChunk }),
      ...(options.b1WithDo85 === undefined ? {} : { b1WithDo85: options.b1WithDo85 }),
      ...(options.externalAuthenticateStatus === undefined
        ? {}
        : { externalAuthenticateStatus: options.externalAuthenticateStatus }),
    });
    this.atr = this.#card.atr;
    this.extendedLength = options.extendedLength;
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const index = this.commands.length;
    this.commands.push(Uint8Array.from(apdu));
    const extended = apdu.length > 5 && apdu[4] === 0;
    if (extended && this.#options.extended === 'throw') {
      return Promise.reject(new CardError('SCardTransmit: transaction failed', 0x80100016));
    }
    if (extended && this.#options.extended === 'wrongLength') {
      return Promise.resolve(this.#tamper(Uint8Array.of(0x67, 0x00), index));
    }
    const response = this.#card.respond(apdu);
    if (!extended && response.length > 258) {
      return Promise.reject(new Error(`a short APDU got ${response.length - 2} response bytes`));
    }
    return Promise.resolve(this.#tamper(response, index));
  }

  noteExtendedLengthRefused(): void {
    this.refusedNoted++;
    this.extendedLength = false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #tamper(response: Uint8Array, index: number): Uint8Array {
    return this.#options.tamper?.(response, index) ?? response;
  }
}
