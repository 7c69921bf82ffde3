// Over 400 lines as one unit (issue 12): one volume cross-checked against fsck.vfat and mtools; the
// tests share the image and tool helpers.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryVolume } from '../../drivers/usbdrive/memoryVolume.js';
import { fatVolumeOnFile } from '../../drivers/usbdrive/fat/fatVolume.js';
import { DriveFullError } from '../../src/errors/index.js';
import {
  parentOf,
  volumePath,
  type FileVolume,
  type TreeEntry,
  type VolumeFile,
} from '../../src/shared/volume.js';
import {
  fatFormats,
  formatImage,
  fsck,
  mcopyIn,
  mcopyOut,
  mdel,
  mdirPaths,
  mmd,
  patternBytes,
  rootFolderSlots,
  type FatFormat,
  type FatType,
} from '../support/fatImages.js';

// An FileVolume that writes FAT itself, cross-checked against the real tools: what it writes,
// fsck.vfat finds clean and mtools reads back (mdir, mcopy) as the in-memory model says it should
// be; what mtools writes, it reads. The volume under test works on a whole-device image (offset 0).

/**
 * The implementation under test, on a whole-device image (offset 0). `close`, when it has one, is
 * called after the tools have checked the image: what they see is what the volume flushed.
 * (Before FatVolume existed: `new MtoolsVolume(image, 0)`.)
 */
const underTest: {
  readonly name: string;
  readonly open: (image: string) => FileVolume & { close?: () => Promise<void> };
} = { name: 'FatVolume', open: (image) => fatVolumeOnFile(image, 0) };

const fatTypes: FatType[] = [12, 16, 32];
const maxBytes = 1024 * 1024;

// --- names and sizes ---

const korean = 'cn=홍길동()0012345678901234,ou=personal4IB,ou=kiosk,o=yessign,c=kr';
/**
 * Folder names: 8.3 upper case, lower case, a leading dot, long Korean, spaces and several dots,
 * and pairs that differ only in case.
 */
const folderNames = [
  'NPKI',
  'npki',
  'yessign',
  'USER',
  '.kiosk-staging-1a2b3c',
  korean,
  korean.toUpperCase(),
  'my certs.2024.bak',
];
/** File names: overlapping the folder names, so that paths run into files and files into folders. */
const fileNames = [
  'signCert.der',
  'SIGNCERT.DER',
  'signPri.key',
  'yessign',
  'NPKI',
  '.kiosk-staging-1a2b3c',
  korean,
  'notes v1.2.final.txt',
];
/** Around the sector and cluster sizes, and a file of many clusters. */
const sizes = [0, 1, 511, 512, 513, 2048, 4097, 40_967];
/** A name that is in no pool: the path that does not exist. */
const missing = '/no such entry';

// --- the operations ---

interface FileSpec {
  readonly folders: string[];
  readonly name: string;
  readonly size: number;
  readonly seed: number;
}

/** Operations pick their target among the model's entries at run time (`pick` modulo them). */
type Op =
  | { readonly kind: 'create'; readonly files: FileSpec[] }
  | { readonly kind: 'rename'; readonly pick: number; readonly to: string }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'list'; readonly pick: number; readonly upper: boolean }
  | {
      readonly kind: 'read';
      readonly picks: number[];
      readonly upper: boolean;
      readonly maxBytes: number;
    };

const fileSpec: fc.Arbitrary<FileSpec> = fc.record({
  folders: fc.array(fc.constantFrom(...folderNames), { minLength: 1, maxLength: 3 }),
  name: fc.constantFrom(...fileNames),
  size: fc.constantFrom(...sizes),
  seed: fc.nat(),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      files: fc.uniqueArray(fileSpec, {
        minLength: 1,
        maxLength: 3,
        selector: (f) => pathOf(f).toLowerCase(),
      }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rename' as const),
      pick: fc.nat(),
      to: fc.constantFrom(...folderNames),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      pick: fc.nat(),
      upper: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      upper: fc.boolean(),
      maxBytes: fc.constantFrom(maxBytes, 512),
    }),
  },
);

function pathOf(spec: FileSpec): string {
  return volumePath(...spec.folders, spec.name);
}

function fileOf(spec: FileSpec): VolumeFile {
  return { path: pathOf(spec), bytes: patternBytes(spec.size, spec.seed) };
}

// --- outcomes, shapes and the trace of a run ---

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; error: unknown };

async function outcome<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

function told(result: Outcome<unknown>): string {
  return result.ok ? 'resolved' : `rejected (${errorText(result.error)})`;
}

/** The operations of one run so far, for the failure message. */
class Trace {
  private readonly lines: string[] = [];
  constructor(private readonly head: string) {}

  add(line: string): void {
    this.lines.push(line);
  }

  at(check: string): string {
    return [this.head, ...this.lines.map((line) => `  ${line}`), `failed: ${check}`].join('\n');
  }
}

type Kind = 'folder' | 'file' | 'neither';

function kindOf(entry: TreeEntry): Kind {
  if (entry.folder && !entry.file) return 'folder';
  if (entry.file && !entry.folder) return 'file';
  return 'neither';
}

/** Lower-cased path → kind: FAT compares names case-insensitively. */
function shapeOf(entries: readonly TreeEntry[]): Map<string, Kind> {
  return new Map(entries.map((e) => [e.path.toLowerCase(), kindOf(e)]));
}

/** `kind path` lines, one an entry (a duplicate stays a duplicate). */
function linesOf(entries: readonly TreeEntry[]): string[] {
  return entries.map((e) => `${kindOf(e)} ${e.path.toLowerCase()}`).sort();
}

/** Fails naming what is missing, what is extra and what is there twice. */
function expectSameSet(actual: readonly string[], expected: readonly string[], message: string) {
  const want = new Set(expected);
  const have = new Set(actual);
  const difference = {
    missing: expected.filter((x) => !have.has(x)),
    extra: actual.filter((x) => !want.has(x)),
    twice: actual.filter((x, i) => actual.indexOf(x) !== i),
  };
  expect(difference, message).toEqual({ missing: [], extra: [], twice: [] });
}

/** Undefined when the bytes are equal, else how they differ. */
function bytesDiffer(actual: Uint8Array | undefined, expected: Uint8Array): string | undefined {
  if (actual === undefined) return 'no bytes';
  if (Buffer.compare(Buffer.from(actual), Buffer.from(expected)) === 0) return undefined;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  return `${String(actual.length)} bytes instead of ${String(expected.length)}, first difference at byte ${String(at)}`;
}

function modelFiles(model: MemoryVolume): [string, Uint8Array][] {
  return [...model.snapshot()].flatMap(([path, v]) => (v === 'folder' ? [] : [[path, v]]));
}

function modelFolders(model: MemoryVolume): string[] {
  return [...model.snapshot()].flatMap(([path, v]) => (v === 'folder' ? [path] : []));
}

async function modelEntries(model: MemoryVolume): Promise<TreeEntry[]> {
  return (await model.listTree('/'))?.entries ?? [];
}

/** The volume's whole tree (listTree('/')), which must list. */
async function volumeEntries(volume: FileVolume, trace: Trace, when: string) {
  const tree = await outcome(() => volume.listTree('/'));
  expect(tree.ok ? 'listed' : told(tree), trace.at(`${when}: listTree('/')`)).toBe('listed');
  const value = tree.ok ? tree.value : undefined;
  expect(value, trace.at(`${when}: listTree('/') finds the root`)).toBeDefined();
  return value?.entries ?? [];
}

async function expectTreeLikeModel(
  volume: FileVolume,
  model: MemoryVolume,
  trace: Trace,
  when: string,
): Promise<void> {
  expectSameSet(
    linesOf(await volumeEntries(volume, trace, when)),
    linesOf(await modelEntries(model)),
    trace.at(`${when}: listTree('/') lists what the model holds`),
  );
}

function expectAgreement(
  model: Outcome<unknown>,
  volume: Outcome<unknown>,
  trace: Trace,
  what: string,
): void {
  trace.add(`${what}: model ${told(model)}, volume ${told(volume)}`);
  expect(
    volume.ok ? 'resolved' : 'rejected',
    trace.at(`${what}: the volume must do as the model`),
  ).toBe(model.ok ? 'resolved' : 'rejected');
  if (!volume.ok)
    expect(volume.error, trace.at(`${what}: rejects with an Error`)).toBeInstanceOf(Error);
}

/** What the tools say about the image: fsck clean, mdir and mcopy as the model. */
function expectToolsAgree(image: string, model: MemoryVolume, trace: Trace): void {
  expect(fsck(image), trace.at(`fsck.vfat -n ${image}`)).toEqual({ status: 0, complaints: [] });
  const expected = [...model.snapshot()].map(([path, v]) =>
    v === 'folder' ? `${path.toLowerCase()}/` : path.toLowerCase(),
  );
  expectSameSet(
    mdirPaths(image).map((p) => p.toLowerCase()),
    expected,
    trace.at(`mdir -/ -b -i ${image} ::/ lists what the model holds`),
  );
  for (const [path, bytes] of modelFiles(model))
    expect(bytesDiffer(mcopyOut(image, path), bytes), trace.at(`mcopy ::${path}`)).toBeUndefined();
}

async function expectFilesLikeModel(
  volume: FileVolume,
  model: MemoryVolume,
  trace: Trace,
): Promise<void> {
  const files = modelFiles(model);
  const read = await outcome(() =>
    volume.readFiles(
      files.map(([path]) => path),
      maxBytes,
    ),
  );
  expect(read.ok ? 'read' : told(read), trace.at('readFiles of every file')).toBe('read');
  const got = read.ok ? read.value : [];
  files.forEach(([path, bytes], i) => {
    expect(bytesDiffer(got[i], bytes), trace.at(`readFiles ${path}`)).toBeUndefined();
  });
}

// --- one step of a run ---

/** The model's entry `pick` of `among`, or the missing path one time in `among.length + 1`. */
function chosen(among: readonly string[], pick: number): string {
  return among[pick % (among.length + 1)] ?? missing;
}

async function step(volume: FileVolume, model: MemoryVolume, op: Op, trace: Trace) {
  switch (op.kind) {
    case 'create': {
      const files = op.files.map(fileOf);
      const what = `createFiles(${files.map((f) => `${f.path} [${String(f.bytes.length)}]`).join(', ')})`;
      const before = shapeOf(await modelEntries(model));
      const m = await outcome(() => model.createFiles(files));
      const v = await outcome(() => volume.createFiles(files));
      expectAgreement(m, v, trace, what);
      if (!m.ok) await afterRejectedCreate(volume, model, files, before, trace);
      await expectTreeLikeModel(volume, model, trace, `after ${what}`);
      return;
    }
    case 'rename': {
      const from = chosen(modelFolders(model), op.pick);
      const to = volumePath(parentOf(from), op.to);
      const what = `rename(${from}, ${to})`;
      const m = await outcome(() => model.rename(from, to));
      const v = await outcome(() => volume.rename(from, to));
      expectAgreement(m, v, trace, what);
      await expectTreeLikeModel(volume, model, trace, `after ${what}`);
      return;
    }
    case 'remove': {
      const path = chosen([...model.snapshot().keys()], op.pick);
      const what = `remove(${path})`;
      const m = await outcome(() => model.remove(path));
      const v = await outcome(() => volume.remove(path));
      expectAgreement(m, v, trace, what);
      await expectTreeLikeModel(volume, model, trace, `after ${what}`);
      return;
    }
    case 'list': {
      const file = modelFiles(model)[0]?.[0];
      const among = ['/', ...modelFolders(model), ...(file === undefined ? [] : [file])];
      const picked = chosen(among, op.pick);
      const dir = op.upper ? picked.toUpperCase() : picked;
      const what = `listTree(${dir})`;
      const m = await outcome(() => model.listTree(dir));
      const v = await outcome(() => volume.listTree(dir));
      expectAgreement(m, v, trace, what);
      if (!m.ok || !v.ok) return;
      expect(v.value?.path.toLowerCase(), trace.at(`${what}: the folder found`)).toBe(
        m.value?.path.toLowerCase(),
      );
      expectSameSet(
        linesOf(v.value?.entries ?? []),
        linesOf(m.value?.entries ?? []),
        trace.at(`${what}: the entries`),
      );
      return;
    }
    case 'read': {
      const files = modelFiles(model).map(([path]) => path);
      const paths = op.picks.map((pick) => {
        const picked = chosen(files, pick);
        return op.upper ? picked.toUpperCase() : picked;
      });
      const what = `readFiles([${paths.join(', ')}], ${String(op.maxBytes)})`;
      const m = await outcome(() => model.readFiles(paths, op.maxBytes));
      const v = await outcome(() => volume.readFiles(paths, op.maxBytes));
      expectAgreement(m, v, trace, what);
      if (!m.ok || !v.ok) return;
      expect(v.value.length, trace.at(`${what}: one result a path`)).toBe(paths.length);
      m.value.forEach((bytes, i) => {
        expect(
          bytesDiffer(v.value[i], bytes),
          trace.at(`${what}: ${paths[i] ?? ''}`),
        ).toBeUndefined();
      });
      return;
    }
  }
}

/**
 * A rejected createFiles may have written some of its files, whole, and the folders on their
 * paths, and changes nothing else. The model (which writes the files in order up to the failing
 * one) is then brought to what the volume holds, and the run goes on from there.
 */
async function afterRejectedCreate(
  volume: FileVolume,
  model: MemoryVolume,
  files: readonly VolumeFile[],
  before: ReadonlyMap<string, Kind>,
  trace: Trace,
): Promise<void> {
  const seen = shapeOf(await volumeEntries(volume, trace, 'after the rejected createFiles'));
  /** `kind path` (lower case) → the path as the call spells it. */
  const allowed = new Map<string, string>();
  for (const file of files) {
    allowed.set(`file ${file.path.toLowerCase()}`, file.path);
    for (let dir = parentOf(file.path); dir !== '/'; dir = parentOf(dir))
      allowed.set(`folder ${dir.toLowerCase()}`, dir);
  }
  const changed = {
    gone: [...before].filter(([p, k]) => seen.get(p) !== k).map(([p, k]) => `${k} ${p}`),
    unexpected: [...seen]
      .filter(([p, k]) => !before.has(p) && !allowed.has(`${k} ${p}`))
      .map(([p, k]) => `${k} ${p}`),
  };
  expect(
    changed,
    trace.at('a rejected createFiles adds only some of its files and their folders'),
  ).toEqual({ gone: [], unexpected: [] });
  const written = files.filter(
    (f) => seen.get(f.path.toLowerCase()) === 'file' && !before.has(f.path.toLowerCase()),
  );
  const added = [...seen].filter(([p]) => !before.has(p)).map(([p, k]) => `${k} ${p}`);
  trace.add(`  after the rejection the volume added: ${added.join(', ') || 'nothing'}`);
  if (written.length > 0) {
    const read = await volume.readFiles(
      written.map((f) => f.path),
      maxBytes,
    );
    written.forEach((file, i) => {
      expect(
        bytesDiffer(read[i], file.bytes),
        trace.at(`${file.path}, kept after the rejected createFiles, is whole`),
      ).toBeUndefined();
    });
  }
  // The model follows the volume: what the volume lacks goes, what it added comes.
  const modelNow = shapeOf(await modelEntries(model));
  const surplus = [...modelNow].filter(([p, k]) => seen.get(p) !== k).map(([p]) => p);
  for (const path of surplus.sort((a, b) => a.length - b.length))
    if (shapeOf(await modelEntries(model)).has(path)) await model.remove(path);
  for (const file of written)
    if (!shapeOf(await modelEntries(model)).has(file.path.toLowerCase()))
      await model.createFiles([file]);
  for (const entry of added) {
    const dir = allowed.get(entry);
    if (!entry.startsWith('folder ') || dir === undefined) continue;
    if (shapeOf(await modelEntries(model)).has(dir.toLowerCase())) continue;
    const placeholder = volumePath(dir, 'placeholder');
    await model.createFiles([{ path: placeholder, bytes: new Uint8Array() }]);
    await model.remove(placeholder);
  }
}

// --- the tests ---

/** Calls the model and then the volume; they must agree (resolve both, or reject both). */
async function both(
  volume: FileVolume,
  model: MemoryVolume,
  trace: Trace,
  what: string,
  call: (on: FileVolume) => Promise<unknown>,
): Promise<void> {
  const m = await outcome(() => call(model));
  const v = await outcome(() => call(volume));
  expectAgreement(m, v, trace, what);
}

/** A tree written by mtools alone, and what it holds as written. */
function mtoolsTree(format: FatFormat): { image: string; folders: string[]; files: VolumeFile[] } {
  const image = formatImage(format);
  const folders = [
    '/NPKI',
    '/NPKI/yessign',
    '/NPKI/yessign/USER',
    `/NPKI/yessign/USER/${korean}`,
    '/NPKI/Kica',
    '/NPKI/Kica/Users',
    '/.kiosk-staging-1a2b3c',
    '/NPKI/many',
    '/frag',
  ];
  for (const folder of folders) mmd(image, folder);
  const files: VolumeFile[] = [];
  let seed = 1;
  const put = (folder: string, names: { name: string; size: number }[]) => {
    const written = names.map(({ name, size }) => ({ name, bytes: patternBytes(size, seed++) }));
    mcopyIn(image, written, folder);
    for (const { name, bytes } of written) files.push({ path: volumePath(folder, name), bytes });
  };
  put(`/NPKI/yessign/USER/${korean}`, [
    { name: 'signCert.der', size: 1234 },
    { name: 'signPri.key', size: 1300 },
  ]);
  put('/NPKI/Kica/Users', [{ name: 'KmCert.der', size: 2000 }]);
  put('/', [
    { name: 'README.TXT', size: 5 },
    { name: 'read me.first.txt', size: 513 },
  ]);
  put('/.kiosk-staging-1a2b3c', [{ name: 'empty', size: 0 }]);
  // More than 40 entries, each with long-name slots: the folder spans several clusters.
  put(
    '/NPKI/many',
    Array.from({ length: 45 }, (_, i) => ({
      name: i % 2 === 0 ? `인증서 사본 ${String(i)}.der` : `signCert-${String(i)}.der`,
      size: (i * 37) % 1500,
    })),
  );
  // Holes left by deleted files, then a file of many clusters: its chain need not be contiguous.
  put(
    '/frag',
    Array.from({ length: 12 }, (_, i) => ({ name: `F${String(i)}.BIN`, size: 2048 })),
  );
  const deleted = files.filter((f) => /^\/frag\/F\d*[02468]\.BIN$/.test(f.path));
  mdel(
    image,
    deleted.map((f) => f.path),
  );
  put('/NPKI', [{ name: 'big certificate archive.bin', size: 300_000 }]);
  return { image, folders, files: files.filter((f) => !deleted.includes(f)) };
}

function entriesOf(folders: readonly string[], files: readonly VolumeFile[]): TreeEntry[] {
  return [
    ...folders.map((path) => ({ path, folder: true, file: false })),
    ...files.map(({ path }) => ({ path, folder: false, file: true })),
  ];
}

function exactLinesOf(entries: readonly TreeEntry[]): string[] {
  return entries.map((e) => `${kindOf(e)} ${e.path}`).sort();
}

const pad = (i: number): string => String(i).padStart(3, '0');

/** Runs `work` on the volume under test opened on `image`, with an empty model; then closes it. */
async function onImage(
  image: string,
  label: string,
  work: (volume: FileVolume, model: MemoryVolume, trace: Trace) => Promise<void>,
): Promise<void> {
  const volume = underTest.open(image);
  try {
    await work(
      volume,
      new MemoryVolume('model'),
      new Trace(`${label} ${image}, ${underTest.name}:`),
    );
  } finally {
    await volume.close?.();
  }
}

describe(`${underTest.name} against mkfs.vfat, fsck.vfat and mtools`, () => {
  describe.each(fatTypes)('FAT%i', (fat) => {
    const format = fatFormats[fat];
    const label = `FAT${String(fat)}`;

    it('random createFiles, rename, remove, listTree and readFiles do as the model, and fsck, mdir and mcopy agree', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
          const image = formatImage(format);
          return onImage(image, label, async (volume, model, trace) => {
            for (const each of ops) await step(volume, model, each, trace);
            await expectTreeLikeModel(volume, model, trace, 'at the end');
            await expectFilesLikeModel(volume, model, trace);
            expectToolsAgree(image, model, trace);
          });
        }),
        { numRuns: 20, plugins: [fc.interruptAfterTimeLimit(25_000, { failOnInterrupt: true })] },
      );
    });

    describe('a tree written by mmd and mcopy', () => {
      let tree: ReturnType<typeof mtoolsTree>;
      let volume: ReturnType<typeof underTest.open>;
      let trace: Trace;
      beforeAll(() => {
        tree = mtoolsTree(format);
        volume = underTest.open(tree.image);
        trace = new Trace(`${label} ${tree.image}, written by mtools, read by ${underTest.name}:`);
      });
      afterAll(async () => {
        await volume.close?.();
      });

      it('reads every file’s bytes, in a folder of 45 long names and a file of many clusters', async () => {
        const read = await volume.readFiles(
          tree.files.map((f) => f.path),
          maxBytes,
        );
        expect(read.length).toBe(tree.files.length);
        tree.files.forEach((file, i) => {
          expect(
            bytesDiffer(read[i], file.bytes),
            trace.at(`readFiles ${file.path}`),
          ).toBeUndefined();
        });
      });

      it('lists every folder and file (compared case-insensitively)', async () => {
        expectSameSet(
          linesOf(await volumeEntries(volume, trace, 'listTree')),
          linesOf(entriesOf(tree.folders, tree.files)),
          trace.at("listTree('/')"),
        );
      });

      it('spells the names as mtools stored them (long names, and 8.3 names in lower case)', async () => {
        expectSameSet(
          exactLinesOf(await volumeEntries(volume, trace, 'listTree')),
          exactLinesOf(entriesOf(tree.folders, tree.files)),
          trace.at("listTree('/'), names compared exactly"),
        );
        const nested = await volume.listTree('/npki/YESSIGN');
        expect(nested?.path, trace.at("listTree('/npki/YESSIGN') names the folder as stored")).toBe(
          '/NPKI/yessign',
        );
      });
    });

    it('a folder grown to 100 files, half removed, folders renamed to long names into the freed slots: fsck-clean, as mdir lists', async () => {
      const image = formatImage(format);
      await onImage(image, label, async (volume, model, trace) => {
        const dir = '/NPKI/yessign/USER';
        const subfolders = [0, 1, 2, 3].map((k) => volumePath(dir, `S${String(k)}`));
        const inside = subfolders.map((sub, k) => ({
          path: volumePath(sub, 'signCert.der'),
          bytes: patternBytes(700, 1000 + k),
        }));
        await both(volume, model, trace, `createFiles(${dir}/S0..S3/signCert.der)`, (on) =>
          on.createFiles(inside),
        );
        // Clusters freed with a file's bytes still in them, for the folder to grow into: a
        // folder cluster not cleared would show those bytes as entries.
        const junk = { path: '/junk.bin', bytes: patternBytes(200_000, 7) };
        await both(volume, model, trace, 'createFiles(/junk.bin)', (on) => on.createFiles([junk]));
        await both(volume, model, trace, 'remove(/junk.bin)', (on) => on.remove(junk.path));
        // Each name takes 5 slots (4 long-name slots and the 8.3 one).
        const names = Array.from(
          { length: 100 },
          (_, i) => `cn=홍길동${pad(i)}()00123456789,ou=personal4IB.der`,
        );
        for (let batch = 0; batch < 100; batch += 10) {
          const files = names.slice(batch, batch + 10).map((name, j) => ({
            path: volumePath(dir, name),
            bytes: patternBytes(((batch + j) % 5) * 300, batch + j),
          }));
          await both(volume, model, trace, `createFiles(${dir}/files ${pad(batch)}..)`, (on) =>
            on.createFiles(files),
          );
        }
        // Two of every four removed: holes of 10 slots between the files kept.
        for (const [i, name] of names.entries())
          if (i % 4 < 2)
            await both(volume, model, trace, `remove(${dir}/${name})`, (on) =>
              on.remove(volumePath(dir, name)),
            );
        // 6 slots each (5 long-name slots and the 8.3 one): they fit the holes.
        for (const [k, sub] of subfolders.entries()) {
          const long = korean.replace('0012345678901234', `001234567890123${String(k)}`);
          const to = volumePath(dir, long);
          await both(volume, model, trace, `rename(${sub}, ${to})`, (on) => on.rename(sub, to));
        }
        await expectTreeLikeModel(volume, model, trace, 'at the end');
        await expectFilesLikeModel(volume, model, trace);
        expectToolsAgree(image, model, trace);
      });
    });
  });

  it('a small FAT12 image filled until createFiles rejects with DriveFullError: fsck-clean, mdir lists the files reported written', async () => {
    const image = formatImage({ fat: 12, mib: 1 });
    await onImage(image, 'FAT12', async (volume, model, trace) => {
      let rejection: unknown;
      for (let i = 0; i < 200 && rejection === undefined; i++) {
        const file = {
          path: `/NPKI/fill/F${pad(i)}.BIN`,
          bytes: patternBytes(30_000 + 1_111 * i, i),
        };
        const v = await outcome(() => volume.createFiles([file]));
        trace.add(`createFiles(${file.path} [${String(file.bytes.length)}]): ${told(v)}`);
        if (v.ok) await model.createFiles([file]);
        else rejection = v.error;
      }
      expect(rejection, trace.at('createFiles rejects once full')).toBeInstanceOf(DriveFullError);
      expect(modelFiles(model).length, trace.at('some files fit')).toBeGreaterThan(0);
      await expectTreeLikeModel(volume, model, trace, 'after the rejection');
      await expectFilesLikeModel(volume, model, trace);
      expectToolsAgree(image, model, trace);
    });
  });

  describe.each([12, 16] as const)('FAT%i with a root folder of 16 entries', (fat) => {
    it.each([
      { names: '8.3 upper-case names', name: (i: number) => `DIR${pad(i)}` },
      {
        names: 'long Korean names',
        name: (i: number) => `cn=홍길동()0012345678901234,ou=personal4IB${pad(i)},ou=kiosk`,
      },
    ])(
      'more folders in / than it holds ($names): the one too many is rejected, fsck-clean, the others kept',
      async ({ name }) => {
        const image = formatImage({ ...fatFormats[fat], rootEntries: 16 });
        const slots = rootFolderSlots(image);
        const free = slots.total - slots.used;
        // A valid upper-case 8.3 name takes one slot; any other name one more per 13 UTF-16
        // units of its long name.
        const first = name(0);
        const slotsEach = /^[A-Z0-9]{1,8}$/.test(first) ? 1 : 1 + Math.ceil(first.length / 13);
        const fits = Math.floor(free / slotsEach);
        await onImage(image, `FAT${String(fat)}`, async (volume, model, trace) => {
          let rejection: unknown;
          for (let i = 0; i <= free && rejection === undefined; i++) {
            const file = { path: volumePath(name(i), 'signCert.der'), bytes: patternBytes(100, i) };
            const v = await outcome(() => volume.createFiles([file]));
            trace.add(`createFiles(${file.path}): ${told(v)}`);
            if (v.ok) await model.createFiles([file]);
            else rejection = v.error;
          }
          expect(
            rejection,
            trace.at(`rejects past ${String(free)} free root slots`),
          ).toBeInstanceOf(Error);
          expect(modelFolders(model).length, trace.at(`${String(fits)} folders fit`)).toBe(fits);
          await expectTreeLikeModel(volume, model, trace, 'after the rejection');
          await expectFilesLikeModel(volume, model, trace);
          expectToolsAgree(image, model, trace);
        });
      },
    );
  });
});
