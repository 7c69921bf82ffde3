import { DriveFullError, DriveIoError, DriveReadOnlyError, DriveRemovedError } from './errors.js';
import {
  maxTreeEntries,
  parentOf,
  volumePath,
  type FileVolume,
  type VolumeFile,
  type VolumeTree,
} from '../../src/shared/volume.js';

/** The volume calls that change the medium, in the order the fault controls count them. */
export type MutatingCall = 'mkdir' | 'write' | 'rename' | 'remove';

/**
 * A FAT volume in memory with the faults a real drive has and SoftHSM-like tools cannot make:
 * pulled out after N bytes written or at the Nth change, full, read-only, an I/O error. Folder and
 * file names compare case-insensitively, as on FAT. What a pull leaves is what FAT would: files
 * written up to the byte the drive went away at, renames either done or not.
 */
export class MemoryVolume implements FileVolume {
  readonly name: string;
  /** Volume path (lower case) → entry. The root folder is implicit. */
  private readonly entries = new Map<string, { name: string; bytes?: Uint8Array }>();
  private present = true;
  private bytesUntilPull = Infinity;
  private changesUntilPull = Infinity;
  private changesUntilIoError = Infinity;
  /** Free space in bytes; unlimited if absent. */
  freeBytes = Infinity;
  readOnly = false;
  /** Every change made, in order (for tests that pull at each step). */
  readonly changes: string[] = [];

  constructor(name = 'memory') {
    this.name = name;
  }

  /** The drive goes away after `bytes` more bytes are written (a file may be left partial). */
  pullAfterBytes(bytes: number): void {
    this.bytesUntilPull = bytes;
  }

  /** The drive goes away just before its `n`th next change (0: the next one). */
  pullBeforeChange(n: number): void {
    this.changesUntilPull = n;
  }

  /** The `n`th next change fails with an I/O error (0: the next one); the drive stays. */
  ioErrorAtChange(n: number): void {
    this.changesUntilIoError = n;
  }

  /** Pulls the drive out now. */
  pull(): void {
    this.present = false;
  }

  /** Puts the drive back in, content as the pull left it. */
  reinsert(): void {
    this.present = true;
    this.bytesUntilPull = Infinity;
    this.changesUntilPull = Infinity;
  }

  get isPresent(): boolean {
    return this.present;
  }

  /** Empties the volume (a format). */
  clear(): void {
    this.live();
    this.entries.clear();
  }

  /** Every file with its bytes, by its path as written (for assertions on the medium). */
  snapshot(): Map<string, Uint8Array | 'folder'> {
    const out = new Map<string, Uint8Array | 'folder'>();
    for (const [key, entry] of [...this.entries].sort(([a], [b]) => a.localeCompare(b)))
      out.set(this.displayPath(key, entry.name), entry.bytes?.slice() ?? 'folder');
    return out;
  }

  listTree(dir: string): Promise<VolumeTree | undefined> {
    return settle(() => {
      this.live();
      const key = keyOf(dir);
      if (key !== '/' && this.entries.get(key)?.bytes !== undefined) return undefined;
      if (key !== '/' && !this.entries.has(key)) return undefined;
      const prefix = key === '/' ? '/' : `${key}/`;
      const path = key === '/' ? '/' : this.displayPath(key, this.entries.get(key)?.name ?? '');
      const entries = [...this.entries]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, e]) => ({
          path: this.displayPath(k, e.name),
          folder: e.bytes === undefined,
          file: e.bytes !== undefined,
        }));
      if (entries.length > maxTreeEntries) throw new DriveIoError(`${dir}: too many entries`);
      return { path, entries };
    });
  }

  readFiles(paths: readonly string[], maxBytes: number): Promise<Uint8Array[]> {
    return settle(() => {
      this.live();
      return paths.map((path) => {
        const bytes = this.entries.get(keyOf(path))?.bytes;
        if (bytes === undefined) throw new DriveIoError(`${path}: not found`);
        if (bytes.length > maxBytes)
          throw new DriveIoError(`${path}: larger than ${String(maxBytes)} bytes`);
        return bytes.slice();
      });
    });
  }

  /** Each missing folder and each file is one change, in path order (what the faults count). */
  createFiles(files: readonly VolumeFile[]): Promise<void> {
    return settle(() => {
      for (const file of files) {
        let dir = '';
        for (const segment of parentOf(file.path)
          .split('/')
          .filter((p) => p !== '')) {
          dir = `${dir}/${segment}`;
          const entry = this.entries.get(keyOf(dir));
          if (entry?.bytes !== undefined) throw new DriveIoError(`${dir}: a file`);
          if (entry === undefined) {
            this.change('mkdir', dir);
            this.entries.set(keyOf(dir), { name: segment });
          }
        }
        this.writeFile(file.path, file.bytes);
      }
    });
  }

  private writeFile(path: string, bytes: Uint8Array): void {
    this.change('write', path);
    if (this.entries.has(keyOf(path))) throw new DriveIoError(`${path}: exists`);
    if (bytes.length > this.freeBytes) throw new DriveFullError(`${path}: no space left`);
    const kept = Math.min(bytes.length, this.bytesUntilPull);
    this.entries.set(keyOf(path), { name: baseName(path), bytes: bytes.slice(0, kept) });
    this.freeBytes -= kept;
    this.bytesUntilPull -= kept;
    if (kept < bytes.length || this.bytesUntilPull <= 0) {
      this.present = false;
      throw new DriveRemovedError(`pulled while writing ${path}`);
    }
  }

  rename(from: string, to: string): Promise<void> {
    return settle(() => {
      this.change('rename', `${from} -> ${to}`);
      const fromKey = keyOf(from);
      if (!this.entries.has(fromKey)) throw new DriveIoError(`${from}: not found`);
      if (this.entries.has(keyOf(to))) throw new DriveIoError(`${to}: exists`);
      for (const [key, entry] of [...this.entries]) {
        if (key === fromKey || key.startsWith(`${fromKey}/`)) {
          this.entries.delete(key);
          const moved = keyOf(to) + key.slice(fromKey.length);
          this.entries.set(moved, key === fromKey ? { ...entry, name: baseName(to) } : entry);
        }
      }
    });
  }

  remove(path: string): Promise<void> {
    return settle(() => {
      this.change('remove', path);
      const key = keyOf(path);
      if (!this.entries.has(key)) throw new DriveIoError(`${path}: not found`);
      for (const k of [...this.entries.keys()])
        if (k === key || k.startsWith(`${key}/`)) {
          this.freeBytes += this.entries.get(k)?.bytes?.length ?? 0;
          this.entries.delete(k);
        }
    });
  }

  private live(): void {
    if (!this.present) throw new DriveRemovedError(`${this.name} is not there`);
  }

  /** One change is about to happen: the armed faults strike here. */
  private change(call: MutatingCall, what: string): void {
    this.live();
    if (this.changesUntilPull-- <= 0) {
      this.present = false;
      throw new DriveRemovedError(`pulled before ${call} ${what}`);
    }
    if (this.changesUntilIoError-- <= 0) {
      this.changesUntilIoError = Infinity;
      throw new DriveIoError(`I/O error on ${call} ${what}`);
    }
    if (this.readOnly) throw new DriveReadOnlyError(`${call} ${what}: read-only`);
    this.changes.push(`${call} ${what}`);
  }

  private displayPath(key: string, name: string): string {
    const parentKey = key.replace(/\/[^/]*$/, '');
    if (parentKey === '') return volumePath(name);
    const parent = this.entries.get(parentKey);
    return volumePath(this.displayPath(parentKey, parent?.name ?? ''), name);
  }
}

function keyOf(path: string): string {
  return volumePath(path).toLowerCase().replace(/\/$/, '') || '/';
}

function baseName(path: string): string {
  return volumePath(path).split('/').pop() ?? '';
}

function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(call());
  });
}
