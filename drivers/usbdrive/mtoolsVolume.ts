import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DriveFullError,
  DriveIoError,
  DriveNotFatError,
  DriveReadOnlyError,
  DriveRemovedError,
  KioskError,
} from '../../src/errors/index.js';
import {
  baseNameOf,
  maxTreeEntries,
  parentOf,
  type NpkiVolume,
  type TreeEntry,
  type VolumeFile,
  type VolumeTree,
} from '../../src/npki/volume.js';
import { runTool, type ToolOptions, type ToolRun } from './tool.js';

/**
 * A FAT volume on a block device or an image file, worked through mtools without mounting
 * (DESIGN §3.4; `mount` of vfat is not available to the kiosk). `offset` is the byte offset of the
 * FAT volume on the device (`@@offset`, for partitioned drives). Every mtools process reads the
 * FAT again, so each member is one process: a whole tree listed, several files created or read.
 */
export class MtoolsVolume implements NpkiVolume {
  private readonly image: string;
  readonly name: string;

  constructor(
    private readonly device: string,
    offset: number,
    private readonly options: Pick<ToolOptions, 'signal' | 'timeoutMs'> = {},
  ) {
    this.image = offset === 0 ? device : `${device}@@${String(offset)}`;
    this.name = device;
  }

  async listTree(dir: string): Promise<VolumeTree | undefined> {
    const run = await this.mtools('mdir', ['-/', '-b', `::${dir}`]);
    if (run.status !== 0) {
      if (!/not found/i.test(run.stderr)) throw await this.failure('mdir', run);
      // A recursive listing of an empty folder says "not found" too: a plain one tells them
      // apart (nothing for an empty folder, the file itself for a file, an error for neither).
      const plain = await this.mtools('mdir', ['-b', `::${dir}`]);
      if (plain.status !== 0) {
        if (/not found/i.test(plain.stderr)) return undefined;
        throw await this.failure('mdir', plain);
      }
      return plain.stdout.toString('utf8').trim() === '' ? { path: dir, entries: [] } : undefined;
    }
    // mdir writes the folder as it was asked for (FAT matches it case-insensitively) and what
    // is below it as stored. A bare listing has one entry a line, folders ending in '/'.
    const prefix = dir === '/' ? '::/' : `::${dir}/`;
    const entries: TreeEntry[] = [];
    for (const line of run.stdout.toString('utf8').split('\n')) {
      if (!line.startsWith(prefix) || line.length === prefix.length) continue;
      if (entries.length >= maxTreeEntries)
        throw new DriveIoError(`${dir} holds more than ${String(maxTreeEntries)} entries`);
      const folder = line.endsWith('/');
      const path = line.slice(2, folder ? -1 : undefined);
      // FAT has no links: every entry is a folder or a file.
      entries.push({ path, folder, file: !folder });
    }
    return { path: dir, entries };
  }

  async readFiles(paths: readonly string[], maxBytes: number): Promise<Uint8Array[]> {
    // No paths: no mcopy (given only its destination, it copies that folder into the cwd).
    if (paths.length === 0) return [];
    const names = paths.map(baseNameOf);
    if (new Set(names).size !== names.length) {
      const out: Uint8Array[] = [];
      for (const path of paths) out.push(...(await this.readFiles([path], maxBytes)));
      return out;
    }
    return this.withTempDir(async (dir) => {
      // prlimit bounds every file mcopy writes: a hostile drive's huge "signPri.key" stops at
      // maxBytes + 1 bytes (SIGXFSZ) instead of filling the disk.
      const run = await runTool(
        'prlimit',
        [
          `--fsize=${String(maxBytes + 1)}`,
          'mcopy',
          '-n',
          '-i',
          this.image,
          ...paths.map((p) => `::${p}`),
          `${dir}/`,
        ],
        this.options,
      ).catch(async (error: unknown) => {
        throw await this.gone(error);
      });
      if (run.status !== 0) throw await this.failure('mcopy', run);
      const out: Uint8Array[] = [];
      for (const name of names) {
        const local = join(dir, name);
        if ((await stat(local)).size > maxBytes)
          throw new DriveIoError(`${name}: larger than ${String(maxBytes)} bytes`);
        out.push(new Uint8Array(await readFile(local)));
      }
      return out;
    });
  }

  async createFiles(files: readonly VolumeFile[]): Promise<void> {
    // The files, with the folders above them, are laid out in a private folder and copied
    // recursively in one mcopy: it creates the folders that are missing and merges with the
    // ones that exist (FAT: case-insensitively). `-D s`: on any clash (a visitor's own file named
    // NPKI, say) mcopy skips and fails rather than overwrite. The key file is already encrypted.
    await this.withTempDir(async (dir) => {
      const tops = new Set<string>();
      for (const file of files) {
        await mkdir(join(dir, parentOf(file.path)), { recursive: true });
        await writeFile(join(dir, file.path), file.bytes, { mode: 0o600, flag: 'wx' });
        tops.add(file.path.split('/')[1] ?? '');
      }
      const run = await this.mtools('mcopy', [
        '-s',
        '-D',
        's',
        ...[...tops].map((top) => join(dir, top)),
        '::/',
      ]);
      if (run.status !== 0) throw await this.failure('mcopy', run);
    });
    await this.flush();
  }

  async rename(from: string, to: string): Promise<void> {
    // mmove (and mren, the same program) moves a folder *into* a folder that has the new name:
    // the name is checked first (the kiosk is the drive's only writer while it works on it).
    const target = await this.mtools('mdir', ['-b', `::${to}`]);
    if (target.status === 0) throw new DriveIoError(`${this.device}${to}: exists`);
    if (!/not found/i.test(target.stderr)) throw await this.failure('mdir', target);
    const run = await this.mtools('mmove', [`::${from}`, `::${to}`]);
    if (run.status !== 0) throw await this.failure('mmove', run);
    await this.flush();
  }

  async remove(path: string): Promise<void> {
    const run = await this.mtools('mdeltree', [`::${path}`]);
    if (run.status !== 0) throw await this.failure('mdeltree', run);
    await this.flush();
  }

  /**
   * mtools does not sync: the kernel would write its changes out when the device is last closed,
   * which another open handle can put off. So each step is flushed before the next one counts on
   * it (the files before the rename that names them, DESIGN §3.4).
   */
  private async flush(): Promise<void> {
    try {
      const handle = await open(this.device, 'r');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (cause) {
      if (!(await this.present())) throw new DriveRemovedError(`${this.device} is gone`, { cause });
      throw new DriveIoError(`${this.device} cannot be flushed`, { cause });
    }
  }

  private async withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-mtools-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private mtools(command: string, args: string[]): Promise<ToolRun> {
    return runTool(command, ['-i', this.image, ...args], this.options).catch(
      async (error: unknown) => {
        throw await this.gone(error);
      },
    );
  }

  /** A tool that failed or timed out on a drive that is gone: the drive's absence is the news. */
  private async gone(error: unknown): Promise<unknown> {
    if (error instanceof KioskError && !(await this.present()))
      return new DriveRemovedError(`${this.device} is gone`, { cause: error });
    return error;
  }

  /**
   * What a failed mtools command means. mtools reports only by text, so its messages are read
   * here and nowhere else; a device node that vanished is a pulled drive whatever the text.
   */
  private async failure(command: string, run: ToolRun): Promise<Error> {
    if (!(await this.present())) return new DriveRemovedError(`${this.device} is gone`);
    const text = `${command}: ${run.stderr || `exit ${String(run.status)}`}`;
    if (/no space left|disk full/i.test(run.stderr)) return new DriveFullError(text);
    if (/read-only/i.test(run.stderr)) return new DriveReadOnlyError(text);
    if (/non DOS media|cannot initialize/i.test(run.stderr))
      return new DriveNotFatError(this.device, run.stderr);
    return new DriveIoError(text);
  }

  private async present(): Promise<boolean> {
    try {
      await stat(this.device);
      return true;
    } catch {
      return false;
    }
  }
}
