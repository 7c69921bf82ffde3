import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FatVolume } from '../../drivers/usbdrive/fat/fatVolume.js';
import { parseCertificate } from '../../src/npki/certificate.js';
import { maxNpkiFileBytes } from '../../src/npki/der.js';
import { caFolderFor, dnFolderName, scanNpki, type NpkiFiles } from '../../src/npki/layout.js';
import { writeNpkiPair } from '../../src/npki/pairWrite.js';
import { yessignFixture } from '../support/fixtures.js';
import { MemoryBlockDevice, pulledImage, type DeviceCall } from '../support/memoryBlockDevice.js';
import { tempDir } from '../support/tempDir.js';

// A drive pulled at any point of an in-process pair write (drivers/usbdrive/fat), with the
// medium keeping any combination of the sectors written since the last flush: the drive shows
// the previous pair or the complete new one under the real name (never a part of a key), the
// retry after reinsertion completes, and fsck.vfat finds nothing wrong but space a pull left
// unused. The images come from mkfs.vfat; every pulled state is checked by fsck.vfat -n.

const certificate = new Uint8Array(readFileSync(join(yessignFixture, 'signCert.der')));
const parsed = parseCertificate(certificate);
const caFolder = caFolderFor(parsed);
const dnFolder = dnFolderName(parsed);
const oldPair: NpkiFiles = {
  signCert: certificate,
  signKey: new Uint8Array(readFileSync(join(yessignFixture, 'signPri.key'))),
};
// A key file spanning several clusters, so that its write can be torn part-way.
const newPair: NpkiFiles = { signCert: certificate, signKey: new Uint8Array(randomBytes(2600)) };

/** A few fixed random subsets (seeded, so a failure names one that can be run again). */
function randomKeep(seed: number): (index: number) => boolean {
  return (index) => {
    // splitmix-style hash of (seed, index): each sector kept or not, independently.
    let x = Math.imul(seed ^ (index + 0x9e3779b9), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return ((x ^ (x >>> 16)) & 1) === 1;
  };
}

/** Which of the sectors written since the last flush a pulled drive kept. */
const keeps: Record<string, (index: number, count: number) => boolean> = {
  all: () => true,
  none: () => false,
  'the first half': (i, n) => i < n / 2,
  'the second half': (i, n) => i >= n / 2,
  'every other one': (i) => i % 2 === 0,
  'random subset 1': randomKeep(1),
  'random subset 2': randomKeep(2),
};

function formatted(fat: 16 | 32, mib: number, sectorsPerCluster = 1): Uint8Array {
  const path = join(tempDir('fat-crash-'), 'base.img');
  writeFileSync(path, '');
  truncateSync(path, mib * 1024 * 1024);
  const made = spawnSync(
    'mkfs.vfat',
    ['-F', String(fat), '-s', String(sectorsPerCluster), '-I', path],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  return new Uint8Array(readFileSync(path));
}

/** fsck.vfat -n's complaints about an image, without the ones a pull may leave (unused space). */
function fsckComplaints(image: Uint8Array): string[] {
  // One file at a time (tens of MiB each, hundreds of states): written, checked, removed.
  const path = join(tempDir('fat-fsck-'), 'pulled.img');
  writeFileSync(path, image);
  const run = spawnSync('fsck.vfat', ['-n', path], { encoding: 'utf8' });
  rmSync(path);
  const lines = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('fsck.fat') && !l.includes(' files, '));
  // Lost clusters (allocated, named by nothing) are space a pull wasted, and FAT copies that
  // differ are a pull between writing the first and the second: no file is harmed either way.
  return lines.filter(
    (l) =>
      !/^Reclaimed \d+ unused clusters|^Free cluster summary wrong|^\s*Auto-correcting|^Leaving filesystem unchanged|^Perform changes|^\d+\) |unused cluster|^FATs differ but appear to be intact|^Using first FAT/i.test(
        l,
      ),
  );
}

async function pairsOn(
  image: Uint8Array,
): Promise<{ signKey: Uint8Array; signCert: Uint8Array }[]> {
  const volume = new FatVolume('pulled', new MemoryBlockDevice(image).open);
  try {
    const out = [];
    for (const folder of await scanNpki(volume)) {
      const { signCert, signKey } = folder.files;
      if (signCert === undefined || signKey === undefined) throw new Error(`${folder.dir}: half`);
      const [cert, key] = await volume.readFiles([signCert, signKey], maxNpkiFileBytes);
      out.push({ signCert: cert ?? new Uint8Array(), signKey: key ?? new Uint8Array() });
    }
    return out;
  } finally {
    await volume.close();
  }
}

async function write(image: Uint8Array, files: NpkiFiles, replace: boolean): Promise<DeviceCall[]> {
  const device = new MemoryBlockDevice(image);
  const volume = new FatVolume('memory', device.open, { writing: true });
  try {
    await writeNpkiPair(volume, caFolder, dnFolder, files, { replace });
  } finally {
    await volume.close();
  }
  return device.calls;
}

/**
 * Runs `check` on every medium a pull during `calls` (made on `before`) can leave, each once:
 * pulled before each call, with each of `keeps` applied to the sectors not yet flushed. Returns
 * how many there were.
 */
async function eachPulledState(
  before: Uint8Array,
  calls: readonly DeviceCall[],
  check: (image: Uint8Array, where: string) => Promise<void>,
): Promise<number> {
  const seen = new Set<string>();
  for (let at = 0; at <= calls.length; at++) {
    for (const [how, kept] of Object.entries(keeps)) {
      const { image, state } = pulledImage(before, calls, at, kept);
      if (seen.has(state)) continue;
      seen.add(state);
      await check(
        image,
        `pulled before call ${String(at)} of ${String(calls.length)}, ${how} kept`,
      );
    }
  }
  return seen.size;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return Buffer.from(a ?? []).equals(b ?? new Uint8Array());
}

/**
 * A pulled first write: no pair, or the new one whole; then the retry (reinserted) leaves the
 * new pair alone on a clean drive.
 */
async function expectNoneOrNewThenRetry(image: Uint8Array, where: string): Promise<void> {
  const pairs = await pairsOn(image);
  expect(pairs.length, where).toBeLessThanOrEqual(1);
  if (pairs.length === 1) expect(sameBytes(pairs[0]?.signKey, newPair.signKey), where).toBe(true);
  await expectRetryCompletes(image, where, pairs.length === 1);
}

/** The retry after reinsertion leaves the new pair alone on a clean drive. */
async function expectRetryCompletes(
  image: Uint8Array,
  where: string,
  replace: boolean,
): Promise<void> {
  await write(image, newPair, replace);
  expect(fsckComplaints(image), `${where}, then retried`).toEqual([]);
  const after = await pairsOn(image);
  expect(after.length, `${where}, then retried`).toBe(1);
  expect(sameBytes(after[0]?.signKey, newPair.signKey), `${where}, then retried`).toBe(true);
}

// FAT16 with 4 KiB clusters: a folder cluster spans eight sectors, so entries go into later
// sectors of a cluster whose end marker is in an earlier one.
describe.each([
  { fat: 32 as const, mib: 34, cluster: 1 },
  { fat: 16 as const, mib: 16, cluster: 8 },
])(
  'a FAT$fat drive ($cluster-sector clusters) pulled during an in-process pair write',
  ({ fat, mib, cluster }) => {
    it('holds the previous pair or the new one whole, whatever the pull kept, and the retry completes', async () => {
      const withOld = formatted(fat, mib, cluster);
      await write(withOld, oldPair, false);
      expect(fsckComplaints(withOld)).toEqual([]);
      const calls = await write(withOld.slice(), newPair, true);
      expect(calls.filter((c) => c === 'flush').length).toBeGreaterThanOrEqual(3);
      const states = await eachPulledState(withOld, calls, async (image, where) => {
        expect(fsckComplaints(image), where).toEqual([]);
        const pairs = await pairsOn(image);
        expect(pairs.length, where).toBe(1);
        const shown = pairs[0]?.signKey;
        expect(
          sameBytes(shown, oldPair.signKey) || sameBytes(shown, newPair.signKey),
          `${where}: a key that is neither the old nor the new one`,
        ).toBe(true);
        await expectRetryCompletes(image, where, true);
      });
      expect(states).toBeGreaterThan(calls.length);
    });

    it('a pull during a first write leaves no pair or the whole new one', async () => {
      const blank = formatted(fat, mib, cluster);
      const calls = await write(blank.slice(), newPair, false);
      await eachPulledState(blank, calls, async (image, where) => {
        expect(fsckComplaints(image), where).toEqual([]);
        await expectNoneOrNewThenRetry(image, where);
      });
    });
  },
);

describe('a FAT32 drive pulled while a pair is renamed in two steps', () => {
  // USER holds `.`, `..` and ten slots of other folders, so the staging folder takes the last
  // four slots of the folder's first sector and the pair's long name cannot replace it there: the
  // folder grows (a zeroed cluster, flushed before the FAT links it), the new name is written and
  // flushed, then the staging name deleted. Between the two, both names share the folder's
  // clusters: fsck.vfat calls that a cross-link, the pair reads whole, and the retry's recovery
  // drops the staging name without freeing what the pair still uses.
  it('shows the new pair whole or none, and the retry leaves a clean drive', async () => {
    const crowded = formatted(32, 34);
    const volume = new FatVolume('memory', new MemoryBlockDevice(crowded).open);
    const user = `/NPKI/${caFolder}/USER`;
    await volume.createFiles([
      { path: `${user}/${'x'.repeat(103)}/note.txt`, bytes: new Uint8Array(10) },
      { path: `${user}/OTHER/NOTE.TXT`, bytes: new Uint8Array(10) },
    ]);
    await volume.close();
    const calls = await write(crowded.slice(), newPair, false);
    let twins = 0;
    await eachPulledState(crowded, calls, async (image, where) => {
      const complaints = fsckComplaints(image);
      if (complaints.some((l) => l.includes('share clusters'))) twins++;
      // The only complaint a pull may leave: the pair and its staging name on one folder.
      expect(
        complaints.filter(
          (l) =>
            !/share clusters|^Truncating second to 0 bytes|kiosk-staging-|and$/.test(l) &&
            l !== `${user}/${dnFolder}`,
        ),
        where,
      ).toEqual([]);
      await expectNoneOrNewThenRetry(image, where);
    });
    // The two-step rename did happen, and a pull between its steps was among those tried.
    expect(twins).toBeGreaterThan(0);
  });
});
