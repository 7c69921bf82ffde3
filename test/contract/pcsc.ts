import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CardApplication, PcscDriver, ReaderEvent } from '../../drivers/pcsc/contract.js';
import { CardRemovedError, NoCardError } from '../../src/errors/index.js';

/** A driver with one reader of its own, and hands to put a card in and pull it out. */
export interface PcscTarget {
  readonly driver: PcscDriver;
  readonly reader: string;
  insert(card: CardApplication): Promise<void>;
  pull(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * A test card: answers `00 CA 00 00 Le` (GET DATA) with Le bytes 0..Le-1 and 9000; T=0 style, it
 * answers `00 CA 01 00 00` with 6108 and the GET RESPONSE that follows with 8 bytes, and
 * `00 CA 02 00 00` (Le 0) with 6C04 and the same command with Le 4 with 4 bytes. Everything else:
 * 6D00 (instruction not supported).
 */
export class TestCard implements CardApplication {
  readonly atr = new Uint8Array([0x3b, 0x88, 0x80, 0x01, 0x4b, 0x49, 0x4f, 0x53, 0x4b, 0, 0, 0x6b]);
  readonly seen: string[] = [];
  resets = 0;

  reset(): void {
    this.resets++;
  }

  respond(apdu: Uint8Array): Uint8Array {
    const hex = Buffer.from(apdu).toString('hex');
    this.seen.push(hex);
    const ok = (data: number[]): Uint8Array => new Uint8Array([...data, 0x90, 0x00]);
    const count = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    if (hex === '00ca010000') return new Uint8Array([0x61, 0x08]);
    if (hex === '00c0000008') return ok(count(8).map((i) => 0xa0 + i));
    if (hex === '00ca020000') return new Uint8Array([0x6c, 0x04]);
    if (hex === '00ca020004') return ok([1, 2, 3, 4]);
    if (apdu.length === 5 && hex.startsWith('00ca0000')) return ok(count(apdu[4] ?? 0));
    return new Uint8Array([0x6d, 0x00]);
  }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** What every PcscDriver does (drivers/pcsc/contract.ts): the fake here, pcscd + vpcd there. */
export function pcscContractSuite(name: string, makeTarget: () => Promise<PcscTarget>): void {
  describe(`PC/SC contract: ${name}`, () => {
    let target: PcscTarget;
    beforeEach(async () => {
      target = await makeTarget();
    });
    afterEach(async () => {
      await target.cleanup();
    });

    it('reports the reader, and a card arriving with its ATR and leaving', async () => {
      const events: ReaderEvent[] = [];
      const stop = target.driver.watch((e) => events.push(e));
      try {
        await vi.waitFor(async () => {
          expect((await target.driver.readers()).map((r) => r.name)).toContain(target.reader);
        });
        const card = new TestCard();
        await target.insert(card);
        await vi.waitFor(() => {
          expect(events).toContainEqual({
            type: 'card-inserted',
            reader: target.reader,
            atr: card.atr,
          });
        });
        await target.pull();
        await vi.waitFor(() => {
          expect(events).toContainEqual({ type: 'card-removed', reader: target.reader });
        });
      } finally {
        stop();
      }
    });

    it('connects and exchanges APDUs; T=0 61xx and 6Cxx are handled below the contract', async () => {
      const card = new TestCard();
      await target.insert(card);
      const transport = await target.driver.connect(target.reader);
      try {
        expect(hex(transport.atr)).toBe(hex(card.atr));
        expect(hex(await transport.transmit(new Uint8Array([0, 0xca, 0, 0, 3])))).toBe(
          '0001029000',
        );
        expect(hex(await transport.transmit(new Uint8Array([0, 0xca, 1, 0, 0])))).toBe(
          'a0a1a2a3a4a5a6a79000',
        );
        expect(hex(await transport.transmit(new Uint8Array([0, 0xca, 2, 0, 0])))).toBe(
          '010203049000',
        );
        expect(hex(await transport.transmit(new Uint8Array([0x80, 0x99, 0, 0])))).toBe('6d00');
      } finally {
        await transport.close();
      }
    });

    it('a card pulled between commands: CardRemovedError on the next one', async () => {
      await target.insert(new TestCard());
      const transport = await target.driver.connect(target.reader);
      try {
        await transport.transmit(new Uint8Array([0, 0xca, 0, 0, 1]));
        await target.pull();
        await expect(transport.transmit(new Uint8Array([0, 0xca, 0, 0, 1]))).rejects.toBeInstanceOf(
          CardRemovedError,
        );
      } finally {
        await transport.close();
      }
    });

    it('an aborted signal stops a command before it reaches the card', async () => {
      const card = new TestCard();
      await target.insert(card);
      const transport = await target.driver.connect(target.reader);
      try {
        await transport.transmit(new Uint8Array([0, 0xca, 0, 0, 1]));
        const sent = card.seen.length;
        const error = await transport
          .transmit(new Uint8Array([0, 0xca, 0, 0, 2]), AbortSignal.abort())
          .catch((e: unknown) => e);
        expect((error as Error).name).toBe('AbortError');
        expect(card.seen).toHaveLength(sent);
        // The transport is still good for the next command.
        expect(hex(await transport.transmit(new Uint8Array([0, 0xca, 0, 0, 2])))).toBe('00019000');
      } finally {
        await transport.close();
      }
    });

    it('no card on the reader: NoCardError', async () => {
      await expect(target.driver.connect(target.reader)).rejects.toBeInstanceOf(NoCardError);
    });
  });
}
