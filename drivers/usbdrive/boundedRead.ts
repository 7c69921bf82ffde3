import { constants, open, type FileHandle } from 'node:fs/promises';

/**
 * Reads `path` whole if it holds at most `maxBytes` bytes; resolves to `'tooLarge'` as soon as one
 * byte more is seen, without reading the rest. Files in /proc and /sys report a size of 0 (or a
 * page), so the size from stat cannot bound the read: the bound is counted while reading.
 * Rejects with the file-system error (ENOENT, EACCES, EISDIR, …) unchanged.
 */
export async function readBounded(path: string, maxBytes: number): Promise<Buffer | 'tooLarge'> {
  let handle: FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO planted where an attribute belongs must not hang the kiosk on open.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return length > maxBytes ? 'tooLarge' : buffer.subarray(0, length);
  } finally {
    await handle?.close();
  }
}
