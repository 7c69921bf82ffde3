import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { DriveFullError, DriveIoError, DriveReadOnlyError, DriveRemovedError } from '../errors.js';

/**
 * The bytes of a FAT volume: a block device or an image file from the volume's first byte (a
 * partition's offset already applied). Members reject with the drive's typed errors.
 */
export interface BlockDevice {
  readonly name: string;
  /** Bytes from the volume's first to the end of its partition or device, when known. */
  readonly size?: number | undefined;
  /** Exactly `length` bytes at `offset`; DriveIoError when the device ends before. */
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Makes what was written durable (fdatasync) before the next write counts on it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type OpenBlockDevice = (access: 'read' | 'write') => Promise<BlockDevice>;

/** Bytes read from a device's start for a `locate` function (ext's magic is at 1080). */
export const headBytes = 4096;

/**
 * The volume at byte `offset` of a device node or image file, or where `locate` finds it in the
 * device's first headBytes bytes (read through the same open, as the device is now: it may have
 * been formatted since it was last looked at). Opened per operation (a drive can be pulled and
 * another put in between two), without O_DIRECT: the kernel's cache is coherent with the device
 * for one process, and flush() is what makes writes durable.
 */
export function fileBlockDevice(
  path: string,
  where: number | ((head: Uint8Array) => VolumePlace),
  /** The device's size where the file's own says nothing (a block device: from sysfs). */
  deviceBytes?: number,
): OpenBlockDevice {
  return async (access) => {
    let handle: FileHandle;
    try {
      // O_EXCL on a block device: the kernel refuses it while the device is mounted or held.
      handle = await open(
        path,
        access === 'write' ? constants.O_RDWR | constants.O_EXCL : constants.O_RDONLY,
      );
    } catch (cause) {
      throw await failure(path, 'cannot be opened', cause);
    }
    try {
      const info = await handle.stat();
      const total = info.isFile() ? info.size : deviceBytes;
      if (typeof where === 'number')
        return new FileBlockDevice(path, handle, where, sizeFrom(total, { offset: where }));
      const whole = new FileBlockDevice(path, handle, 0, undefined);
      const head = await whole.read(0, headBytes).catch(async (error: unknown) => {
        // A device smaller than the head: what there is of it.
        if (!(error instanceof DriveIoError)) throw error;
        const { bytesRead, buffer } = await handle.read(new Uint8Array(headBytes), 0, headBytes, 0);
        return buffer.subarray(0, bytesRead);
      });
      const place = where(head);
      return new FileBlockDevice(path, handle, place.offset, sizeFrom(total, place), head);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  };
}

/** Where a volume lies on its device: its first byte, and its length when a partition says. */
export interface VolumePlace {
  readonly offset: number;
  readonly bytes?: number;
}

function sizeFrom(total: number | undefined, place: VolumePlace): number | undefined {
  const rest = total === undefined ? undefined : Math.max(0, total - place.offset);
  if (place.bytes === undefined) return rest;
  return rest === undefined ? place.bytes : Math.min(rest, place.bytes);
}

class FileBlockDevice implements BlockDevice {
  constructor(
    readonly name: string,
    private readonly handle: FileHandle,
    private readonly offset: number,
    readonly size: number | undefined,
    /** The device's first bytes as read when it was opened, kept true to writes over them. */
    private readonly head?: Uint8Array,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    // The boot sector and FSInfo of an unpartitioned drive were read with the head already.
    const at = this.offset + offset;
    if (this.head !== undefined && at + length <= this.head.length)
      return this.head.slice(at, at + length);
    const buffer = new Uint8Array(length);
    let done = 0;
    try {
      while (done < length) {
        const { bytesRead } = await this.handle.read(
          buffer,
          done,
          length - done,
          this.offset + offset + done,
        );
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (cause) {
      throw await failure(this.name, `cannot be read at ${String(offset)}`, cause);
    }
    if (done < length)
      throw new DriveIoError(`${this.name} ends before byte ${String(offset + length)}`);
    return buffer;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const at = this.offset + offset;
    if (this.head !== undefined && at < this.head.length)
      this.head.set(bytes.subarray(0, this.head.length - at), at);
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.handle.write(
          bytes,
          done,
          bytes.length - done,
          this.offset + offset + done,
        );
        done += bytesWritten;
      }
    } catch (cause) {
      throw await failure(this.name, `cannot be written at ${String(offset)}`, cause);
    }
  }

  async flush(): Promise<void> {
    try {
      await this.handle.datasync();
    } catch (cause) {
      throw await failure(this.name, 'cannot be flushed', cause);
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

/** What an errno on the device means for the visitor: pulled, locked, full, or an I/O error. */
async function failure(path: string, what: string, cause: unknown): Promise<Error> {
  const code = (cause as NodeJS.ErrnoException).code;
  if (!(await present(path)) || code === 'ENXIO' || code === 'ENODEV' || code === 'ENOMEDIUM')
    return new DriveRemovedError(`${path} is gone`, { cause });
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return new DriveReadOnlyError(`${path} ${what}: read-only`, { cause });
  if (code === 'EBUSY')
    return new DriveIoError(`${path} ${what}: in use (mounted, or held by another program)`, {
      cause,
    });
  if (code === 'ENOSPC') return new DriveFullError(`${path} ${what}: no space left`, { cause });
  return new DriveIoError(`${path} ${what}`, { cause });
}

async function present(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
