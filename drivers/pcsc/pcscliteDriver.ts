import { createRequire } from 'node:module';
import {
  CardError,
  CardRemovedError,
  NoCardError,
  PcscUnavailableError,
  ReaderNotFoundError,
} from './errors.js';
import type { ApduTransport, PcscDriver, ReaderEvent } from './contract.js';
import type { NativePcsc, NativeReader, PcscFactory, ReaderStatus } from './pcscliteBinding.js';
import { PcscTransport, type ReaderState } from './pcscliteTransport.js';
import { scard, scardCode } from './scard.js';

// The real PC/SC driver on pcsc-lite: the context (made again with backoff when pcscd goes away),
// readers and their card events, connecting, and the mapping of SCARD codes to typed errors. The
// connected card's transport is pcscliteTransport.ts; the codes are scard.ts.

export interface PcscliteDriverOptions {
  /** Creates the pcsclite context; the package's unless given (tests). */
  readonly create?: PcscFactory;
  /** Readers whose name matches are used; all if absent (dual-interface readers: pick one). */
  readonly readerPattern?: RegExp;
  /** First wait before re-creating the context after pcscd went away; doubles to 30 s. */
  readonly backoffMs?: number;
  /** Longest wait for one APDU's answer (a mute card must not hang the kiosk); 30 s if absent. */
  readonly transmitTimeoutMs?: number;
}

/**
 * PC/SC through pcsc-lite (`pcsclite` npm) with what DESIGN §3.1 says real readers do: pcscd may be
 * down (the context cannot be made: PcscUnavailableError, retried with backoff) or restart (every
 * object ends with an RPC error and never recovers: the context is made again); status states
 * carry an event counter (masked); a card pulled mid-command gives 0x80100016 then an EMPTY
 * status; T=0 cards answer 61xx (GET RESPONSE) and 6Cxx (resend with Le).
 */
export class PcscliteDriver implements PcscDriver {
  private context: NativePcsc | undefined;
  private readonly states = new Map<string, ReaderState>();
  private readonly listeners = new Set<(event: ReaderEvent) => void>();
  private readonly errorListeners = new Set<(error: unknown) => void>();
  private retry: NodeJS.Timeout | undefined;
  private backoff: number;
  private closed = false;

  constructor(private readonly options: PcscliteDriverOptions = {}) {
    this.backoff = options.backoffMs ?? 1000;
  }

  readers(): Promise<{ name: string; atr?: Uint8Array }[]> {
    return new Promise((resolve, reject) => {
      try {
        this.ensureContext();
        resolve(
          [...this.states.entries()].map(([name, s]) =>
            s.atr === undefined ? { name } : { name, atr: s.atr },
          ),
        );
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  watch(listener: (event: ReaderEvent) => void, onError?: (error: unknown) => void): () => void {
    this.listeners.add(listener);
    if (onError) this.errorListeners.add(onError);
    try {
      this.ensureContext();
    } catch (error) {
      onError?.(error);
    }
    return () => {
      this.listeners.delete(listener);
      if (onError) this.errorListeners.delete(onError);
    };
  }

  async connect(reader?: string): Promise<ApduTransport> {
    this.ensureContext();
    // Readers report their state a moment after they appear: wait briefly for it.
    const state = await this.readerWithCard(reader);
    const native = state.native;
    // pcsclite answers a second connect with no protocol on the same handle: one transport at a
    // time per reader, or closing one would disconnect the other.
    if (native.connected) throw new CardError(`${native.name} is already in use by this kiosk`);
    const protocol = await new Promise<number>((resolve, reject) => {
      // Shared: a second kiosk component (or a restarted kiosk) can still reach the card.
      native.connect({ share_mode: native.SCARD_SHARE_SHARED }, (error, p) => {
        if (error) reject(this.mapError(error, native.name));
        else resolve(p);
      });
    });
    return new PcscTransport(this, state, protocol, this.options.transmitTimeoutMs ?? 30_000);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    return this.dropContext();
  }

  /** A PC/SC error as the typed error it means; `extended` says the APDU was extended length. */
  mapError(error: unknown, reader: string): Error {
    const code = scardCode(error);
    switch (code) {
      case scard.noService:
      case scard.commError:
      case scard.serviceStopped:
        this.lost(error);
        return new PcscUnavailableError(`pcscd is not reachable (0x${code.toString(16)})`, {
          cause: error,
        });
      case scard.removedCard:
      case scard.resetCard:
      case scard.unpoweredCard:
      case scard.noSmartcard:
        return new CardRemovedError(`the card left ${reader} (0x${code.toString(16)})`, {
          cause: error,
        });
      case scard.readerUnavailable:
        return new ReaderNotFoundError(`${reader} went away`, { cause: error });
      default:
        return new CardError(
          `${reader}: ${error instanceof Error ? error.message : String(error)}`,
          code,
          { cause: error },
        );
    }
  }

  /** Whether the card of `reader` is still there, after a grace for its status to arrive. */
  async cardStillPresent(reader: string): Promise<boolean> {
    // pcsc-lite reports the EMPTY state about 0.3 s after a pull (DESIGN §3.1).
    await new Promise((resolve) => setTimeout(resolve, 500));
    return this.states.get(reader)?.atr !== undefined;
  }

  private async readerWithCard(reader: string | undefined): Promise<ReaderState> {
    for (let waited = 0; ; waited += 100) {
      const candidates = [...this.states.entries()].filter(
        ([name]) => reader === undefined || name === reader,
      );
      const withCard = candidates.find(([, s]) => s.atr !== undefined);
      if (withCard) return withCard[1];
      if (waited >= 1500) {
        if (candidates.length === 0)
          throw new ReaderNotFoundError(reader === undefined ? 'no reader' : `no reader ${reader}`);
        throw new NoCardError(`no card in ${candidates.map(([n]) => n).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private ensureContext(): void {
    if (this.context !== undefined) return;
    if (this.closed) throw new PcscUnavailableError('the PC/SC driver is closed');
    let context: NativePcsc;
    try {
      context = (this.options.create ?? loadPcsclite)();
    } catch (error) {
      // pcsclite throws synchronously when pcscd is not running (DESIGN §3.1).
      this.scheduleRetry();
      throw new PcscUnavailableError('pcscd is not running', { cause: error });
    }
    this.context = context;
    this.backoff = this.options.backoffMs ?? 1000;
    context.on('reader', (native: NativeReader) => {
      this.addReader(native);
    });
    context.on('error', (error: unknown) => {
      this.lost(error);
    });
  }

  private addReader(native: NativeReader): void {
    if (this.options.readerPattern && !this.options.readerPattern.test(native.name)) {
      // Not ours (the other half of a dual-interface reader): no watching, and its ending is
      // heard and dropped.
      native.on('error', ignore);
      native.close();
      return;
    }
    const state: ReaderState = { native, atr: undefined, extendedLength: undefined };
    this.states.set(native.name, state);
    this.emit({ type: 'reader-added', reader: native.name });
    native.on('status', (status: ReaderStatus) => {
      // The high 16 bits are an event counter, not flags (DESIGN §3.1).
      const flags = status.state & 0xffff;
      const present = (flags & native.SCARD_STATE_PRESENT) !== 0;
      if (present && status.atr !== undefined && status.atr.length > 0) {
        const atr = new Uint8Array(status.atr);
        const changed = state.atr === undefined || !Buffer.from(state.atr).equals(atr);
        state.atr = atr;
        if (changed) this.emit({ type: 'card-inserted', reader: native.name, atr });
      } else if (!present && state.atr !== undefined) {
        state.atr = undefined;
        this.emit({ type: 'card-removed', reader: native.name });
      }
    });
    native.on('end', () => {
      this.states.delete(native.name);
      this.emit({ type: 'reader-removed', reader: native.name });
    });
    native.on('error', (error: unknown) => {
      this.mapError(error, native.name);
    });
  }

  /** pcscd went away: every object is dead; drop them and make the context again later. */
  private lost(error: unknown): void {
    if (this.context === undefined) return;
    void this.dropContext();
    for (const listener of this.errorListeners)
      listener(new PcscUnavailableError('pcscd went away', { cause: error }));
    this.scheduleRetry();
  }

  /** Drops every native object; resolves once they are closed (on the next turn). */
  private dropContext(): Promise<void> {
    const context = this.context;
    this.context = undefined;
    const natives: { close(): unknown }[] = [];
    for (const [name, state] of this.states) {
      // The native objects report their own ending (SCARD_E_CANCELLED, RPC errors) after this:
      // heard and dropped, never an unhandled 'error' event.
      state.native.removeAllListeners();
      state.native.on('error', ignore);
      natives.push(state.native);
      this.emit({ type: 'reader-removed', reader: name });
    }
    this.states.clear();
    if (context !== undefined) {
      context.removeAllListeners();
      context.on('error', ignore);
      natives.push(context);
    }
    // Closed on the next turn of the event loop, never from inside a native listener: pcsclite
    // calls a reader's listeners holding that reader's lock, and close() takes the same lock, so
    // closing from its 'error' (pcscd gone) froze the whole process. Readers first, then the
    // context; close() also ends each status thread, which would keep the process alive.
    return new Promise((resolve) => {
      setImmediate(() => {
        for (const native of natives) {
          try {
            native.close();
          } catch {
            // already closed by the context, or a context whose daemon is gone refuses to
            // close: nothing left to release
          }
        }
        resolve();
      });
    });
  }

  /** Re-creates the context with doubling backoff while someone is watching. */
  private scheduleRetry(): void {
    if (this.closed || this.retry !== undefined || this.listeners.size === 0) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 30_000);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      try {
        this.ensureContext();
      } catch (error) {
        for (const listener of this.errorListeners) listener(error);
      }
    }, wait);
    this.retry.unref();
  }

  private emit(event: ReaderEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A listener's fault must not reach the native callback that delivered the event.
        for (const onError of this.errorListeners) onError(error);
      }
    }
  }
}

function ignore(): void {
  // see dropContext
}

function loadPcsclite(): NativePcsc {
  // CommonJS without types; loaded when first needed so that a machine without pcsc-lite can
  // still run the commands that do not read cards.
  const create = createRequire(import.meta.url)('pcsclite') as () => NativePcsc;
  return create();
}
