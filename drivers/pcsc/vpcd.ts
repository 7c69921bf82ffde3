import { connect, type Socket } from 'node:net';
import type { CardApplication } from './contract.js';

/**
 * A card attached to pcscd through vsmartcard's vpcd reader driver (DESIGN §3.2): vpcd listens
 * (0.0.0.0:35963 for its first slot); the card connects and answers. Every message, both ways, is
 * a 2-byte big-endian length and the payload; a 1-byte payload from vpcd is a control (0 power
 * off, 1 power on, 2 reset, 4 get ATR), anything longer an APDU. pcscd asks for the ATR all the
 * time, so answers are immediate. Never on a production kiosk: anyone on the network could insert
 * a card.
 */
export interface VpcdConnection {
  /** Resolves when connected. */
  readonly ready: Promise<void>;
  /** Resolves when the connection ends, whoever ended it (pcscd stopping ends it too). */
  readonly closed: Promise<void>;
  /** Pulls the card: the connection closes (pcscd sees the slot empty). */
  close(): Promise<void>;
}

const control = { powerOff: 0, powerOn: 1, reset: 2, atr: 4 } as const;

export function attachToVpcd(
  card: CardApplication,
  options: { host?: string; port?: number; onError?: (error: unknown) => void } = {},
): VpcdConnection {
  const socket: Socket = connect(options.port ?? 35963, options.host ?? '127.0.0.1');
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let chain = Promise.resolve();
  const send = (payload: Uint8Array): void => {
    const header = Buffer.alloc(2);
    header.writeUInt16BE(payload.length);
    socket.write(Buffer.concat([header, payload]));
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      // A 16-bit length: one message is at most 65535 bytes, so the buffer stays bounded.
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) break;
      const message = new Uint8Array(buffered.subarray(2, 2 + length));
      buffered = buffered.subarray(2 + length);
      // Answers go out in order, even when the card answers asynchronously.
      chain = chain
        .then(async () => {
          if (length === 1) {
            if (message[0] === control.atr) send(card.atr);
            else if (message[0] === control.powerOn || message[0] === control.reset) card.reset();
            return;
          }
          send(await card.respond(message));
        })
        .catch((error: unknown) => {
          options.onError?.(error);
          send(new Uint8Array([0x6f, 0x00]));
        });
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  socket.on('error', (error) => options.onError?.(error));
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  return {
    ready,
    closed,
    close: () =>
      new Promise((resolve) => {
        if (socket.destroyed) {
          resolve();
          return;
        }
        socket.once('close', () => {
          resolve();
        });
        socket.end();
        // A peer that does not close its side must not hold us: the socket goes anyway.
        setTimeout(() => socket.destroy(), 2000).unref();
      }),
  };
}
