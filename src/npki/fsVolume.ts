import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageIoError, storageIoError } from '../errors/index.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import {
  maxTreeEntries,
  parentOf,
  volumePath,
  type FileVolume,
  type TreeEntry,
  type VolumeFile,
  type VolumeTree,
} from '../shared/volume.js';

/**
 * An NPKI medium that is a folder (`dir:`): the folder that contains `NPKI/`. Links are listed as
 * neither folder nor file and never followed (a link could lead off the medium); files are
 * written exclusively and flushed, renames flush the folder, so a crash leaves what the layout's
 * recovery expects. Failures are StorageIoError with the errno.
 */
export class FsVolume implements FileVolume {
  constructor(readonly name: string) {}

  /** The absolute path of a volume path. */
  pathOf(path: string): string {
    return join(this.name, path);
  }

  async listTree(dir: string): Promise<VolumeTree | undefined> {
    // Each segment case-insensitively, as on FAT: Korean software writes NPKI and npki alike.
    let found = '/';
    for (const segment of dir.split('/').filter((s) => s !== '')) {
      const hit = (await this.children(found))?.find(
        (e) => e.folder && e.name.toLowerCase() === segment.toLowerCase(),
      );
      if (hit === undefined) return undefined;
      found = volumePath(found, hit.name);
    }
    const entries: TreeEntry[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const child of (await this.children(folder)) ?? []) {
        if (entries.length >= maxTreeEntries)
          throw new StorageIoError(this.pathOf(dir), `more than ${String(maxTreeEntries)} entries`);
        const path = volumePath(folder, child.name);
        entries.push({ path, folder: child.folder, file: child.file });
        if (child.folder) await walk(path);
      }
    };
    await walk(found);
    return { path: found, entries };
  }

  async readFiles(paths: readonly string[], maxBytes: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const path of paths) {
      const absolute = this.pathOf(path);
      const stat = await lstat(absolute).catch((error: unknown) => {
        throw storageIoError(absolute, error);
      });
      if (stat.isSymbolicLink()) throw new StorageIoError(absolute, 'a symbolic link');
      const read = await readBoundedFile(absolute, maxBytes);
      if (!read.ok) throw new StorageIoError(absolute, read.problem, { cause: read.cause });
      out.push(read.bytes);
    }
    return out;
  }

  async createFiles(files: readonly VolumeFile[]): Promise<void> {
    for (const file of files) {
      await this.ensureFolder(parentOf(file.path));
      const absolute = this.pathOf(file.path);
      try {
        // O_EXCL | O_NOFOLLOW: never through a link, never over something already there.
        const handle = await open(
          absolute,
          constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          await handle.writeFile(file.bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw storageIoError(absolute, error);
      }
    }
    for (const folder of new Set(files.map((f) => parentOf(f.path))))
      await syncDir(this.pathOf(folder)).catch((error: unknown) => {
        throw storageIoError(this.pathOf(folder), error);
      });
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

  /** Creates the folders of `path` that are missing; a file or a link on the way is refused. */
  private async ensureFolder(path: string): Promise<void> {
    let dir = '/';
    for (const segment of path.split('/').filter((s) => s !== '')) {
      dir = volumePath(dir, segment);
      const absolute = this.pathOf(dir);
      const stat = await lstat(absolute).catch(() => undefined);
      if (stat === undefined) {
        await mkdir(absolute).catch((error: unknown) => {
          throw storageIoError(absolute, error);
        });
      } else if (!stat.isDirectory()) {
        throw new StorageIoError(
          absolute,
          stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder',
        );
      }
    }
  }

  private async children(
    dir: string,
  ): Promise<{ name: string; folder: boolean; file: boolean }[] | undefined> {
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
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
