import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTokenDriver } from '../../../drivers/pkcs11/fakePkcs11.js';
import { FakeUsbDrives } from '../../../drivers/usbdrive/fakeUsbDrives.js';
import { defaultConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import type { Devices } from '../../../src/service/devices.js';
import { issue } from '../../../src/service/issue.js';
import type { KeySecret, Medium, ServiceContext } from '../../../src/service/medium.js';
import type { Step } from '../../../src/service/progress.js';
import { spentOf, type Spent } from '../../../src/service/spent.js';
import { readPairs } from '../../../src/storage/driveNpki.js';
import { FakeCa } from '../../support/fakeCa.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 12 acceptance: issuance on each medium, cancelled as each step begins. Before the CA is
// asked nothing is spent (the CA sees no ir, the reference is still good); once a certificate has
// arrived it is refused (certConf rejection) and the medium holds nothing of it; once the write
// has begun the operation completes and the CA is told. Progress arrives in order.

const config = defaultConfig();
const pin = '135790';
let material: Awaited<ReturnType<typeof FakeCa.newMaterial>>;
const cas: FakeCa[] = [];
beforeAll(async () => {
  material = await FakeCa.newMaterial();
}, 60_000);
afterAll(() => {
  for (const ca of cas) ca.close();
});

type Kind = Medium['kind'];

/** One medium of each kind, the fake CA, and the service context over fake devices. */
async function world(kind: Kind) {
  const ca = await FakeCa.create({ material });
  cas.push(ca);
  const token = new FakeTokenDriver();
  token.addToken({ label: 'visitor', serial: '0011', pin });
  const drives = new FakeUsbDrives();
  drives.plug({ device: '/dev/sdz' });
  const unused = (): never => {
    throw new Error('not in this test');
  };
  const devices: Devices = {
    usbDrives: () => drives,
    openUsbDrive: (device) => drives.open(device),
    tokenModules: unused,
    openTokenDriver: unused,
    withTokenDriver: (_label, _module, work) => work(token),
    pcsc: unused,
    usbHotplug: unused,
    cmpTransport: () => ca,
    close: () => Promise.resolve(),
  };
  const ctx: ServiceContext = {
    devices,
    config,
    log: createLogger({ level: 'silent', destination: null }),
    now: () => new Date(),
  };
  const dir = tempDir('service-issue-');
  const medium: Medium =
    kind === 'dir'
      ? { kind, path: dir }
      : kind === 'usb'
        ? { kind, device: '/dev/sdz' }
        : { kind, label: 'visitor' };
  const secret: KeySecret =
    kind === 'token'
      ? { kind: 'pin', bytes: Buffer.from(pin) }
      : { kind: 'password', bytes: Buffer.from('Kiosk!2345') };
  const { ref, authCode } = ca.register('홍길동', '9001011234568');
  const raEncryption = ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('the fake CA has no RA certificate');
  /** What the medium holds now: NPKI folders, or the token's finished and pending objects. */
  const held = async (): Promise<number> => {
    if (kind === 'dir') return existsSync(join(dir, 'NPKI')) ? 1 : 0;
    if (kind === 'usb') return (await readPairs(await drives.open('/dev/sdz'))).length;
    const session = await token.open({ label: 'visitor' });
    try {
      return (await session.listObjects()).filter((o) => o.kind === 'certificate').length;
    } finally {
      await session.close();
    }
  };
  const run = (signal?: AbortSignal, onProgress?: (step: Step) => void) =>
    issue(ctx, {
      medium,
      ca: { url: 'http://ca.invalid/', trust: ca.trust, raEncryption },
      ref,
      authCode: Buffer.from(authCode),
      secret,
      idn: '9001011234568',
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined
        ? {}
        : {
            onProgress: (e) => {
              onProgress(e.step);
            },
          }),
    });
  return { ca, ref, run, held };
}

const expectedSteps: Record<Kind, Step[]> = {
  dir: ['prepare', 'keygen', 'request', 'verify', 'write', 'readBack', 'confirm'],
  usb: ['prepare', 'keygen', 'request', 'verify', 'write', 'readBack', 'confirm'],
  token: ['prepare', 'keygen', 'request', 'verify', 'write', 'confirm'],
};

/** What cancelling as a step begins must have spent (undefined: the operation completes). */
const spentWhenCancelledAt: Partial<Record<Step, Spent>> = {
  prepare: 'nothing',
  keygen: 'nothing',
  request: 'nothing',
  verify: 'refused',
  write: 'refused',
};

describe.each(['dir', 'usb', 'token'] as const)('service issue on %s', (kind) => {
  it('reports its steps in order and issues', async () => {
    const w = await world(kind);
    const seen: Step[] = [];
    const issued = await w.run(undefined, (s) => seen.push(s));
    expect(seen).toEqual(expectedSteps[kind]);
    expect(issued.kind).toBe(kind === 'token' ? 'token' : 'files');
    expect(await w.held()).toBe(1);
  }, 60_000);

  it.each(expectedSteps[kind])(
    'cancelled as %s begins',
    async (at) => {
      const w = await world(kind);
      const controller = new AbortController();
      const seen: Step[] = [];
      const outcome = await w
        .run(controller.signal, (s) => {
          seen.push(s);
          if (s === at) controller.abort();
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const spent = spentWhenCancelledAt[at];
      if (spent === undefined) {
        // Past the write: completed, stored and confirmed.
        expect(outcome).toBeUndefined();
        expect(await w.held()).toBe(1);
        expect(w.ca.bodyTypes.at(-1)).toBe('certConf');
        return;
      }
      expect(spentOf(outcome)).toBe(spent);
      // The step that saw the cancellation was the last one reported.
      expect(seen.at(-1)).toBe(at);
      expect(await w.held()).toBe(0);
      if (spent === 'nothing') {
        expect(w.ca.bodyTypes).not.toContain('ir');
        expect(w.ca.db.registration(w.ref)?.usedAt).toBeUndefined();
      } else {
        // The certificate arrived and was refused: the CA revoked it, the reference reopened.
        expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
        expect(w.ca.db.revocations()).toHaveLength(1);
        expect(w.ca.db.registration(w.ref)?.usedAt).toBeUndefined();
      }
    },
    60_000,
  );
});
