import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PcscliteDriver } from '../../../drivers/pcsc/pcscliteDriver.js';
import { PcscUnavailableError } from '../../../src/errors/index.js';

// pcsclite 1.0.1 calls a reader's listeners from its native status handler while holding the
// reader's mutex, and the reader's close() takes that mutex (node_modules/pcsclite/src/
// cardreader.cpp: HandleReaderStatusChange, Close): a close() from inside a listener locks the
// process for good. It happened when pcscd went away and the reader's 'error' came before the
// context's. These stand-ins record a close() made while their listeners run.

class LockingReader extends EventEmitter {
  readonly connected = false;
  readonly SCARD_STATE_PRESENT = 0x20;
  readonly SCARD_STATE_EMPTY = 0x10;
  readonly SCARD_SHARE_SHARED = 2;
  readonly SCARD_LEAVE_CARD = 0;
  private locked = false;
  closedInsideListener = false;
  closes = 0;

  constructor(readonly name: string) {
    super();
  }

  /** Emits as the native handler does: with the reader's lock held. */
  emitLocked(event: string, value: unknown): void {
    this.locked = true;
    try {
      this.emit(event, value);
    } finally {
      this.locked = false;
    }
  }

  close(): void {
    if (this.locked) this.closedInsideListener = true;
    this.closes++;
  }

  connect(): void {
    throw new Error('not used');
  }

  disconnect(): void {
    throw new Error('not used');
  }

  transmit(): void {
    throw new Error('not used');
  }
}

class Context extends EventEmitter {
  closes = 0;
  close(): void {
    this.closes++;
  }
}

describe('pcsclite driver: native objects closed outside their listeners', () => {
  it("a reader's 'error' (pcscd gone) closes the reader and the context on the next turn, not inside the listener", async () => {
    const context = new Context();
    const driver = new PcscliteDriver({
      create: () => context,
      backoffMs: 60_000,
    });
    const errors: unknown[] = [];
    const stop = driver.watch(
      () => undefined,
      (error) => errors.push(error),
    );
    const reader = new LockingReader('Reader 00');
    context.emit('reader', reader);
    reader.emitLocked(
      'error',
      new Error('SCardGetStatusChange error: Service not available. (0x8010001d)'),
    );
    expect(errors[0]).toBeInstanceOf(PcscUnavailableError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.closedInsideListener).toBe(false);
    expect(reader.closes).toBe(1);
    expect(context.closes).toBe(1);
    stop();
    await driver.close();
  });
});
