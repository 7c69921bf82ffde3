import { afterAll, beforeAll, expect } from 'vitest';
import type { PcscDriver } from '../../drivers/pcsc/contract.js';
import type { TokenDriver } from '../../drivers/pkcs11/contract.js';
import { FakeTokenDriver } from '../../drivers/pkcs11/fake.js';
import type { UsbDriveDriver } from '../../drivers/usbdrive/contract.js';
import { FakeUsbDrives } from '../../drivers/usbdrive/fake.js';
import { defaultConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import type { Devices } from '../../src/service/devices.js';
import type { KeySecret, Medium, ServiceContext } from '../../src/service/medium.js';
import { issue } from '../../src/service/issue.js';
import { list } from '../../src/service/list.js';
import type { ProgressEvent, Step } from '../../src/service/progress.js';
import { FakeCa } from './fakeCa.js';
import { tempDir } from './tempDir.js';

// A service context over a fake CA and one medium of a kind, for the service's own tests: the
// same shape the kiosk builds from real devices (src/service/devices.ts).

export type MediumKind = Medium['kind'];

export type Material = Awaited<ReturnType<typeof FakeCa.newMaterial>>;

export const servicePin = '135790';

/** A token driver whose close() does nothing: the test keeps using the same fake token. */
function kept(driver: TokenDriver): TokenDriver {
  return new Proxy(driver, {
    get(target, property, receiver) {
      if (property === 'close') return () => Promise.resolve();
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

export interface ServiceWorld {
  readonly ctx: ServiceContext;
  /** The fake token and drives behind the world (when it uses them), for the test's hands. */
  readonly fakeToken: FakeTokenDriver;
  readonly fakeDrives: FakeUsbDrives;
  readonly ca: FakeCa;
  readonly medium: Medium;
  readonly secret: KeySecret;
  /** The serials of the certificates on the medium now. */
  serials(): Promise<string[]>;
  close(): Promise<void>;
}

/** A real token instead of the fake: a driver per use (closed after, as the kiosk does). */
export interface RealToken {
  readonly open: () => TokenDriver;
  readonly label: string;
  readonly pin: string;
}

/**
 * One medium of `kind` (a temporary folder, a fake USB drive, a fake token) and a fake CA with
 * `material`; `drives` replaces the fake USB drives (the real driver over image files).
 */
export async function serviceWorld(
  kind: MediumKind,
  material: Material,
  options: {
    drives?: UsbDriveDriver;
    device?: string;
    token?: RealToken;
    config?: Config;
    /** The card readers (a fake one with the virtual eMRTD, for a whole visit). */
    pcsc?: PcscDriver;
  } = {},
): Promise<ServiceWorld> {
  // The CA's renewal window opened to a fresh certificate (the kiosk's is set alike below).
  const ca = await FakeCa.create({ material, renewalWindowDays: 366 });
  const fake = new FakeTokenDriver();
  fake.addToken({ label: 'visitor', serial: '0011', pin: servicePin });
  const real = options.token;
  const withTokenDriver: Devices['withTokenDriver'] = async (_label, _module, work) => {
    if (real === undefined) return work(kept(fake));
    const driver = real.open();
    try {
      return await work(driver);
    } finally {
      await driver.close();
    }
  };
  const fakeDrives = new FakeUsbDrives();
  fakeDrives.plug({ device: '/dev/sdz' });
  const drives = options.drives ?? fakeDrives;
  const device = options.device ?? '/dev/sdz';
  const unused = (): never => {
    throw new Error('not in this test');
  };
  const readers = options.pcsc;
  const devices: Devices = {
    usbDrives: () => drives,
    tokenModules: () => Promise.resolve({ kind: 'fixed', module: 'fake' }),
    openTokenDriver: () => (real === undefined ? kept(fake) : real.open()),
    withTokenDriver,
    pcsc: readers === undefined ? unused : () => readers,
    usbHotplug: unused,
    cmpTransport: () => ca,
    attachVirtualCard: unused,
    close: () => Promise.resolve(),
  };
  const base = options.config ?? defaultConfig();
  const config: Config = { ...base, npki: { ...base.npki, renewalWindowDays: 366 } };
  const ctx: ServiceContext = {
    devices,
    config,
    log: createLogger({ level: 'silent', destination: null }),
    now: () => new Date(),
  };
  const medium: Medium =
    kind === 'dir'
      ? { kind, path: tempDir('service-') }
      : kind === 'usb'
        ? { kind, device }
        : { kind, label: real?.label ?? 'visitor' };
  const secret: KeySecret =
    kind === 'token'
      ? { kind: 'pin', bytes: Buffer.from(real?.pin ?? servicePin) }
      : { kind: 'password', bytes: Buffer.from('Kiosk!2345') };
  return {
    ctx,
    fakeToken: fake,
    fakeDrives,
    ca,
    medium,
    secret,
    close: () => devices.close(),
    serials: async () => {
      const found = await list(ctx, { medium }).catch(() => ({ certificates: [] }));
      return found.certificates.flatMap((c) => (c.ok ? [c.facts.serial] : []));
    },
  };
}

/** A registration at the world's CA and an issuance onto its medium, run with a signal. */
export function issuanceIn(w: ServiceWorld) {
  const { ref, authCode } = w.ca.register('홍길동', '9001011234568');
  const raEncryption = w.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('the fake CA has no RA certificate');
  const run = (signal?: AbortSignal, onProgress?: (step: Step, event: ProgressEvent) => void) =>
    issue(w.ctx, {
      medium: w.medium,
      ca: { url: 'http://ca.invalid/', trust: w.ca.trust, raEncryption },
      ref,
      authCode: Buffer.from(authCode),
      secret: w.secret,
      idn: '9001011234568',
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined
        ? {}
        : {
            onProgress: (e) => {
              onProgress(e.step, e);
            },
          }),
    });
  return { ref, run };
}

/** Runs `operation` with a signal aborted as step `at` is reported; its steps and outcome. */
export async function cancelledAt<T>(
  at: Step,
  operation: (signal: AbortSignal, onProgress: (step: Step) => void) => Promise<T>,
): Promise<{ seen: Step[]; outcome: { ok: true; value: T } | { ok: false; error: unknown } }> {
  const controller = new AbortController();
  const seen: Step[] = [];
  const outcome = await operation(controller.signal, (s) => {
    seen.push(s);
    if (s === at) controller.abort();
  }).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { seen, outcome };
}

/**
 * Worlds made by `make` in a describe block: the CA material made once before its tests, every
 * world closed after them.
 */
export function worldsFor(make: (material: Material) => Promise<ServiceWorld>) {
  let material: Material;
  const worlds: ServiceWorld[] = [];
  beforeAll(async () => {
    material = await FakeCa.newMaterial();
  }, 60_000);
  afterAll(async () => {
    for (const w of worlds) {
      w.ca.close();
      await w.close();
    }
  });
  return async (): Promise<ServiceWorld> => {
    const w = await make(material);
    worlds.push(w);
    return w;
  };
}

/** `w` with one certificate issued onto its medium; what the CA receives from here on. */
export async function holdingIn(w: ServiceWorld) {
  const issued = await issuanceIn(w).run();
  const base = w.ca.bodyTypes.length;
  return { w, serial: issued.facts.serial, later: () => w.ca.bodyTypes.slice(base) };
}

/** Progress counts the steps: each event says how many are behind it, out of the same total. */
export function expectCounted(events: readonly ProgressEvent[]): void {
  expect(events.map((e) => e.done)).toEqual(events.map((_e, i) => i));
  expect(new Set(events.map((e) => e.total))).toEqual(new Set([events.length]));
}
