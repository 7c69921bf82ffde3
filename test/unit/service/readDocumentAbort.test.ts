import { beforeAll, describe, expect, it } from 'vitest';
import type { ApduTransport, PcscDriver } from '../../../drivers/pcsc/contract.js';
import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import type { ReadProgress } from '../../../drivers/emrtd/reader.js';
import { defaultConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import type { Devices } from '../../../src/service/devices.js';
import { readDocument } from '../../../src/service/document.js';
import { loadProfile } from '../../../src/virtualDocument/profile.js';
import { generateTestProfile, writeTestProfile } from '../../../src/virtualDocument/testProfile.js';
import {
  VirtualEmrtd,
  type VirtualEmrtdOptions,
} from '../../../src/virtualDocument/virtualCard.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 12: the caller's signal reaches the chip read between APDUs. Cancelled as any progress
// report arrives, the read stops there (not one APDU more), fails as aborted, and lets the card go;
// the next read of the same card succeeds.

const reader = 'Fake Reader 00 00';

async function chipWorld() {
  const profile = await generateTestProfile({ seed: 3 });
  const dir = tempDir('chip-abort-');
  await writeTestProfile(profile, dir);
  const options: VirtualEmrtdOptions = await loadProfile(dir);
  const card = new VirtualEmrtd(options);
  let apdus = 0;
  const pcsc = new FakePcscDriver();
  pcsc.addReader(reader);
  pcsc.insert(reader, {
    atr: card.atr,
    reset: () => {
      card.reset();
    },
    respond: (apdu) => {
      apdus++;
      return card.respond(apdu);
    },
  });
  let open = 0;
  const counted: PcscDriver = Object.assign(Object.create(pcsc) as PcscDriver, {
    connect: async (name?: string): Promise<ApduTransport> => {
      const transport = await pcsc.connect(name);
      open++;
      return {
        ...transport,
        reader: transport.reader,
        atr: transport.atr,
        get extendedLength() {
          return transport.extendedLength;
        },
        transmit: (apdu: Uint8Array, signal?: AbortSignal) => transport.transmit(apdu, signal),
        noteExtendedLengthRefused: () => {
          transport.noteExtendedLengthRefused();
        },
        close: async () => {
          open--;
          await transport.close();
        },
      };
    },
  });
  const unused = (): never => {
    throw new Error('not in this test');
  };
  const devices: Devices = {
    usbDrives: unused,
    tokenModules: unused,
    openTokenDriver: unused,
    withTokenDriver: unused,
    pcsc: () => counted,
    usbHotplug: unused,
    cmpTransport: unused,
    attachVirtualCard: unused,
    close: () => Promise.resolve(),
  };
  const ctx = {
    devices,
    config: defaultConfig(),
    log: createLogger({ level: 'silent', destination: null }),
    now: () => new Date(),
  };
  return {
    ctx,
    mrz: profile.mrz,
    apdus: () => apdus,
    open: () => open,
  };
}

describe('service readDocument cancelled between APDUs', () => {
  let world: Awaited<ReturnType<typeof chipWorld>>;
  let reports: ReadProgress[];
  beforeAll(async () => {
    world = await chipWorld();
    reports = [];
    const reading = await readDocument(world.ctx, {
      mrz: world.mrz,
      onProgress: (p) => reports.push(p),
    });
    expect(reading.document.documentNumber).toBeTruthy();
  }, 60_000);

  it('reports progress file by file, bytes growing to each file’s total', () => {
    expect(reports.length).toBeGreaterThan(4);
    for (const [i, p] of reports.entries()) {
      expect(p.bytesRead).toBeLessThanOrEqual(p.total);
      const before = reports[i - 1];
      if (before?.fid === p.fid) expect(p.bytesRead).toBeGreaterThan(before.bytesRead);
    }
    expect(world.open()).toBe(0);
  });

  it('stops at each report: no APDU after it, aborted, the card let go, the next read whole', async () => {
    // First, middle and last report, and each file's first.
    const picks = new Set([0, Math.floor(reports.length / 2), reports.length - 1]);
    for (const [i, p] of reports.entries()) if (reports[i - 1]?.fid !== p.fid) picks.add(i);
    for (const at of picks) {
      const controller = new AbortController();
      let seen = 0;
      let apdusAtAbort = -1;
      const outcome = await readDocument(world.ctx, {
        mrz: world.mrz,
        signal: controller.signal,
        onProgress: () => {
          if (seen++ === at) {
            apdusAtAbort = world.apdus();
            controller.abort();
          }
        },
      }).then(
        () => 'completed',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      expect(outcome, `cancelled at report ${at}`).toBe('AbortError');
      expect(world.apdus(), `APDUs after report ${at}`).toBe(apdusAtAbort);
      expect(world.open()).toBe(0);
    }
    const again = await readDocument(world.ctx, { mrz: world.mrz });
    expect(again.passiveAuthentication.ok || 'skipped' in again.passiveAuthentication).toBe(true);
    expect(world.open()).toBe(0);
  }, 120_000);
});
