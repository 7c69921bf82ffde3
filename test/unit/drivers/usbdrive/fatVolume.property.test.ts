// Over 400 lines as one unit (issue 12): one hand-made volume and the damage generators every
// property uses.
import fc from 'fast-check';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { OpenBlockDevice } from '../../../../drivers/usbdrive/fat/blockDevice.js';
import { FatVolume } from '../../../../drivers/usbdrive/fat/fatVolume.js';
import {
  DriveFullError,
  DriveIoError,
  DriveNotFatError,
  KioskError,
} from '../../../../src/errors/index.js';
import type { VolumeFile } from '../../../../src/shared/volume.js';
import { MemoryBlockDevice } from '../../../support/memoryBlockDevice.js';
import { propertyTimeout as timeout } from '../../../support/property.js';

// DESIGN §8: every parser of outside bytes is bounded and fails with a typed error; a visitor's
// USB drive is outside bytes, and drivers/usbdrive/fat/ reads and writes it in-process. A small
// volume is formatted here by hand (no tool: the layout of the Microsoft FAT specification 1.03
// §3–§5), filled through FatVolume, and then its metadata — boot sector, FSInfo, FAT, root folder,
// subfolders — is damaged at random or on purpose. Whatever the damage, every FileVolume member
// resolves or rejects with a KioskError: never a TypeError, a RangeError (MemoryBlockDevice past
// its end), an untyped Error, and never a hang.

// --- A volume formatted by hand ---

type FatType = 12 | 16 | 32;

interface Format {
  readonly type: FatType;
  readonly totalSectors: number;
  readonly reserved: number;
  readonly fatSectors: number;
  /** FAT12/16: entries of the fixed root folder; 0 on FAT32. */
  readonly rootEntries: number;
}

/** One sector a cluster, two FATs; cluster counts chosen well inside each type's range. */
const formats: Readonly<Record<FatType, Format>> = {
  // 2048 − 1 − 2·6 − 4 = 2031 clusters: FAT12 (< 4085); 6 sectors hold 2048 entries.
  12: { type: 12, totalSectors: 2048, reserved: 1, fatSectors: 6, rootEntries: 64 },
  // 8192 − 1 − 2·32 − 32 = 8095 clusters: FAT16 (4085 … 65524); 32 sectors hold 8192 entries.
  16: { type: 16, totalSectors: 8192, reserved: 1, fatSectors: 32, rootEntries: 512 },
  // 67072 − 32 − 2·520 = 66000 clusters: FAT32 (≥ 65525); 520 sectors hold 66560 entries.
  32: { type: 32, totalSectors: 67_072, reserved: 32, fatSectors: 520, rootEntries: 0 },
};

const sector = 512;
const clusterBytes = sector;

/** Where things are on a volume of `format` (worked out here, not by geometry.ts). */
interface Layout {
  readonly type: FatType;
  readonly fatOffsets: readonly number[];
  readonly fatBytes: number;
  readonly rootOffset: number;
  readonly rootBytes: number;
  readonly dataOffset: number;
  readonly clusterCount: number;
  readonly volumeBytes: number;
  /** FAT values: free, bad, end of chain. */
  readonly bad: number;
  readonly end: number;
}

function layoutOf(f: Format): Layout {
  const fatOffsets = [f.reserved * sector, (f.reserved + f.fatSectors) * sector];
  const rootOffset = (f.reserved + 2 * f.fatSectors) * sector;
  const rootBytes = f.rootEntries * 32;
  const dataOffset = rootOffset + rootBytes;
  return {
    type: f.type,
    fatOffsets,
    fatBytes: f.fatSectors * sector,
    // On FAT32 the root is cluster 2, the first data cluster.
    rootOffset: f.type === 32 ? dataOffset : rootOffset,
    rootBytes: f.type === 32 ? clusterBytes : rootBytes,
    dataOffset,
    clusterCount: (f.totalSectors * sector - dataOffset) / clusterBytes,
    volumeBytes: f.totalSectors * sector,
    bad: { 12: 0xff7, 16: 0xfff7, 32: 0x0ffffff7 }[f.type],
    end: { 12: 0xfff, 16: 0xffff, 32: 0x0fffffff }[f.type],
  };
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** A blank volume of `f`, as mkfs.vfat -I would leave it (checked with fsck.vfat when written). */
function formatted(f: Format): Uint8Array {
  const layout = layoutOf(f);
  const image = new Uint8Array(layout.volumeBytes);
  const view = new DataView(image.buffer);
  image.set([0xeb, f.type === 32 ? 0x58 : 0x3c, 0x90], 0);
  image.set(ascii('MSWIN4.1'), 3);
  view.setUint16(11, sector, true);
  image[13] = 1;
  view.setUint16(14, f.reserved, true);
  image[16] = 2;
  view.setUint16(17, f.rootEntries, true);
  if (f.type !== 32 && f.totalSectors < 0x10000) view.setUint16(19, f.totalSectors, true);
  else view.setUint32(32, f.totalSectors, true);
  image[21] = 0xf8;
  view.setUint16(24, 32, true);
  view.setUint16(26, 64, true);
  if (f.type === 32) {
    view.setUint32(36, f.fatSectors, true);
    view.setUint32(44, 2, true); // root cluster
    view.setUint16(48, 1, true); // FSInfo sector
    view.setUint16(50, 6, true); // backup boot sector
    image[64] = 0x80;
    image[66] = 0x29;
    view.setUint32(67, 0x1234abcd, true);
    image.set(ascii('NO NAME    FAT32   '), 71);
  } else {
    view.setUint16(22, f.fatSectors, true);
    image[36] = 0x80;
    image[38] = 0x29;
    view.setUint32(39, 0x1234abcd, true);
    image.set(ascii(`NO NAME    FAT${String(f.type)}   `), 43);
  }
  image[510] = 0x55;
  image[511] = 0xaa;
  if (f.type === 32) {
    // FSInfo (§5): signatures, free count (all but the root's cluster), next free hint.
    view.setUint32(sector, 0x41615252, true);
    view.setUint32(sector + 484, 0x61417272, true);
    view.setUint32(sector + 488, layout.clusterCount - 1, true);
    view.setUint32(sector + 492, 3, true);
    view.setUint32(sector + 508, 0xaa550000, true);
    image.copyWithin(6 * sector, 0, 2 * sector);
  }
  for (const fat of layout.fatOffsets) {
    // FAT[0]: the media byte 0xF8 in the low bits, the rest set; FAT[1]: end of chain.
    setFatIn(image, layout, fat, 0, (layout.end & ~0xff) | 0xf8);
    setFatIn(image, layout, fat, 1, layout.end);
    if (f.type === 32) setFatIn(image, layout, fat, 2, layout.end);
  }
  return image;
}

/** Sets FAT entry `cluster` of the FAT copy at `fat` (FAT12 entries share bytes, §4). */
function setFatIn(
  image: Uint8Array,
  layout: Layout,
  fat: number,
  cluster: number,
  value: number,
): void {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  switch (layout.type) {
    case 12: {
      const at = fat + Math.floor((cluster * 3) / 2);
      const old = view.getUint16(at, true);
      view.setUint16(
        at,
        cluster % 2 === 0 ? (old & 0xf000) | (value & 0xfff) : (old & 0x000f) | (value << 4),
        true,
      );
      break;
    }
    case 16:
      view.setUint16(fat + cluster * 2, value & 0xffff, true);
      break;
    case 32:
      view.setUint32(fat + cluster * 4, value >>> 0, true);
      break;
  }
}

/** Sets FAT entry `cluster` in both copies. */
function setFat(image: Uint8Array, layout: Layout, cluster: number, value: number): void {
  for (const fat of layout.fatOffsets) setFatIn(image, layout, fat, cluster, value);
}

function fatEntry(image: Uint8Array, layout: Layout, cluster: number): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const fat = layout.fatOffsets[0] ?? 0;
  switch (layout.type) {
    case 12: {
      const raw = view.getUint16(fat + Math.floor((cluster * 3) / 2), true);
      return cluster % 2 === 0 ? raw & 0xfff : raw >>> 4;
    }
    case 16:
      return view.getUint16(fat + cluster * 2, true);
    case 32:
      return view.getUint32(fat + cluster * 4, true) & 0x0fffffff;
  }
}

/** A cluster chain read from the FAT, at most 64 long. */
function chainOf(image: Uint8Array, layout: Layout, first: number): number[] {
  const out = [first];
  for (let next = fatEntry(image, layout, first); next >= 2 && next < layout.bad;) {
    out.push(next);
    if (out.length >= 64) break;
    next = fatEntry(image, layout, next);
  }
  return out;
}

function clusterOffset(layout: Layout, cluster: number): number {
  return layout.dataOffset + (cluster - 2) * clusterBytes;
}

/** Byte offsets of the 32-byte slots of a folder: the fixed root (cluster 0) or a chain. */
function slotOffsets(image: Uint8Array, layout: Layout, cluster: number): number[] {
  const fixedRoot = cluster === 0 && layout.type !== 32;
  // Cluster 0 is the root: fixed on FAT12/16, the chain from cluster 2 on FAT32.
  const extents = fixedRoot
    ? [layout.rootOffset]
    : chainOf(image, layout, cluster === 0 ? 2 : cluster).map((c) => clusterOffset(layout, c));
  const bytes = fixedRoot ? layout.rootBytes : clusterBytes;
  return extents.flatMap((at) => Array.from({ length: bytes / 32 }, (_, i) => at + i * 32));
}

interface RawEntry {
  readonly offset: number;
  readonly shortName: string;
  readonly folder: boolean;
  readonly cluster: number;
}

/** The short entries of a folder (no long-name slots, no dots, no deleted ones). */
function rawEntries(image: Uint8Array, layout: Layout, cluster: number): RawEntry[] {
  const out: RawEntry[] = [];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (const at of slotOffsets(image, layout, cluster)) {
    const first = image[at] ?? 0;
    if (first === 0) break;
    const attr = image[at + 11] ?? 0;
    if (first === 0xe5 || first === 0x2e || (attr & 0x3f) === 0x0f) continue;
    out.push({
      offset: at,
      shortName: String.fromCharCode(...image.subarray(at, at + 11)),
      folder: (attr & 0x10) !== 0,
      cluster: view.getUint16(at + 20, true) * 0x10000 + view.getUint16(at + 26, true),
    });
  }
  return out;
}

function rawEntry(image: Uint8Array, layout: Layout, folder: number, shortName: string): RawEntry {
  const found = rawEntries(image, layout, folder).find((e) => e.shortName === shortName);
  if (found === undefined) throw new Error(`no ${shortName} in the folder at ${String(folder)}`);
  return found;
}

// --- What the volume is filled with ---

const dn = 'cn=홍길동()0011045202001011110000001,ou=personal4IB,ou=xUser,o=yessign,c=kr';
const dnPath = `/NPKI/yessign/USER/${dn}`;

/** Bytes that differ at every position and from file to file. */
function pattern(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed * 101 + (i >>> 8)) & 0xff);
}

const files: readonly VolumeFile[] = [
  { path: `${dnPath}/signCert.der`, bytes: pattern(1800, 1) },
  { path: `${dnPath}/signPri.key`, bytes: pattern(1300, 2) },
  // Twelve entries of two slots each: /NPKI/many spans two clusters.
  ...Array.from({ length: 12 }, (_, i) => ({
    path: `/NPKI/many/file-${String(i + 1).padStart(2, '0')}.txt`,
    bytes: pattern(20 + i, 3 + i),
  })),
  // Ten clusters.
  { path: '/big.bin', bytes: pattern(5000, 20) },
  { path: '/empty.txt', bytes: new Uint8Array() },
];

const readPaths = [
  `${dnPath}/signCert.der`,
  `${dnPath}/signPri.key`,
  '/NPKI/many/file-01.txt',
  '/NPKI/many/file-12.txt',
  '/big.bin',
  '/empty.txt',
];

const maxBytes = 64 * 1024;

/** Each FAT type, formatted and filled once (through FatVolume: the code under test). */
const filled = new Map<FatType, Promise<Uint8Array>>();

function filledImage(type: FatType): Promise<Uint8Array> {
  let image = filled.get(type);
  if (image === undefined) {
    image = (async () => {
      const bytes = formatted(formats[type]);
      const volume = new FatVolume('fill', new MemoryBlockDevice(bytes).open);
      await volume.createFiles(files);
      await volume.close();
      return bytes;
    })();
    filled.set(type, image);
  }
  return image;
}

// --- Running the members on a damaged image ---

/** How long one member may take before it counts as hung (a normal call takes milliseconds). */
const memberTimeout = 15_000;

/**
 * MemoryBlockDevice's open, with every read and write deferred to the next turn of the event
 * loop: a member that loops on the device forever then lets the hang timer fire (a device whose
 * promises resolve at once would starve it).
 */
function yielding(device: MemoryBlockDevice): OpenBlockDevice {
  return async (access) => {
    const inner = await device.open(access);
    return {
      name: inner.name,
      size: inner.size,
      read: async (offset, length) => {
        await nextTurn();
        return inner.read(offset, length);
      },
      write: async (offset, bytes) => {
        await nextTurn();
        await inner.write(offset, bytes);
      },
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
  };
}

/**
 * What one member gave: a value, the KioskError it rejected with, or — a failure of the test —
 * anything else it threw, or no answer within memberTimeout.
 */
type Result =
  { readonly value: unknown } | { readonly error: KioskError } | { readonly unexpected: string };

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function settle(call: () => Promise<unknown>): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer after ${String(memberTimeout)} ms`));
    }, memberTimeout);
  });
  try {
    return { value: await Promise.race([call(), hung]) };
  } catch (error) {
    if (error instanceof KioskError) return { error };
    return { unexpected: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** A member of FileVolume to run. */
interface Step {
  readonly what: string;
  readonly call: (volume: FatVolume) => Promise<unknown>;
}

const newFiles: VolumeFile[] = [
  { path: '/NPKI/yessign/USER/new folder/signCert.der', bytes: pattern(1500, 30) },
  { path: '/new.txt', bytes: pattern(700, 31) },
];

const listRoot = (after: string): Step => ({
  what: `listTree('/')${after}`,
  call: (v) => v.listTree('/'),
});

/**
 * Sequences of members, each sequence on a fresh copy of the damaged image, its members on one
 * FatVolume (as a pair write runs them): the reads, then each kind of write followed by a listing.
 */
const sequences: readonly (readonly Step[])[] = [
  [
    listRoot(''),
    { what: "listTree('/NPKI')", call: (v) => v.listTree('/NPKI') },
    { what: `listTree('${dnPath}')`, call: (v) => v.listTree(dnPath) },
    ...readPaths.map((path) => ({
      what: `readFiles(['${path}'])`,
      call: (v: FatVolume) => v.readFiles([path], maxBytes),
    })),
    { what: 'readFiles(every known path)', call: (v) => v.readFiles(readPaths, maxBytes) },
  ],
  [
    { what: 'createFiles(new files)', call: (v) => v.createFiles(newFiles) },
    listRoot(' after createFiles'),
  ],
  [
    {
      what: 'rename(the DN folder)',
      call: (v) => v.rename(dnPath, '/NPKI/yessign/USER/.kiosk-staging-1a2b'),
    },
    { what: "rename('/big.bin')", call: (v) => v.rename('/big.bin', '/big-renamed.bin') },
    listRoot(' after rename'),
  ],
  [
    { what: "remove('/NPKI/yessign')", call: (v) => v.remove('/NPKI/yessign') },
    { what: "remove('/big.bin')", call: (v) => v.remove('/big.bin') },
    { what: "remove('/NPKI/many/file-01.txt')", call: (v) => v.remove('/NPKI/many/file-01.txt') },
    listRoot(' after remove'),
  ],
];

/** Every sequence on its own copy of `image`: each member's result, by name. */
async function runAll(image: Uint8Array): Promise<Map<string, Result>> {
  const results = new Map<string, Result>();
  for (const steps of sequences) {
    const volume = new FatVolume('damaged', yielding(new MemoryBlockDevice(image.slice())));
    for (const step of steps) results.set(step.what, await settle(() => step.call(volume)));
    results.set(`close() after ${steps[0]?.what ?? ''}`, await settle(() => volume.close()));
  }
  return results;
}

/** Runs one member on its own copy of `image`. */
async function runOne(
  image: Uint8Array,
  call: (volume: FatVolume) => Promise<unknown>,
): Promise<Result> {
  const volume = new FatVolume('damaged', yielding(new MemoryBlockDevice(image.slice())));
  const result = await settle(() => call(volume));
  await volume.close();
  return result;
}

type ErrorType = abstract new (...args: never[]) => KioskError;

/**
 * The members whose result is not a value or an error of `allowed` (any KioskError unless
 * given), each as `member: what it gave`; empty when all is well.
 */
function wrongResults(
  results: ReadonlyMap<string, Result>,
  allowed: readonly ErrorType[] = [KioskError],
): string[] {
  const wrong: string[] = [];
  for (const [what, result] of results) {
    if ('unexpected' in result) wrong.push(`${what}: ${result.unexpected}`);
    else if ('error' in result && !allowed.some((type) => result.error instanceof type))
      wrong.push(`${what}: ${describeError(result.error)}`);
  }
  return wrong;
}

/** A result in words, for expectations on one member. */
function outcome(result: Result | undefined): string {
  if (result === undefined) return 'not run';
  if ('unexpected' in result) return `unexpected ${result.unexpected}`;
  if ('error' in result) return result.error.constructor.name;
  return 'value';
}

// --- Damage ---

type Region = 'boot' | 'fsInfo' | 'fat' | 'root' | 'folder';

/** One edit: flip bits of a byte, store a value of 1, 2 or 4 bytes, or set a FAT entry. */
type Edit =
  | { readonly region: Region; readonly which: number; readonly at: number; readonly xor: number }
  | {
      readonly region: Region;
      readonly which: number;
      readonly at: number;
      readonly width: 1 | 2 | 4;
      readonly value: number;
    }
  | { readonly region: 'fat'; readonly entry: number; readonly value: number };

interface Regions {
  readonly layout: Layout;
  /** Byte ranges of each region ('folder': the first cluster of each subfolder). */
  readonly ranges: Readonly<Record<Region, readonly { offset: number; bytes: number }[]>>;
}

/** Where the metadata of a filled image lies. */
function regionsOf(image: Uint8Array, type: FatType): Regions {
  const layout = layoutOf(formats[type]);
  const folders: number[] = [];
  const walk = (cluster: number): void => {
    for (const entry of rawEntries(image, layout, cluster))
      if (entry.folder) {
        folders.push(entry.cluster);
        walk(entry.cluster);
      }
  };
  walk(0);
  return {
    layout,
    ranges: {
      boot: [{ offset: 0, bytes: sector }],
      // FAT12/16 have no FSInfo: edits meant for it go to the boot sector.
      fsInfo: type === 32 ? [{ offset: sector, bytes: sector }] : [{ offset: 0, bytes: sector }],
      // The part of the first FAT that the filled clusters' entries lie in.
      fat: [{ offset: layout.fatOffsets[0] ?? 0, bytes: sector }],
      root: [{ offset: layout.rootOffset, bytes: layout.rootBytes }],
      folder: folders.map((c) => ({ offset: clusterOffset(layout, c), bytes: clusterBytes })),
    },
  };
}

/** Values that mean something in a boot sector, a FAT or a folder entry. */
function interesting(layout: Layout): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(
      0,
      1,
      2,
      3,
      layout.clusterCount,
      layout.clusterCount + 1,
      layout.clusterCount + 2,
      layout.bad,
      layout.bad + 1,
      layout.end,
      0xe5,
      0x0f,
      0x10,
      0x20,
      0x80,
      0xffff,
      0xffffffff,
    ),
    // Clusters in use.
    fc.integer({ min: 2, max: 60 }),
    fc.nat({ max: 0xffffffff }),
  );
}

function editArbitrary(layout: Layout): fc.Arbitrary<Edit> {
  const region = fc.constantFrom<Region>('boot', 'fsInfo', 'fat', 'root', 'folder');
  return fc.oneof(
    fc.record({ region, which: fc.nat(), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({
      region,
      which: fc.nat(),
      at: fc.nat(),
      width: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
      value: interesting(layout),
    }),
    fc.record({
      region: fc.constant<'fat'>('fat'),
      entry: fc.integer({ min: 0, max: 63 }),
      value: interesting(layout),
    }),
  );
}

/** A copy of `image` with the edits made; and the edits in words, for a failure message. */
function damaged(
  image: Uint8Array,
  regions: Regions,
  edits: readonly Edit[],
): { image: Uint8Array; damage: string } {
  const out = image.slice();
  const view = new DataView(out.buffer);
  const words: string[] = [];
  for (const edit of edits) {
    if ('entry' in edit) {
      // The first FAT copy: the one FatTable reads.
      setFatIn(out, regions.layout, regions.layout.fatOffsets[0] ?? 0, edit.entry, edit.value);
      words.push(`FAT[${String(edit.entry)}] = 0x${edit.value.toString(16)}`);
      continue;
    }
    const ranges = regions.ranges[edit.region];
    const range = ranges[edit.which % ranges.length] ?? { offset: 0, bytes: sector };
    const width = 'width' in edit ? edit.width : 1;
    const at = range.offset + (edit.at % (range.bytes - width + 1));
    const where = `${edit.region}@0x${at.toString(16)} (+${String(at - range.offset)})`;
    if ('xor' in edit) {
      out[at] = (out[at] ?? 0) ^ edit.xor;
      words.push(`${where} ^= 0x${edit.xor.toString(16)}`);
    } else {
      if (edit.width === 1) view.setUint8(at, edit.value & 0xff);
      else if (edit.width === 2) view.setUint16(at, edit.value & 0xffff, true);
      else view.setUint32(at, edit.value >>> 0, true);
      words.push(`${where} = 0x${edit.value.toString(16)} (${String(edit.width)} bytes)`);
    }
  }
  return { image: out, damage: `FAT${String(regions.layout.type)} with ${words.join(', ')}` };
}

// --- The properties ---

const types: readonly FatType[] = [12, 16, 32];
/** FAT32 images are 33 MiB (65525 clusters at least): fewer runs. */
const runs: Readonly<Record<FatType, number>> = { 12: 200, 16: 150, 32: 50 };

describe.each(types)('FatVolume on a damaged FAT%i volume', (type) => {
  it(
    'undamaged: every member works, and the files read back as written',
    async () => {
      const image = await filledImage(type);
      const results = await runAll(image);
      expect(
        [...results].filter(([, r]) => !('value' in r)).map(([w, r]) => `${w}: ${outcome(r)}`),
      ).toEqual([]);
      const volume = new FatVolume('filled', new MemoryBlockDevice(image.slice()).open);
      const tree = await volume.listTree('/');
      expect(tree?.entries.map((e) => e.path).sort()).toEqual(
        [
          '/NPKI',
          '/NPKI/yessign',
          '/NPKI/yessign/USER',
          dnPath,
          '/NPKI/many',
          ...files.map((f) => f.path),
        ].sort(),
      );
      expect(await volume.readFiles(readPaths, maxBytes)).toEqual(
        readPaths.map((p) => files.find((f) => f.path === p)?.bytes),
      );
      await volume.close();
      // The layout worked out here is the one FatVolume wrote: /NPKI/many spans two clusters.
      const { layout } = regionsOf(image, type);
      const npki = rawEntry(image, layout, 0, 'NPKI       ');
      const many = rawEntry(image, layout, npki.cluster, 'MANY       ');
      expect(chainOf(image, layout, many.cluster)).toHaveLength(2);
      expect(
        chainOf(image, layout, rawEntry(image, layout, 0, 'BIG     BIN').cluster),
      ).toHaveLength(10);
    },
    timeout,
  );

  it(
    'random damage to the boot sector, FSInfo, FAT, root and subfolders: each member resolves or rejects with a KioskError, in bounded time',
    async () => {
      const image = await filledImage(type);
      const regions = regionsOf(image, type);
      await fc.assert(
        fc.asyncProperty(
          fc.array(editArbitrary(regions.layout), { minLength: 1, maxLength: 6 }),
          async (edits) => {
            const { image: bad, damage } = damaged(image, regions, edits);
            expect(wrongResults(await runAll(bad)), damage).toEqual([]);
          },
        ),
        { numRuns: runs[type] },
      );
    },
    timeout,
  );
});

// --- Damage on purpose ---

describe.each(types)('FatVolume on a FAT%i volume damaged on purpose', (type) => {
  const layout = layoutOf(formats[type]);

  async function setUp(): Promise<{
    image: Uint8Array;
    many: RawEntry;
    big: RawEntry;
    user: RawEntry;
    dnFolder: RawEntry;
  }> {
    const image = (await filledImage(type)).slice();
    const npki = rawEntry(image, layout, 0, 'NPKI       ');
    const many = rawEntry(image, layout, npki.cluster, 'MANY       ');
    const big = rawEntry(image, layout, 0, 'BIG     BIN');
    const yessign = rawEntry(image, layout, npki.cluster, 'YESSIGN    ');
    const user = rawEntry(image, layout, yessign.cluster, 'USER       ');
    const [dnFolder] = rawEntries(image, layout, user.cluster);
    if (dnFolder === undefined) throw new Error('no DN folder');
    return { image, many, big, user, dnFolder };
  }

  /** Puts a short-named folder entry LOOP naming `cluster` in the DN folder's first free slot. */
  function addLoop(image: Uint8Array, dnFolder: RawEntry, cluster: number): void {
    const free = slotOffsets(image, layout, dnFolder.cluster).find((at) => image[at] === 0);
    if (free === undefined) throw new Error('the DN folder is full');
    image.set(ascii('LOOP       '), free);
    image[free + 11] = 0x10;
    new DataView(image.buffer).setUint16(free + 20, cluster >>> 16, true);
    new DataView(image.buffer).setUint16(free + 26, cluster & 0xffff, true);
  }

  it(
    'a folder whose cluster chain loops: DriveIoError for whatever reaches it',
    async () => {
      for (const loop of ['to its first cluster', 'to itself'] as const) {
        const { image, many } = await setUp();
        const [first, second] = chainOf(image, layout, many.cluster);
        if (first === undefined || second === undefined) throw new Error('many: one cluster');
        if (loop === 'to itself') setFat(image, layout, first, first);
        else setFat(image, layout, second, first);
        const damage = `/NPKI/many's chain looping ${loop}`;
        const results = await runAll(image);
        expect(wrongResults(results, [DriveIoError]), damage).toEqual([]);
        const create = await runOne(image, (v) =>
          v.createFiles([{ path: '/NPKI/many/new.txt', bytes: pattern(10, 1) }]),
        );
        expect(
          {
            "listTree('/')": outcome(results.get("listTree('/')")),
            "listTree('/NPKI')": outcome(results.get("listTree('/NPKI')")),
            'a file in it': outcome(results.get("readFiles(['/NPKI/many/file-01.txt'])")),
            'a file elsewhere': outcome(results.get("readFiles(['/big.bin'])")),
            'createFiles in it': outcome(create),
          },
          damage,
        ).toEqual({
          "listTree('/')": 'DriveIoError',
          "listTree('/NPKI')": 'DriveIoError',
          'a file in it': 'DriveIoError',
          'a file elsewhere': 'value',
          'createFiles in it': 'DriveIoError',
        });
      }
    },
    timeout,
  );

  it(
    "a file whose chain loops back within its size: readFiles' DriveIoError",
    async () => {
      const { image, big } = await setUp();
      const chain = chainOf(image, layout, big.cluster);
      setFat(image, layout, chain[5] ?? 0, chain[1] ?? 0);
      const damage = "/big.bin's sixth cluster linked back to its second";
      const results = await runAll(image);
      expect(wrongResults(results, [DriveIoError]), damage).toEqual([]);
      expect(outcome(results.get("readFiles(['/big.bin'])"))).toBe('DriveIoError');
    },
    timeout,
  );

  it(
    'a folder entry naming its own folder, its parent or the root: listTree rejects with DriveIoError',
    async () => {
      for (const target of ['itself', 'its parent', 'the root'] as const) {
        const { image, user, dnFolder } = await setUp();
        const cluster = {
          itself: dnFolder.cluster,
          'its parent': user.cluster,
          'the root': type === 32 ? 2 : 0,
        }[target];
        addLoop(image, dnFolder, cluster);
        const damage = `a folder entry LOOP in the DN folder naming ${target} (cluster ${String(cluster)})`;
        const results = await runAll(image);
        expect(wrongResults(results, [DriveIoError]), damage).toEqual([]);
        expect(
          {
            "listTree('/')": outcome(results.get("listTree('/')")),
            'listTree(the DN folder)': outcome(results.get(`listTree('${dnPath}')`)),
            'a file beside it': outcome(results.get(`readFiles(['${dnPath}/signCert.der'])`)),
          },
          damage,
        ).toEqual({
          "listTree('/')": 'DriveIoError',
          'listTree(the DN folder)': 'DriveIoError',
          'a file beside it': 'value',
        });
      }
    },
    timeout,
  );

  it(
    'removing a folder entry that names its own folder or its parent frees none of their clusters',
    async () => {
      const seen: Record<string, unknown> = {};
      for (const target of ['itself', 'its parent'] as const) {
        const { image, user, dnFolder } = await setUp();
        addLoop(image, dnFolder, target === 'itself' ? dnFolder.cluster : user.cluster);
        const [cert, key] = rawEntries(image, layout, dnFolder.cluster);
        const named = [user.cluster, dnFolder.cluster, cert?.cluster ?? 0, key?.cluster ?? 0];
        const device = new MemoryBlockDevice(image);
        const volume = new FatVolume('damaged', yielding(device));
        const removed = await settle(() => volume.remove(`${dnPath}/LOOP`));
        const freed = named.filter((c) => fatEntry(device.bytes, layout, c) === 0);
        // A new file then takes free clusters: none may be the folders' or the files'.
        const created = await settle(() =>
          volume.createFiles([{ path: '/after.bin', bytes: pattern(20 * clusterBytes, 40) }]),
        );
        await volume.close();
        const check = new FatVolume('after', new MemoryBlockDevice(device.bytes.slice()).open);
        const read = await settle(() =>
          check.readFiles([`${dnPath}/signCert.der`, `${dnPath}/signPri.key`], maxBytes),
        );
        await check.close();
        const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
          a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;
        const intact =
          'value' in read &&
          Array.isArray(read.value) &&
          same(read.value[0] as Uint8Array, files[0]?.bytes) &&
          same(read.value[1] as Uint8Array, files[1]?.bytes);
        seen[`LOOP naming ${target}`] = {
          remove: outcome(removed),
          'clusters of USER, the DN folder, signCert.der, signPri.key then free': freed,
          'createFiles after': outcome(created),
          'the DN files afterwards': intact ? 'intact' : `${outcome(read)}, not as written`,
        };
      }
      expect(seen).toEqual(
        Object.fromEntries(
          ['itself', 'its parent'].map((target) => [
            `LOOP naming ${target}`,
            {
              remove: expect.stringMatching(/^(value|DriveIoError)$/) as unknown,
              'clusters of USER, the DN folder, signCert.der, signPri.key then free': [],
              'createFiles after': 'value',
              'the DN files afterwards': 'intact',
            },
          ]),
        ),
      );
    },
    timeout,
  );

  it(
    'a file whose size claims more clusters than its chain has: DriveIoError',
    async () => {
      for (const how of ['size 20 clusters', 'chain ended after 3']) {
        const { image, big } = await setUp();
        if (how === 'size 20 clusters')
          new DataView(image.buffer).setUint32(big.offset + 28, 20 * clusterBytes, true);
        else setFat(image, layout, chainOf(image, layout, big.cluster)[2] ?? 0, layout.end);
        const damage = `/big.bin with ${how}`;
        const results = await runAll(image);
        expect(wrongResults(results, [DriveIoError]), damage).toEqual([]);
        expect(outcome(results.get("readFiles(['/big.bin'])")), damage).toBe('DriveIoError');
      }
    },
    timeout,
  );

  /**
   * For a file and a folder, each `value` put in by `damage` (which says what it did): every
   * member gives a DriveIoError or resolves, and the one that reaches the damage rejects.
   */
  async function expectIoErrorFor(
    values: readonly number[],
    damage: (
      image: Uint8Array,
      entry: Awaited<ReturnType<typeof setUp>>['big'],
      value: number,
    ) => string,
  ): Promise<void> {
    for (const value of values) {
      for (const what of ['file', 'folder'] as const) {
        const { image, big, many } = await setUp();
        const done = `the ${what}'s ${damage(image, what === 'file' ? big : many, value)}`;
        const results = await runAll(image);
        expect(wrongResults(results, [DriveIoError]), done).toEqual([]);
        const probe = what === 'file' ? "readFiles(['/big.bin'])" : "listTree('/')";
        expect(outcome(results.get(probe)), `${probe} with ${done}`).toBe('DriveIoError');
      }
    }
  }

  it(
    'a chain pointing past the last cluster, or to a free or bad one: DriveIoError',
    () =>
      expectIoErrorFor([layout.clusterCount + 2, 0, 1, layout.bad], (image, entry, value) => {
        setFat(image, layout, chainOf(image, layout, entry.cluster)[0] ?? 0, value);
        return `first FAT entry = 0x${value.toString(16)}`;
      }),
    timeout,
  );

  it(
    'an entry whose first cluster is past the last one, 0 or 1: DriveIoError',
    () =>
      expectIoErrorFor([layout.clusterCount + 2, 0xfffffff, 0, 1], (image, entry, value) => {
        new DataView(image.buffer).setUint16(entry.offset + 26, value & 0xffff, true);
        new DataView(image.buffer).setUint16(entry.offset + 20, value >>> 16, true);
        return `entry's first cluster = 0x${value.toString(16)}`;
      }),
    timeout,
  );

  it(
    'a boot sector claiming more sectors than the device holds: typed errors only',
    async () => {
      const full = await filledImage(type);
      // The device ends: after the boot sector; inside the second FAT; at the first data
      // cluster; 64 KiB into the data (the files are there, the free space the volume claims not).
      const devices = [
        sector,
        (layout.fatOffsets[1] ?? 0) + sector,
        layout.dataOffset,
        layout.dataOffset + 64 * 1024,
      ].map((end) => ({ image: full.slice(0, end), on: `on a ${String(end)}-byte device` }));
      if (type === 32) {
        // The whole device, its boot sector claiming 500 sectors more (the FAT has room for
        // their entries) and FSInfo's next-free hint at the last of them.
        const image = full.slice();
        const view = new DataView(image.buffer);
        view.setUint32(32, formats[32].totalSectors + 500, true);
        view.setUint32(sector + 492, layout.clusterCount + 500 + 1, true);
        devices.push({ image, on: 'whose boot sector claims 500 sectors more' });
      }
      // Each wrong result, once for every member that gave it on that device.
      const wrong = new Map<string, string[]>();
      const note = (key: string, what: string): void => {
        wrong.set(key, [...(wrong.get(key) ?? []), what]);
      };
      for (const { image, on } of devices) {
        const results = await runAll(image);
        results.set(
          'createFiles(a 128 KiB file)',
          await runOne(image, (v) =>
            v.createFiles([{ path: '/large.bin', bytes: pattern(128 * 1024, 50) }]),
          ),
        );
        for (const [what, result] of results)
          if ('unexpected' in result) note(`${on}: ${result.unexpected}`, what);
          else if (
            'error' in result &&
            ![DriveIoError, DriveNotFatError, DriveFullError].some((t) => result.error instanceof t)
          )
            note(`${on}: ${describeError(result.error)}`, what);
        // The root folder is past the device's end: nothing can be listed.
        const list = results.get("listTree('/')");
        if (image.length <= layout.rootOffset && list !== undefined && 'value' in list)
          note(`${on}: listTree('/') resolved`, "listTree('/')");
      }
      expect(
        [...wrong].map(([key, members]) => `${key} — ${members.join(', ')}`),
        `a ${String(layout.volumeBytes)}-byte FAT${String(type)} volume on shorter devices`,
      ).toEqual([]);
    },
    timeout,
  );

  // FAT32 only (FAT12/16 have a fixed root, not a root cluster): not registered for the others.
  (type === 32 ? it : () => undefined)(
    'a FAT32 root cluster of 0, 1 or past the last: DriveNotFatError; a free one: DriveIoError',
    async () => {
      for (const root of [0, 1, layout.clusterCount + 2, 0xffffffff]) {
        const image = (await filledImage(type)).slice();
        new DataView(image.buffer).setUint32(44, root, true);
        const results = await runAll(image);
        const notRejected = [...results]
          .filter(([w, r]) => !w.startsWith('close()') && outcome(r) !== 'DriveNotFatError')
          .map(([w, r]) => `${w}: ${outcome(r)}`);
        expect(notRejected, `FAT32 root cluster ${String(root)}`).toEqual([]);
      }
      const image = (await filledImage(type)).slice();
      setFat(image, layout, 2, 0);
      const results = await runAll(image);
      const notRejected = [...results]
        .filter(([w, r]) => !w.startsWith('close()') && outcome(r) !== 'DriveIoError')
        .map(([w, r]) => `${w}: ${outcome(r)}`);
      expect(notRejected, 'FAT32 root cluster free in the FAT').toEqual([]);
    },
    timeout,
  );
});
