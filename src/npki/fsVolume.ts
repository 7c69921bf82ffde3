import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageIoError, storageIoError } from '../errors/index.js';
import { readBoundedFile } from '../io/readBoundedFile.js';
import type { NpkiVolume, VolumeEntry } from './volume.js';

/**
 * An NPKI medium that is a folder (`dir:`): the folder that contains `NPKI/`. Links are listed as
 * neither folder nor file and never followed (a link could lead off the medium); files are
 * written exclusively and flushed, renames flush the folder, so a crash leaves what the layout's
 * recovery expects. Failures are StorageIoError with the errno.
 */
export class FsVolume implements NpkiVolume {
  constructor(readonly name: string) {}

  /** The absolute path of a volume path. */
  pathOf(path: string): string {
    return join(this.name, path);
  }

  async list(dir: string): Promise<VolumeEntry[] | undefined> {
    const path = this.pathOf(dir);
    try {
      const stat = await lstat(path);
      if (!stat.isDirectory()) return undefined;
      return (await readdir(path, { withFileTypes: true })).map((d) => ({
        name: d.name,
        folder: d.isDirectory(),
        file: d.isFile(),
      }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageIoError(path, error);
    }
  }

  async read(path: string, maxBytes: number): Promise<Uint8Array> {
    const absolute = this.pathOf(path);
    const stat = await lstat(absolute).catch((error: unknown) => {
      throw storageIoError(absolute, error);
    });
    if (stat.isSymbolicLink()) throw new StorageIoError(absolute, 'a symbolic link');
    const read = await readBoundedFile(absolute, maxBytes);
    if (!read.ok) throw new StorageIoError(absolute, read.problem, { cause: read.cause });
    return read.bytes;
  }

  async mkdir(path: string): Promise<void> {
    const absolute = this.pathOf(path);
    await mkdir(absolute).catch((error: unknown) => {
      throw storageIoError(absolute, error);
    });
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const absolute = this.pathOf(path);
    try {
      // O_EXCL | O_NOFOLLOW: never through a link, never over something already there.
      const handle = await open(
        absolute,
        constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw storageIoError(absolute, error);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    try {
      await rename(this.pathOf(from), target);
      await syncDir(dirname(target));
    } catch (error) {
      throw storageIoError(target, error);
    }
  }

  async remove(path: string): Promise<void> {
    const absolute = this.pathOf(path);
    await rm(absolute, { recursive: true, force: true }).catch((error: unknown) => {
      throw storageIoError(absolute, error);
    });
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
