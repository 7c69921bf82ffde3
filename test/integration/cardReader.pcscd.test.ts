import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CardApplication } from '../../drivers/pcsc/contract.js';
import { PcscliteDriver } from '../../drivers/pcsc/pcscliteDriver.js';
import { attachToVpcd, type VpcdConnection } from '../../drivers/pcsc/vpcd.js';
import { pcscContractSuite, TestCard } from '../contract/pcsc.js';
import { PcscUnavailableError } from '../../src/errors/index.js';
import { td3Mrz, testPerson } from '../../src/virtualDocument/testProfile.js';
import { emrtdProfile, type EmrtdProfileFixture } from '../support/emrtdProfile.js';
import { expectError, runKiosk, type KioskRun } from '../support/kiosk.js';
import { startKiosk, type KioskProcess } from '../support/kioskProcess.js';
import { Pcscd } from '../support/pcscd.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// Everything that needs pcscd lives in this one file, so that stopping and restarting pcscd here
// cannot disturb another test: real pcscd (DESIGN §3.1) with vsmartcard's vpcd reader driver, and
// cards of our own attached through it (drivers/pcsc/vpcd.ts).
const vpcdReader = 'Virtual PCD 00 00';
let pcscd: Pcscd;

beforeAll(async () => {
  pcscd = await Pcscd.start();
});
afterAll(async () => {
  await pcscd.close();
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

describe('kiosk card read through pcscd, vpcd and the virtual eMRTD', () => {
  let profile: EmrtdProfileFixture;
  let other: EmrtdProfileFixture;
  beforeAll(async () => {
    profile = await emrtdProfile({ seed: 3 });
    // Another document of the same person, under another CSCA: its SOD is signed by a DS the
    // first profile's trust store does not know.
    other = await emrtdProfile({ seed: 3 });
  });

  const card = (extra: string[] = [], dir = profile.dir): Promise<KioskProcess> =>
    startKiosk(
      ['card', 'virtual', '--profile', dir, ...extra],
      /attached to vpcd/,
      tempDir('home-'),
    );
  const read = (mrz: readonly string[] = profile.manifest.mrz, extra: string[] = []): KioskRun => {
    const photo = join(tempDir('photo-'), 'face');
    const run = runKiosk([
      'card',
      'read',
      '--mrz-file',
      inputFile(mrz.join('\n')),
      '--reader',
      vpcdReader,
      '--csca',
      profile.cscaDir,
      '--photo-out',
      photo,
      '--json',
      ...extra,
    ]);
    lastPhoto = photo;
    return run;
  };
  let lastPhoto = '';
  /** Waits until pcscd sees the virtual card in the reader (it polls vpcd). */
  const inserted = async (): Promise<void> => {
    const driver = new PcscliteDriver({ readerPattern: /^Virtual PCD 00 00$/ });
    try {
      await vi.waitFor(
        async () => {
          expect((await driver.readers()).find((r) => r.name === vpcdReader)?.atr).toBeDefined();
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      await driver.close();
    }
  };

  it('returns DG1, the photo byte for byte, and passes PA and AA', async () => {
    const virtual = await card();
    try {
      await inserted();
      const run = read();
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as {
        document: {
          documentNumber: string;
          birthDate: string;
          expiryDate: string;
          primaryIdentifier: string;
        };
        photo: { format: string; sha256: string };
        passiveAuthentication: { ok: boolean };
        activeAuthentication: { ok: boolean };
        verified: boolean;
      };
      expect(result.document).toMatchObject({
        documentNumber: profile.manifest.documentNumber,
        birthDate: profile.manifest.birthDate,
        expiryDate: profile.manifest.expiryDate,
      });
      expect(result.photo.format).toBe('jpeg');
      expect(
        readFileSync(lastPhoto).equals(readFileSync(join(profile.dir, profile.manifest.face))),
      ).toBe(true);
      expect(result.passiveAuthentication.ok).toBe(true);
      expect(result.activeAuthentication.ok).toBe(true);
      expect(result.verified).toBe(true);
    } finally {
      await virtual.stop();
    }
  });

  it('a tampered DG2: read, reported as not verified with the DG2 hash named', async () => {
    const virtual = await card(['--tamper', 'DG2']);
    try {
      await inserted();
      const run = read();
      expectError(run, 'EMRTD_NOT_VERIFIED', /DG2 hash: mismatch/);
      expect(JSON.parse(run.stdout)).toMatchObject({ verified: false });
    } finally {
      await virtual.stop();
    }
  });

  it('a SOD signed by an untrusted Document Signer: the chain fails', async () => {
    const virtual = await card(['--sod', join(other.dir, other.manifest.files['011D'] ?? '')]);
    try {
      await inserted();
      expectError(read(), 'EMRTD_NOT_VERIFIED', /Document Signer chain: issuerNotTrusted/);
    } finally {
      await virtual.stop();
    }
  });

  it('a document whose Document Signer breaks ICAO 9303-12 is not verified, each breach named', async () => {
    // Issue 11 item 14, its reproduction: a DS with CA:TRUE and keyCertSign only, RSA-1024,
    // under a CSCA of another country than DG1's issuing state, over SHA-1 hashes, came out ok.
    const crafted = await emrtdProfile({
      seed: 3,
      badDocumentSigner: { ca: true, rsaBits: 1024 },
      country: 'JP',
      dataGroupHash: 'sha1',
    });
    const virtual = await card([], crafted.dir);
    try {
      await inserted();
      const run = runKiosk([
        'card',
        'read',
        '--mrz-file',
        inputFile(crafted.manifest.mrz.join('\n')),
        '--reader',
        vpcdReader,
        '--csca',
        crafted.cscaDir,
        '--json',
      ]);
      expectError(
        run,
        'EMRTD_NOT_VERIFIED',
        /Document Signer policy: dsIsCa, dsKeyUsage, countryMismatch, weakKey, weakHash/,
      );
      expect(JSON.parse(run.stdout)).toMatchObject({
        verified: false,
        passiveAuthentication: { ok: false, dsChain: { ok: true }, sodSignature: { ok: true } },
      });
    } finally {
      await virtual.stop();
    }
  });

  it('a chip whose answers carry a wrong MAC: the read stops with the secure messaging error', async () => {
    const virtual = await card(['--bad-mac']);
    try {
      await inserted();
      expectError(read(), 'EMRTD_SM_MAC');
    } finally {
      await virtual.stop();
    }
  });

  it('a chip that refuses Active Authentication although DG15 has a key: not verified', async () => {
    const virtual = await card(['--no-aa']);
    try {
      await inserted();
      const run = read();
      expectError(run, 'EMRTD_NOT_VERIFIED', /Active Authentication: refusedByChip/);
      expect(JSON.parse(run.stdout)).toMatchObject({ passiveAuthentication: { ok: true } });
    } finally {
      await virtual.stop();
    }
  });

  it('a wrong MRZ: BAC fails, and the message says what to check', async () => {
    const virtual = await card();
    try {
      await inserted();
      // The same person with another birth date: a valid MRZ (check digits and all) that the
      // chip's BAC keys do not come from.
      const person = testPerson(3);
      const run = read(
        td3Mrz({ ...person, birthDate: person.birthDate === '900101' ? '900102' : '900101' }),
      );
      expectError(run, 'EMRTD_BAC_FAILED');
      // What the visitor is told: check the document number, birth date and expiry.
      expect(run.stderr).toMatch(/check the document number, birth date and expiry date/);
    } finally {
      await virtual.stop();
    }
  });

  it('a card pulled mid-read: CARD_REMOVED; a retry after reinsertion reads the document', async () => {
    const virtual = await card(['--remove-after', '12', '--reinsert-after', '1500']);
    try {
      await inserted();
      expectError(read(), 'CARD_REMOVED');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      await inserted();
      const again = read();
      expect(again.stderr).toBe('');
      expect(JSON.parse(again.stdout)).toMatchObject({ verified: true });
    } finally {
      await virtual.stop();
    }
  });
});
