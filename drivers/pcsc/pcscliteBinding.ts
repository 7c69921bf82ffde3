import type { EventEmitter } from 'node:events';

// The slice of the `pcsclite` package (1.0.1, CommonJS without types) the driver uses, typed
// structurally so tests can stand in for it.

export interface ReaderStatus {
  /** SCARD_STATE_* flags; pcsc-lite puts an event counter in the high 16 bits (DESIGN §3.1). */
  readonly state: number;
  readonly atr?: Buffer;
}

export interface NativeReader extends EventEmitter {
  readonly name: string;
  readonly connected: boolean;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_STATE_EMPTY: number;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_LEAVE_CARD: number;
  connect(
    options: { share_mode: number; protocol?: number },
    cb: (error: Error | undefined, protocol: number) => void,
  ): void;
  disconnect(disposition: number, cb: (error: Error | undefined) => void): void;
  transmit(
    data: Buffer,
    responseLength: number,
    protocol: number,
    cb: (error: Error | undefined, data: Buffer) => void,
  ): void;
  close(): void;
}

export interface NativePcsc extends EventEmitter {
  close(): void;
}

export type PcscFactory = () => NativePcsc;
