import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CardApplication } from '../../drivers/pcsc/card.js';
import { PcscliteDriver } from '../../drivers/pcsc/pcscliteDriver.js';
import { attachToVpcd, type VpcdConnection } from '../../drivers/pcsc/vpcd.js';
import { pcscContractSuite, TestCard } from '../contract/pcsc.js';
import { PcscUnavailableError } from '../../src/errors/index.js';
import { Pcscd } from '../support/pcscd.js';

// Everything that needs pcscd lives in this one file, so that stopping and restarting pcscd here
// cannot disturb another test: real pcscd (DESIGN §3.1) with vsmartcard's vpcd reader driver, and
// cards of our own attached through it (drivers/pcsc/vpcd.ts).
const vpcdReader = 'Virtual PCD 00 00';
let pcscd: Pcscd;

beforeAll(async () => {
  pcscd = await Pcscd.start();
});
afterAll(async () => {
  await pcscd.stop();
});

describe('pcscd + vpcd', () => {
  pcscContractSuite('pcsc-lite through pcscd and vpcd', () => {
    const driver = new PcscliteDriver({ readerPattern: /^Virtual PCD 00 00$/ });
    let attached: VpcdConnection | undefined;
    return Promise.resolve({
      driver,
      reader: vpcdReader,
      insert: async (card: CardApplication) => {
        attached = attachToVpcd(card);
        await attached.ready;
      },
      pull: async () => {
        await attached?.close();
        attached = undefined;
      },
      cleanup: async () => {
        await attached?.close();
        await driver.close();
      },
    });
  });
});

describe('pcscd stopped and started again', () => {
  it('calls fail with PcscUnavailableError while it is down; the driver comes back by itself (skipped when a system pcscd runs: not ours to stop)', async ({
    skip,
  }) => {
    if (!pcscd.owned) skip('a system pcscd is running: not ours to stop');
    const driver = new PcscliteDriver({ readerPattern: /^Virtual PCD 00 00$/, backoffMs: 200 });
    const errors: unknown[] = [];
    const stop = driver.watch(
      () => undefined,
      (e) => errors.push(e),
    );
    const card = attachToVpcd(new TestCard());
    try {
      await card.ready;
      await vi.waitFor(async () => {
        expect((await driver.readers()).find((r) => r.name === vpcdReader)?.atr).toBeDefined();
      });
      await pcscd.stop();
      await vi.waitFor(() => {
        expect(errors.some((e) => e instanceof PcscUnavailableError)).toBe(true);
      });
      await expect(driver.readers()).rejects.toBeInstanceOf(PcscUnavailableError);
      await pcscd.launch();
      const again = attachToVpcd(new TestCard());
      await again.ready;
      await vi.waitFor(
        async () => {
          expect((await driver.readers()).find((r) => r.name === vpcdReader)?.atr).toBeDefined();
        },
        { timeout: 10_000, interval: 200 },
      );
      const transport = await driver.connect(vpcdReader);
      expect(
        Buffer.from(await transport.transmit(new Uint8Array([0, 0xca, 0, 0, 2]))).toString('hex'),
      ).toBe('00019000');
      await transport.close();
      await again.close();
    } finally {
      stop();
      await card.close();
      await driver.close();
    }
  });
});
