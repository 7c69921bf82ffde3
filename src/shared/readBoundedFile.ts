import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** What reading a bounded file gave. `problem` is an errno (`ENOENT`, …) or one of ours. */
export type BoundedRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly problem: string; readonly cause?: unknown };

/**
 * Reads a regular file of at most `maxBytes` (counted while reading: /proc and /sys files report a
 * size of 0) without ever holding more than `maxBytes + 1` bytes:
 * a device (`/dev/zero`), a folder or a huge file is refused, not loaded (DESIGN §8). The caller
 * turns a problem into its own typed error and zeroes the bytes if they are secret.
 */
export async function readBoundedFile(path: string, maxBytes: number): Promise<BoundedRead> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO where a file belongs must not hang the kiosk on open (no effect on a
    // regular file, and anything not regular is refused below).
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    return { ok: false, problem: (cause as NodeJS.ErrnoException).code ?? 'EIO', cause };
  }
  try {
    if (!(await handle.stat()).isFile()) return { ok: false, problem: 'not a regular file' };
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) {
        buffer.fill(0);
        return { ok: false, problem: `larger than ${maxBytes} bytes` };
      }
    }
    const bytes = Buffer.from(buffer.subarray(0, filled));
    buffer.fill(0);
    return { ok: true, bytes };
  } catch (cause) {
    return { ok: false, problem: (cause as NodeJS.ErrnoException).code ?? 'EIO', cause };
  } finally {
    await handle.close();
  }
}
