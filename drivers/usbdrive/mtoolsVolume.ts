import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
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
import { runTool, type ToolOptions, type ToolRun } from './tool.js';
import type { NpkiVolume, VolumeEntry } from '../../src/npki/volume.js';

/**
 * A FAT volume on a block device or an image file, worked through mtools without mounting
 * (DESIGN §3.4; `mount` of vfat is not available to the kiosk). `offset` is the byte offset of the
 * FAT volume on the device (`@@offset`, for partitioned drives).
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

  async list(dir: string): Promise<VolumeEntry[] | undefined> {
    const run = await this.mtools('mdir', ['-b', `::${dir}`]);
    if (run.status !== 0) {
      if (/not found/i.test(run.stderr)) return undefined;
      throw await this.failure('mdir', run);
    }
    const prefix = `::${dir === '/' ? '' : dir}/`;
    return run.stdout
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith(prefix) && line.length > prefix.length)
      .map((line) => {
        const rest = line.slice(prefix.length);
        const folder = rest.endsWith('/');
        // FAT has no links: every entry is a folder or a file.
        return { name: folder ? rest.slice(0, -1) : rest, folder, file: !folder };
      });
  }

  async read(path: string, maxBytes: number): Promise<Uint8Array> {
    const run = await this.mtools('mcopy', ['-n', `::${path}`, '-'], maxBytes);
    if (run.status !== 0) throw await this.failure('mcopy', run);
    return new Uint8Array(run.stdout);
  }

  async mkdir(path: string): Promise<void> {
    const run = await this.mtools('mmd', [`::${path}`]);
    if (run.status !== 0) throw await this.failure('mmd', run);
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    // mcopy copies from a file; a private folder holds it for the moment of the copy (the key
    // file is already encrypted with the visitor's password).
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-mcopy-'));
    try {
      const local = join(dir, 'file');
      await writeFile(local, bytes, { mode: 0o600 });
      const run = await this.mtools('mcopy', ['-D', 'o', local, `::${path}`]);
      if (run.status !== 0) throw await this.failure('mcopy', run);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const run = await this.mtools('mmove', [`::${from}`, `::${to}`]);
    if (run.status !== 0) throw await this.failure('mmove', run);
  }

  async remove(path: string): Promise<void> {
    const run = await this.mtools('mdeltree', [`::${path}`]);
    if (run.status !== 0) throw await this.failure('mdeltree', run);
  }

  private mtools(command: string, args: string[], maxStdoutBytes?: number): Promise<ToolRun> {
    return runTool(command, ['-i', this.image, ...args], {
      ...this.options,
      ...(maxStdoutBytes === undefined ? {} : { maxStdoutBytes }),
    }).catch(async (error: unknown) => {
      // A tool that timed out on a drive that is gone: the drive's absence is the news.
      if (error instanceof KioskError && !(await this.present()))
        throw new DriveRemovedError(`${this.device} is gone`, { cause: error });
      throw error;
    });
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
