import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { DriveIdentity } from '../../../drivers/usbdrive/contract.js';
import { RealUsbDrives } from '../../../drivers/usbdrive/realUsbDrives.js';
import { kioskMachine } from '../../../machines/kiosk.js';
import type { InventoryItem } from '../../../src/certificates/inventory.js';
import {
  DriveCertificateCache,
  readDriveCertificates,
  serviceDriveReader,
  summaryOf,
  type DriveCertificates,
  type ReadDrive,
} from '../../../src/kiosk/driveCertificates.js';
import { startKiosk, type KioskView } from '../../../src/kiosk/run/kiosk.js';
import { driveCertificatesText } from '../../../src/kiosk/screens/mediaItems.js';
import { screenModel } from '../../../src/kiosk/screens/model.js';
import { watchDrives, type DriveDetails } from '../../../src/kiosk/watchers.js';
import { createLogger } from '../../../src/log/logger.js';
import { layout } from '../../../ui/blessed/layout.js';
import type { ScreenModel } from '../../../ui/contract.js';
import { textWidth } from '../../../ui/text/width.js';
import { FakeCa } from '../../support/fakeCa.js';
import { formatImage, fatFormats } from '../../support/fatImages.js';
import { chooseMedium, kiosk, walkToStorage } from '../../support/kioskWorld.js';
import { answering, closeServer, setupOver, untilView } from '../../support/runningKiosk.js';
import { handMadeVisit, hostile, viewWith } from '../../support/screenVisits.js';
import { issuanceIn, serviceWorld, type Material } from '../../support/serviceWorld.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 15, the storage choice: "drive size and the certificates already on it". A FAT drive's
// certificates are listed through the service's own listing (src/service/list.ts, `kiosk cert
// list --storage usb:`) as it arrives, before the kiosk hears of it, and again after a visit that
// used it; the pick line says how many, whose and until when, cut to fit 80 columns.

const log = createLogger({ level: 'silent', destination: null });
const inside = { width: 76, height: 22 };
const rows = (m: ScreenModel): string[] =>
  layout(m, inside.width, inside.height).map((r) => r.segments.map((s) => s.text).join(''));

// A FAT32 image (mkfs.vfat) in an image folder with the pair of one issuance on it.
let material: Material;
let imageFolder: string;
let image: string;
let blank: string;
let issued: { serial: string; notAfter: string };

beforeAll(async () => {
  material = await FakeCa.newMaterial();
  imageFolder = tempDir('drive-certs-');
  image = join(imageFolder, 'stick.img');
  formatImage(fatFormats[32], imageFolder);
  // formatImage names it by its FAT type; the drive is the folder's `*.img`.
  renameSync(join(imageFolder, 'fat32.img'), image);
  // Not a file system at all: not FAT, never listed.
  blank = join(imageFolder, 'blank.img');
  writeFileSync(blank, Buffer.alloc(4 * 1024 * 1024));
  const world = await serviceWorld('usb', material, { drives: imageDrives(), device: image });
  try {
    const facts = (await issuanceIn(world).run()).facts;
    issued = { serial: facts.serial, notAfter: facts.notAfter };
  } finally {
    world.ca.close();
    await world.close();
  }
}, 120_000);

/** The real drive code over the image folder (and an empty sysfs: no host disk is looked at). */
function imageDrives(): RealUsbDrives {
  return new RealUsbDrives({
    maxBytes: 128 * 1024 * 1024,
    allowImageFiles: true,
    imageFolder,
    sysRoot: tempDir('no-sysfs-'),
  });
}

describe('the certificates on a FAT image, listed by the service', () => {
  it('counts the pair and names its holder with the date it is valid until', async () => {
    const world = await serviceWorld('usb', material, { drives: imageDrives(), device: image });
    try {
      const found = await readDriveCertificates(serviceDriveReader(world.ctx), image);
      expect(found).toEqual({
        count: 1,
        holders: [{ name: '홍길동', validUntil: issued.notAfter.slice(0, 10) }],
      });
      // Secret-free: no serial, no key, no folder name.
      expect(JSON.stringify(found)).not.toContain(issued.serial);
      // A drive that is not there (or not FAT): no summary, no error.
      expect(
        await readDriveCertificates(serviceDriveReader(world.ctx), join(imageFolder, 'gone.img')),
      ).toBeUndefined();
    } finally {
      world.ca.close();
      await world.close();
    }
  });

  it('the drive watcher tells the count before the kiosk hears of the drive', async () => {
    const world = await serviceWorld('usb', material, { drives: imageDrives(), device: image });
    const drives = imageDrives();
    const heard: ReadonlyMap<string, DriveDetails>[] = [];
    const cache = new DriveCertificateCache(serviceDriveReader(world.ctx), { log });
    const actor = createActor(
      kioskMachine.provide({
        actors: {
          watchDrives: watchDrives(drives, log, (details) => heard.push(details), cache),
          checkCa: fromPromise(() => Promise.resolve(undefined)),
        },
      }),
    ).start();
    try {
      await vi.waitFor(() => {
        expect(actor.getSnapshot().context.drives).toEqual([blank, image]);
      });
      // The first details heard already carry the listing: no view shows the drive without it.
      expect(heard).toHaveLength(1);
      expect(heard[0]?.get(image)?.certificates).toEqual({
        count: 1,
        holders: [{ name: '홍길동', validUntil: issued.notAfter.slice(0, 10) }],
      });
      expect(heard[0]?.get(blank)).toMatchObject({ needsFormat: true });
      expect(heard[0]?.get(blank)?.certificates).toBeUndefined();
    } finally {
      actor.stop();
      world.ca.close();
      await world.close();
    }
  });
});

describe('listing bounded, cached, and read again only when told', () => {
  const drive = (device: string, filesystem = 'fat32'): DriveIdentity => ({
    device,
    kind: 'block',
    sizeBytes: 8e9,
    removable: true,
    filesystem,
    serial: 'S1',
  });
  const item = (name: string, notAfter: string): InventoryItem =>
    ({
      id: name,
      caFolder: 'yessign',
      hasKey: true,
      ok: true,
      facts: { name, notAfter },
    }) as unknown as InventoryItem;

  it('gives up a drive that does not answer in time, and one that fails, without an error', async () => {
    const never: ReadDrive = (_device, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(signal.reason as Error);
        });
      });
    const started = performance.now();
    expect(await readDriveCertificates(never, '/dev/sdx', { timeoutMs: 50 })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
    const failing: ReadDrive = () => Promise.reject(new Error('I/O error'));
    expect(await readDriveCertificates(failing, '/dev/sdx')).toBeUndefined();
  });

  it('keeps the readable ones, latest first, a few holders, names without the NPKI suffix', () => {
    const items = [
      item('홍길동()0011234567891234', '2027-12-04T14:59:59.000Z'),
      {
        id: 'x',
        caFolder: 'yessign',
        hasKey: false,
        ok: false,
        error: { code: 'c', message: 'm' },
      },
      ...['김철수', '이영희', '박민수', '최지우'].map((n, i) =>
        item(n, `2026-0${String(i + 1)}-01T00:00:00.000Z`),
      ),
    ] as InventoryItem[];
    expect(summaryOf(items)).toEqual({
      count: 5,
      holders: [
        { name: '홍길동', validUntil: '2027-12-04' },
        { name: '최지우', validUntil: '2026-04-01' },
        { name: '박민수', validUntil: '2026-03-01' },
        { name: '이영희', validUntil: '2026-02-01' },
      ],
    });
  });

  it('reads a drive once while it stays, not at all if not FAT, again when told', async () => {
    const reads: string[] = [];
    const read: ReadDrive = (device) => {
      reads.push(device);
      return Promise.resolve([item('홍길동', '2027-12-04T00:00:00Z')]);
    };
    const cache = new DriveCertificateCache(read, {});
    const told = vi.fn();
    cache.onAgain(told);
    expect((await cache.of(drive('/dev/sdx')))?.count).toBe(1);
    expect((await cache.of(drive('/dev/sdx')))?.count).toBe(1);
    expect(await cache.of(drive('/dev/sdy', 'none'))).toBeUndefined();
    // Formatted during a visit: still not read while the visit may be writing to it.
    expect(await cache.of(drive('/dev/sdy', 'fat32'))).toBeUndefined();
    expect(reads).toEqual(['/dev/sdx']);
    cache.again('/dev/sdy');
    expect(told).toHaveBeenCalledTimes(1);
    expect((await cache.of(drive('/dev/sdy')))?.count).toBe(1);
    // Pulled out and put back: read again.
    cache.keepOnly([drive('/dev/sdy')]);
    await cache.of(drive('/dev/sdx'));
    expect(reads).toEqual(['/dev/sdx', '/dev/sdy', '/dev/sdx']);
  });
});

describe('the storage pick line', () => {
  const storageView = (certificates?: DriveCertificates, more: Partial<KioskView> = {}) =>
    viewWith(
      handMadeVisit({
        flow: 'storage',
        children: { storage: { value: 'choosing', context: {} } },
      }),
      {
        driveDetails: {
          '/dev/sdz': {
            sizeBytes: 15_518_924_800,
            filesystem: 'fat32',
            needsFormat: false,
            vendor: 'SanDisk',
            product: 'Cruzer Blade',
            ...(certificates === undefined ? {} : { certificates }),
          },
        },
        ...more,
      },
    );
  const driveOf = (m: ScreenModel): string =>
    m.pick?.items.find((i) => i.id === 'usb:/dev/sdz')?.detail ?? '';
  const line = (m: ScreenModel) => rows(m).find((r) => r.includes('SanDisk')) ?? '';

  it('says how many, whose and until when, in Korean and English', () => {
    const two: DriveCertificates = {
      count: 2,
      holders: [
        { name: '홍길동', validUntil: '2027-12-04' },
        { name: '김철수', validUntil: '2026-01-02' },
      ],
    };
    // A drive named by its path leaves the detail column the room for the dates.
    const bare = (c: DriveCertificates, lang: 'ko' | 'en') =>
      screenModel(
        storageView(c, {
          tokens: [],
          driveDetails: {
            '/dev/sdz': {
              sizeBytes: 8e9,
              filesystem: 'fat32',
              needsFormat: false,
              certificates: c,
            },
          },
        }),
        lang,
      );
    const ko = bare(two, 'ko');
    expect(driveOf(ko)).toBe('8.0 GB, 인증서 2개 (홍길동, 김철수)');
    const one = bare({ count: 1, holders: two.holders.slice(0, 1) }, 'ko');
    expect(driveOf(one)).toBe('8.0 GB, 인증서 1개 (홍길동 2027-12-04 까지)');
    const row = rows(one).find((r) => r.includes('/dev/sdz')) ?? '';
    expect(row.endsWith('8.0 GB, 인증서 1개 (홍길동 2027-12-04 까지)')).toBe(true);
    expect(textWidth(row)).toBeLessThanOrEqual(inside.width);
    expect(driveOf(bare({ count: 1, holders: two.holders.slice(0, 1) }, 'en'))).toBe(
      '8.0 GB, 1 certificate (홍길동 until 2027-12-04)',
    );
    // A long make: the names without their dates, still whole on the row.
    const named = screenModel(storageView(two), 'ko');
    expect(driveOf(named)).toBe('15.5 GB, 인증서 2개 (홍길동, 김철수)');
    expect(line(named).endsWith('15.5 GB, 인증서 2개 (홍길동, 김철수)')).toBe(true);
  });

  it('cuts the holders to fit 80 columns and counts the rest; names are outside text', () => {
    const many: DriveCertificates = {
      count: 9,
      holders: [
        { name: hostile, validUntil: '2027-12-04' },
        { name: '남궁민수', validUntil: '2027-01-01' },
        { name: '황보영희', validUntil: '2026-06-30' },
        { name: '독고진', validUntil: '2026-01-02' },
      ],
    };
    const bare = storageView(many, {
      tokens: [],
      driveDetails: {
        '/dev/sdz': { sizeBytes: 8e9, filesystem: 'fat32', needsFormat: false, certificates: many },
      },
    });
    for (const lang of ['ko', 'en'] as const)
      for (const view of [storageView(many), bare]) {
        const m = screenModel(view, lang);
        const detail = driveOf(m);
        const row = rows(m).find((r) => r.includes('USB')) ?? '';
        // Whole: the layout had nothing to cut.
        expect(row.endsWith(detail), row).toBe(true);
        expect(textWidth(row)).toBeLessThanOrEqual(inside.width);
        for (const glyph of ['\u001b', '\u202e', '\u00b7', '\u203b', '\u2460', '\u2026'])
          expect(detail).not.toContain(glyph);
      }
    // A long make leaves room for the count; a short name for the first holders, the rest counted.
    expect(driveOf(screenModel(storageView(many), 'ko'))).toBe('15.5 GB, 인증서 9개');
    expect(driveOf(screenModel(bare, 'ko'))).toMatch(/^8\.0 GB, 인증서 9개 \(HONG.*, 외 8개\)$/);
    expect(driveOf(screenModel(bare, 'en'))).toMatch(
      /^8\.0 GB, 9 certificates \(HONG.*, 8 more\)$/,
    );
    // No room for any name: the count alone.
    expect(driveCertificatesText('15.5 GB', many, 'ko', 20)).toBe('15.5 GB, 인증서 9개');
  });

  it('shows no count for a drive not read, nor for one without certificates', () => {
    for (const certificates of [undefined, { count: 0, holders: [] }]) {
      const m = screenModel(storageView(certificates), 'ko');
      expect(driveOf(m)).toBe('15.5 GB FAT32, 암호화 파일로 저장');
    }
  });
});

describe('a running kiosk lists a drive again after a visit wrote to it', () => {
  const servers: import('node:http').Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
  });

  it('from no certificate to the one the visit issued', async () => {
    const server = await answering();
    servers.push(server);
    const { world, profile, close } = await kiosk('usb');
    const running = await startKiosk(world.ctx, {
      setup: setupOver(world, server),
    });
    try {
      const ready = await untilView(running, (v) => v.state === 'ready' && v.drives.length === 1);
      expect(ready.driveDetails?.['/dev/sdz']?.certificates).toEqual({ count: 0, holders: [] });
      running.send({ type: 'kiosk.visitor' });
      const visit = running.visit();
      if (visit === undefined) throw new Error('no visit');
      await walkToStorage(visit, profile);
      chooseMedium(visit, 'usb');
      await untilView(running, (v) => v.visit?.matches({ flow: 'done' }) === true);
      // Still the arrival's listing while the visit lasts.
      expect(running.snapshot().driveDetails?.['/dev/sdz']?.certificates?.count).toBe(0);
      visit.send({ type: 'visitor.finish' });
      await visit.ended;
      const after = await untilView(
        running,
        (v) => v.driveDetails?.['/dev/sdz']?.certificates?.count === 1,
      );
      expect(after.driveDetails?.['/dev/sdz']?.certificates?.holders[0]?.name).toBe('홍길동');
    } finally {
      await running.close();
      close();
    }
  }, 60_000);
});
