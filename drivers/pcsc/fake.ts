import {
  CardError,
  CardRemovedError,
  NoCardError,
  PcscUnavailableError,
  ReaderNotFoundError,
} from './errors.js';
import type { ApduTransport, CardApplication, PcscDriver, ReaderEvent } from './contract.js';
import { transmitWhole } from './t0.js';

interface FakeReader {
  card: CardApplication | undefined;
  /** Commands until the card is pulled mid-exchange (the next one fails). */
  apdusUntilRemoval: number;
  extendedLength: boolean | undefined;
  /** A reader that refuses extended-length APDUs, as many do (DESIGN §3.1). */
  readonly refusesExtended: boolean;
}

/**
 * The PcscDriver contract in memory, with controls for what a test cannot do to real pcscd on
 * demand: cards (any CardApplication) put in and pulled out, pulled after N APDUs, pcscd stopped
 * and started, readers that refuse extended length. State is per instance (STYLE #2).
 */
export class FakePcscDriver implements PcscDriver {
  private readonly readersByName = new Map<string, FakeReader>();
  private readonly listeners = new Set<(event: ReaderEvent) => void>();
  private running = true;

  addReader(name: string, options: { refusesExtended?: boolean } = {}): void {
    this.readersByName.set(name, {
      card: undefined,
      apdusUntilRemoval: Infinity,
      extendedLength: undefined,
      refusesExtended: options.refusesExtended ?? false,
    });
    this.emit({ type: 'reader-added', reader: name });
  }

  insert(reader: string, card: CardApplication): void {
    const state = this.reader(reader);
    card.reset();
    state.card = card;
    state.apdusUntilRemoval = Infinity;
    this.emit({ type: 'card-inserted', reader, atr: card.atr });
  }

  pull(reader: string): void {
    const state = this.reader(reader);
    if (state.card === undefined) return;
    state.card = undefined;
    this.emit({ type: 'card-removed', reader });
  }

  /** The card leaves after `n` more APDUs: the (n+1)th fails with CardRemovedError. */
  pullAfter(reader: string, n: number): void {
    this.reader(reader).apdusUntilRemoval = n;
  }

  /** pcscd stops: every call fails with PcscUnavailableError until startDaemon(). */
  stopDaemon(): void {
    this.running = false;
    for (const name of this.readersByName.keys())
      this.emit({ type: 'reader-removed', reader: name });
  }

  startDaemon(): void {
    this.running = true;
    for (const name of this.readersByName.keys()) this.emit({ type: 'reader-added', reader: name });
  }

  readers(): Promise<{ name: string; atr?: Uint8Array }[]> {
    return new Promise((resolve) => {
      this.live();
      resolve(
        [...this.readersByName].map(([name, r]) =>
          r.card === undefined ? { name } : { name, atr: r.card.atr },
        ),
      );
    });
  }

  watch(listener: (event: ReaderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connect(reader?: string): Promise<ApduTransport> {
    return new Promise((resolve) => {
      this.live();
      const entry = [...this.readersByName].find(
        ([name, r]) => (reader === undefined || name === reader) && r.card !== undefined,
      );
      if (entry === undefined) {
        if (reader !== undefined && !this.readersByName.has(reader))
          throw new ReaderNotFoundError(`no reader ${reader}`);
        throw new NoCardError('no card on the reader');
      }
      const [name, state] = entry;
      const card = state.card;
      if (card === undefined) throw new NoCardError('no card on the reader');
      resolve(this.transport(name, state, card));
    });
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private transport(name: string, state: FakeReader, card: CardApplication): ApduTransport {
    const raw = async (apdu: Uint8Array): Promise<Uint8Array> => {
      this.live();
      if (state.card !== card) throw new CardRemovedError(`the card left ${name}`);
      if (state.apdusUntilRemoval-- <= 0) {
        this.pull(name);
        throw new CardRemovedError(`the card left ${name} mid-command`);
      }
      if (apdu.length > 5 && apdu[4] === 0) {
        if (state.refusesExtended) {
          state.extendedLength = false;
          // What the real driver reports for SCARD_E_NOT_TRANSACTED on an extended APDU.
          throw new CardError(`${name} refused an extended-length APDU`, 0x80100016);
        }
        state.extendedLength = true;
      }
      return card.respond(apdu);
    };
    return {
      reader: name,
      atr: card.atr,
      get extendedLength() {
        return state.extendedLength;
      },
      noteExtendedLengthRefused: () => {
        state.extendedLength = false;
      },
      transmit: (apdu, signal) => transmitWhole(raw, apdu, name, signal),
      close: () => Promise.resolve(),
    };
  }

  private live(): void {
    if (!this.running) throw new PcscUnavailableError('pcscd is not running');
  }

  private reader(name: string): FakeReader {
    const reader = this.readersByName.get(name);
    if (reader === undefined) throw new Error(`no fake reader ${name}`);
    return reader;
  }

  private emit(event: ReaderEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
