import { describe, expect, it } from 'vitest';
import { FakeUsbDrives } from '../../drivers/usbdrive/fake.js';
import { readPairs, writePair } from '../../src/storage/driveNpki.js';
import {
  DriveFullError,
  DriveIoError,
  DriveNotFatError,
  DriveReadOnlyError,
  DriveRemovedError,
  KioskError,
} from '../../src/errors/index.js';
import {
  describePair,
  pairsOn,
  samplePair,
  usbDriveContractSuite,
  yessignPair,
  type PairToWrite,
} from './usbDrive.js';

usbDriveContractSuite('fake', () => {
  const driver = new FakeUsbDrives();
  driver.plug({ device: '/dev/fake-blank', filesystem: 'none' });
  driver.plug({ device: '/dev/fake-disk', problems: ['notRemovable', 'tooLarge'] });
  return Promise.resolve({
    driver,
    blank: '/dev/fake-blank',
    unsafe: '/dev/fake-disk',
    cleanup: () => Promise.resolve(),
  });
});

/** A formatted fake drive holding `before` (if any), and the driver to pull it with. */
async function driveWith(before: PairToWrite | undefined) {
  const drives = new FakeUsbDrives();
  const volume = drives.plug({ device: '/dev/sdz' });
  const drive = await drives.open('/dev/sdz');
  if (before !== undefined)
    await writePair(drive, before.caFolder, before.dnFolder, before.files, { replace: false });
  return { drives, volume, drive };
}

/**
 * What a pull may leave under the real names: per certificate folder, exactly the files of one
 * whole pair (previous or new), never a signPri.key that is neither.
 */
function realNamesHold(
  snapshot: Map<string, Uint8Array | 'folder'>,
  allowed: readonly PairToWrite[],
): void {
  for (const [path, bytes] of snapshot) {
    if (bytes === 'folder' || path.includes('/.kiosk-')) continue;
    const match = allowed.some((pair) =>
      Object.values(pair.files).some((file) => Buffer.from(file).equals(bytes)),
    );
    expect(match, `${path} holds bytes of no whole pair`).toBe(true);
  }
}

describe('a drive pulled during a pair write (issue 5 acceptance)', () => {
  it.each([true, false])(
    'at every change (replacing: %s): previous or new pair, never partial; reinsert says so; a retry completes',
    async (replacing) => {
      const yessign = yessignPair();
      const sample = await samplePair();
      // Replacing: the same DN folder gets other files (a renewal). Adding: a second pair.
      const before = yessign;
      const next: PairToWrite = replacing
        ? { ...yessign, files: { signCert: yessign.files.signCert, signKey: sample.files.signKey } }
        : sample;
      // How many changes an undisturbed write makes, so every one of them gets its pull.
      const probe = await driveWith(before);
      const start = probe.volume.changes.length;
      await writePair(probe.drive, next.caFolder, next.dnFolder, next.files, {
        replace: replacing,
      });
      const changes = probe.volume.changes.length - start;
      expect(changes).toBeGreaterThanOrEqual(replacing ? 6 : 4);

      for (let n = 0; n < changes; n++) {
        const { drives, volume, drive } = await driveWith(before);
        volume.pullBeforeChange(n);
        const error = await writePair(drive, next.caFolder, next.dnFolder, next.files, {
          replace: replacing,
        }).catch((e: unknown) => e);
        // A pull after the new pair is in place (removing the old one) may go unnoticed.
        if (error !== undefined) {
          expect(error).toBeInstanceOf(DriveRemovedError);
          expect((error as KioskError).visitor.en).toMatch(/reinsert/i);
        }
        drives.reinsert('/dev/sdz');
        realNamesHold(volume.snapshot(), [before, next]);
        const seen = await pairsOn(drive);
        const previous = replacing ? [describePair(before)] : [describePair(before)];
        const complete = replacing
          ? [describePair(next)]
          : [describePair(before), describePair(next)].sort();
        expect([previous, complete]).toContainEqual(seen);
        // The retry completes and leaves nothing of the kiosk's behind.
        await writePair(drive, next.caFolder, next.dnFolder, next.files, { replace: true });
        expect(await pairsOn(drive)).toEqual(complete);
        expect([...volume.snapshot().keys()].filter((p) => p.includes('.kiosk-'))).toEqual([]);
      }
    },
  );

  it('pulled part-way through the key file: no partial signPri.key under its real name', async () => {
    const yessign = yessignPair();
    const { drives, volume, drive } = await driveWith(undefined);
    volume.pullAfterBytes(yessign.files.signCert.length + 100);
    await expect(
      writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, { replace: false }),
    ).rejects.toBeInstanceOf(DriveRemovedError);
    drives.reinsert('/dev/sdz');
    realNamesHold(volume.snapshot(), [yessign]);
    expect(await pairsOn(drive)).toEqual([]);
    await writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, { replace: false });
    expect(await pairsOn(drive)).toEqual([describePair(yessign)]);
  });
});

describe('fake drive faults', () => {
  it('full, read-only and I/O errors are typed, and leave the previous content', async () => {
    const yessign = yessignPair();
    const sample = await samplePair();
    const { volume, drive } = await driveWith(yessign);
    volume.freeBytes = 100;
    await expect(
      writePair(drive, sample.caFolder, sample.dnFolder, sample.files, { replace: false }),
    ).rejects.toBeInstanceOf(DriveFullError);
    volume.freeBytes = Infinity;
    volume.readOnly = true;
    await expect(
      writePair(drive, sample.caFolder, sample.dnFolder, sample.files, { replace: false }),
    ).rejects.toBeInstanceOf(DriveReadOnlyError);
    volume.readOnly = false;
    volume.ioErrorAtChange(2);
    await expect(
      writePair(drive, sample.caFolder, sample.dnFolder, sample.files, { replace: false }),
    ).rejects.toBeInstanceOf(DriveIoError);
    expect(await pairsOn(drive)).toEqual([describePair(yessign)]);
  });

  it('blank and foreign file systems are DriveNotFatError until formatted', async () => {
    const drives = new FakeUsbDrives();
    drives.plug({ device: '/dev/ntfs', filesystem: 'ntfs' });
    const drive = await drives.open('/dev/ntfs');
    const error = await readPairs(drive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriveNotFatError);
    expect((error as DriveNotFatError).found).toBe('ntfs');
    await drive.format('KIOSK');
    expect(await readPairs(drive)).toEqual([]);
  });

  it('watchers hear drives arrive and leave', async () => {
    const drives = new FakeUsbDrives();
    const events: string[] = [];
    const stop = drives.watch((e) => events.push(`${e.type} ${e.drive.device}`));
    drives.plug({ device: '/dev/sdq' });
    drives.pull('/dev/sdq');
    expect(await drives.list()).toEqual([]);
    drives.reinsert('/dev/sdq');
    stop();
    drives.pull('/dev/sdq');
    expect(events).toEqual(['attached /dev/sdq', 'removed /dev/sdq', 'attached /dev/sdq']);
  });
});
