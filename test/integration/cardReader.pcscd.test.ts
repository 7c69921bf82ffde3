import { afterAll, beforeAll, describe } from 'vitest';
import type { CardApplication } from '../../drivers/pcsc/card.js';
import { PcscliteDriver } from '../../drivers/pcsc/pcscliteDriver.js';
import { attachToVpcd, type VpcdConnection } from '../../drivers/pcsc/vpcd.js';
import { pcscContractSuite } from '../contract/pcsc.js';
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
