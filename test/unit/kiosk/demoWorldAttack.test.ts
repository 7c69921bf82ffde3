import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoWorld, type DemoWorld } from '../../../src/kiosk/demo/demoWorld.js';
import {
  DemoWorldError,
  KioskRunningError,
  StateFolderError,
} from '../../../src/errors/kioskStart.js';
import { lockStateDir } from '../../../src/kiosk/stateLock.js';
import { tempDir } from '../../support/tempDir.js';

// Attacks on the demo's world (issue 15 item 4) and on the one-kiosk-per-state-folder lock: a
// world someone damaged or a start stopped half-way is made again, what cannot be made is one
// DemoWorldError line, and a second `kiosk start` on the same folder is refused (it would have
// cancelled the first one's visits in progress as a crash's leftovers).

const savedConf = process.env.SOFTHSM2_CONF;
afterAll(() => {
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
});

let first: { home: string; world: DemoWorld };
beforeAll(async () => {
  const home = tempDir('demo-world-');
  first = { home, world: await prepareDemoWorld(home) };
}, 60_000);

/** A copy-free fresh world: made once per case (the passport is deterministic). */
async function freshHome(): Promise<string> {
  const home = tempDir('demo-world-');
  await prepareDemoWorld(home);
  return home;
}

const doc = (home: string, name: string): string => join(home, 'var/demo/document', name);
const image = (home: string): string => join(home, 'var/demo/images/demo-usb.img');

describe('a damaged demo passport is made again, the same one', () => {
  it.each([
    [
      'profile.json cut short',
      (h: string) => {
        truncateSync(doc(h, 'profile.json'), 50);
      },
    ],
    [
      'profile.json garbage',
      (h: string) => {
        writeFileSync(doc(h, 'profile.json'), 'garbage');
      },
    ],
    [
      'holder.json garbage',
      (h: string) => {
        writeFileSync(doc(h, 'holder.json'), 'garbage');
      },
    ],
    [
      'holder.json null',
      (h: string) => {
        writeFileSync(doc(h, 'holder.json'), 'null');
      },
    ],
    [
      'holder.json {}',
      (h: string) => {
        writeFileSync(doc(h, 'holder.json'), '{}');
      },
    ],
    [
      'holder.json with escapes',
      (h: string) => {
        writeFileSync(doc(h, 'holder.json'), JSON.stringify({ name: '\u001b[2J', idn: '1' }));
      },
    ],
    [
      'a data group gone',
      (h: string) => {
        rmSync(doc(h, 'DG1.bin'));
      },
    ],
    [
      'the AA key gone',
      (h: string) => {
        rmSync(doc(h, 'aa-key.pem'));
      },
    ],
  ])(
    '%s',
    async (_what, damage) => {
      const home = await freshHome();
      damage(home);
      const world = await prepareDemoWorld(home);
      expect(world.document.name).toBe(first.world.document.name);
      expect(world.document.idn).toBe(first.world.document.idn);
      expect(world.document.manifest.mrz).toEqual(first.world.document.manifest.mrz);
      expect(existsSync(doc(home, 'DG1.bin'))).toBe(true);
      // No staging folder is left beside it.
      expect(readdirSync(join(home, 'var/demo')).filter((n) => n.includes('.new'))).toEqual([]);
    },
    60_000,
  );
});

describe('a damaged drive image is made again', () => {
  /** Damages the image; returns a file outside the demo that must stay untouched, if any. */
  type Damage = (home: string) => string | undefined;
  it.each<[string, Damage]>([
    [
      'emptied',
      (h: string) => {
        truncateSync(image(h), 0);
        return undefined;
      },
    ],
    [
      'cut short',
      (h: string) => {
        truncateSync(image(h), 1024 * 1024);
        return undefined;
      },
    ],
    [
      'a folder',
      (h: string) => {
        rmSync(image(h));
        mkdirSync(image(h));
        return undefined;
      },
    ],
    [
      'a link elsewhere',
      (h: string) => {
        const elsewhere = join(tempDir('elsewhere-'), 'precious.img');
        writeFileSync(elsewhere, 'not the demo’s');
        rmSync(image(h));
        symlinkSync(elsewhere, image(h));
        return elsewhere;
      },
    ],
  ])(
    '%s',
    async (_what, damage) => {
      if (!('device' in first.world.drive)) return; // mkfs.vfat missing: the demo has no drive
      const home = await freshHome();
      const elsewhere = damage(home);
      const world = await prepareDemoWorld(home);
      expect(world.drive).toEqual({ device: image(home) });
      const made = lstatSync(image(home));
      expect(made.isFile()).toBe(true);
      expect(made.size).toBe(statSync(image(first.home)).size);
      // A link's target is never touched.
      if (elsewhere !== undefined) expect(readFileSync(elsewhere, 'utf8')).toBe('not the demo’s');
      expect(readdirSync(join(home, 'var/demo/images'))).toEqual(['demo-usb.img']);
    },
    60_000,
  );

  it('the staging image a start stopped during mkfs left is removed', async () => {
    const home = await freshHome();
    writeFileSync(`${image(home)}.0badc0de.new`, 'half');
    await prepareDemoWorld(home);
    expect(readdirSync(join(home, 'var/demo/images'))).toEqual(['demo-usb.img']);
  }, 60_000);
});

describe('what cannot be made is one DemoWorldError', () => {
  it('softhsm2.conf a folder', async () => {
    const home = await freshHome();
    const conf = join(home, 'var/demo/softhsm/softhsm2.conf');
    rmSync(conf);
    mkdirSync(conf);
    await expect(prepareDemoWorld(home)).rejects.toSatisfy(
      (e) => e instanceof DemoWorldError && /softhsm2\.conf: cannot write/.test(e.message),
    );
  }, 60_000);

  it('var/demo a file', async () => {
    const home = tempDir('demo-world-');
    mkdirSync(join(home, 'var'));
    writeFileSync(join(home, 'var/demo'), 'x');
    await expect(prepareDemoWorld(home)).rejects.toBeInstanceOf(DemoWorldError);
    await expect(lockStateDir(join(home, 'var/demo/state'))).rejects.toBeInstanceOf(
      StateFolderError,
    );
  });
});

describe('one kiosk per state folder', () => {
  it('a second lock is refused while the first is held, granted once it is released', async () => {
    const dir = tempDir('state-');
    const held = await lockStateDir(dir);
    await expect(lockStateDir(dir)).rejects.toSatisfy(
      (e) => e instanceof KioskRunningError && e.pid === process.pid,
    );
    held.release();
    held.release();
    const again = await lockStateDir(dir);
    again.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a dead process's lock (kill -9, power cut) is taken over", async () => {
    const dir = tempDir('state-');
    const child = spawn('true');
    const pid = await new Promise<number>((resolve) => {
      child.on('exit', () => {
        resolve(child.pid ?? 0);
      });
    });
    writeFileSync(join(dir, 'kiosk.lock'), `${String(pid)} 12345\n`);
    const lock = await lockStateDir(dir);
    expect(readFileSync(lock.file, 'utf8')).toMatch(new RegExp(`^${String(process.pid)} `));
    lock.release();
  });

  it('a live pid that started at another time (reused after a reboot) does not hold it', async () => {
    const dir = tempDir('state-');
    writeFileSync(join(dir, 'kiosk.lock'), `${String(process.pid)} 1\n`);
    const lock = await lockStateDir(dir);
    lock.release();
  });

  it('two starts at once: exactly one gets it', async () => {
    const dir = tempDir('state-');
    const results = await Promise.allSettled([lockStateDir(dir), lockStateDir(dir)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'fulfilled') r.value.release();
  });
});
