import { spawnSync } from 'node:child_process';
import { openSync, closeSync, readSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tempDir.js';

// FAT images made and inspected by the real tools (dosfstools, mtools), independent of any
// FileVolume implementation: the referee for tests of the volumes that write FAT.

const mib = 1024 * 1024;

/** mtools writes Korean names as `____` without a UTF-8 locale; the check refuses image files. */
const toolEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };

export interface ToolResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a tool without a shell, stdin closed (mtools would ask on a clash). */
export function tool(command: string, args: readonly string[]): ToolResult {
  const run = spawnSync(command, args, {
    env: toolEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * mib,
    timeout: 30_000,
  });
  if (run.error !== undefined)
    throw new Error(`${command} could not run: ${run.error.message}`, { cause: run.error });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8') };
}

/** Runs a tool that must succeed; its output. */
export function mustRun(command: string, args: readonly string[]): Buffer {
  const run = tool(command, args);
  if (run.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${String(run.status)}: ${run.stderr}` +
        run.stdout.toString('utf8'),
    );
  return run.stdout;
}

export type FatType = 12 | 16 | 32;

export interface FatFormat {
  readonly fat: FatType;
  readonly mib: number;
  /** Root folder entries (FAT12/16 only: `mkfs.vfat -r`). */
  readonly rootEntries?: number;
  /** Sectors (of 512 bytes) per cluster (`mkfs.vfat -s`). */
  readonly sectorsPerCluster?: number;
}

/** The kinds of FAT a USB stick comes with, small enough to be cheap as sparse files. */
export const fatFormats: Readonly<Record<FatType, FatFormat>> = {
  12: { fat: 12, mib: 4 },
  16: { fat: 16, mib: 32 },
  // 512-byte clusters: a folder of a few dozen entries spans several clusters.
  32: { fat: 32, mib: 64, sectorsPerCluster: 1 },
};

/** A freshly formatted whole-device image (`-I`: no partition table), sparse. */
export function formatImage(format: FatFormat, dir = tempDir('fat-')): string {
  const path = join(dir, `fat${String(format.fat)}.img`);
  writeFileSync(path, '');
  truncateSync(path, format.mib * mib);
  mustRun('mkfs.vfat', [
    '-F',
    String(format.fat),
    '-I',
    ...(format.rootEntries === undefined ? [] : ['-r', String(format.rootEntries)]),
    ...(format.sectorsPerCluster === undefined ? [] : ['-s', String(format.sectorsPerCluster)]),
    path,
  ]);
  return path;
}

export interface FsckResult {
  readonly status: number | null;
  /** Every line of the output but the banner and the summary: what fsck found wrong. */
  readonly complaints: string[];
}

/** `fsck.vfat -n` (nothing changed): clean is `{ status: 0, complaints: [] }`. */
export function fsck(image: string): FsckResult {
  const run = tool('fsck.vfat', ['-n', image]);
  const lines = `${run.stdout.toString('utf8')}\n${run.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '');
  const complaints = lines.filter(
    (line) => !/^fsck\.fat \d/.test(line) && !/: \d+ files, \d+\/\d+ clusters$/.test(line),
  );
  return { status: run.status, complaints };
}

/**
 * Every path below the root as `mdir -/ -b` lists it, folders ending in '/'. mdir reports an empty
 * root as `File "::/" not found` (status 1) — that, and only that, is an empty list.
 */
export function mdirPaths(image: string): string[] {
  const run = tool('mdir', ['-/', '-b', '-i', image, '::/']);
  const lines = run.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  if (run.status !== 0) {
    if (lines.length === 0 && run.stderr.trim() === 'mdir: File "::/" not found') return [];
    throw new Error(`mdir exited ${String(run.status)}: ${run.stderr}`);
  }
  return lines.map((line) => {
    if (!line.startsWith('::/')) throw new Error(`mdir wrote an unexpected line: ${line}`);
    return line.slice(2);
  });
}

/** A file's bytes as `mcopy -n` copies them out of the image. */
export function mcopyOut(image: string, path: string): Buffer {
  const local = join(tempDir('mcopy-'), 'out');
  mustRun('mcopy', ['-n', '-i', image, `::${path}`, local]);
  return readFileSync(local);
}

/** Makes a folder with `mmd` (its parent must exist). */
export function mmd(image: string, path: string): void {
  mustRun('mmd', ['-i', image, `::${path}`]);
}

/** Copies files into a folder of the image with `mcopy`, under their local names. */
export function mcopyIn(
  image: string,
  files: readonly { name: string; bytes: Uint8Array }[],
  folder: string,
): void {
  const dir = tempDir('mcopy-in-');
  for (const { name, bytes } of files) writeFileSync(join(dir, name), bytes);
  mustRun('mcopy', ['-i', image, ...files.map(({ name }) => join(dir, name)), `::${folder}/`]);
}

/** Deletes files with `mdel`. */
export function mdel(image: string, paths: readonly string[]): void {
  mustRun('mdel', ['-i', image, ...paths.map((p) => `::${p}`)]);
}

/** Bytes that differ at every position and from file to file (xorshift32 from `seed`). */
export function patternBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = Math.imul(seed + 1, 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The FAT12/16 root folder's slots, read from the boot sector and the root region directly: how
 * many there are and how many are in use (neither free 0x00 nor deleted 0xE5).
 */
export function rootFolderSlots(image: string): { total: number; used: number } {
  const fd = openSync(image, 'r');
  try {
    const boot = Buffer.alloc(512);
    readSync(fd, boot, 0, 512, 0);
    const bytesPerSector = boot.readUInt16LE(11);
    const reserved = boot.readUInt16LE(14);
    const fats = boot.readUInt8(16);
    const total = boot.readUInt16LE(17);
    const fatSectors = boot.readUInt16LE(22);
    if (total === 0 || fatSectors === 0) throw new Error(`${image}: FAT32, no fixed root folder`);
    const root = Buffer.alloc(total * 32);
    readSync(fd, root, 0, root.length, (reserved + fats * fatSectors) * bytesPerSector);
    let used = 0;
    for (let at = 0; at < root.length; at += 32) {
      const first = root[at];
      if (first !== 0x00 && first !== 0xe5) used++;
    }
    return { total, used };
  } finally {
    closeSync(fd);
  }
}
