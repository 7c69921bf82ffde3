import type { BlockDevice, OpenBlockDevice } from '../../drivers/usbdrive/fat/blockDevice.js';

/** One call that reached the device: a write (offset and bytes) or a flush. */
export type DeviceCall = { readonly offset: number; readonly bytes: Uint8Array } | 'flush';

/**
 * A FAT volume's bytes in memory, for the in-process FAT code (drivers/usbdrive/fat): every write
 * and flush is recorded in order, so a test can replay what a drive pulled at any point would
 * hold. The medium model: a flush makes every earlier write durable; writes since the last flush
 * may each have reached the medium or not, in any combination (a stick reorders its cache).
 */
export class MemoryBlockDevice {
  readonly calls: DeviceCall[] = [];

  constructor(readonly bytes: Uint8Array) {}

  /**
   * Opens the device. Its size is known (as an image file's is), so the volume's geometry is
   * checked against it: a read or write past the end, or a write through a read-only open, is
   * a bug in the code under test and throws a plain Error that no test accepts.
   */
  readonly open: OpenBlockDevice = (access) => {
    const inside = (offset: number, length: number): void => {
      if (offset < 0 || offset + length > this.bytes.length)
        throw new RangeError(`bytes ${String(offset)}+${String(length)} are past the end`);
    };
    const device: BlockDevice = {
      name: 'memory',
      size: this.bytes.length,
      read: (offset, length) =>
        settle(() => {
          inside(offset, length);
          return this.bytes.slice(offset, offset + length);
        }),
      write: (offset, bytes) =>
        settle(() => {
          if (access !== 'write') throw new Error('written through a read-only open');
          inside(offset, bytes.length);
          this.bytes.set(bytes, offset);
          this.calls.push({ offset, bytes: bytes.slice() });
        }),
      flush: () =>
        settle(() => {
          this.calls.push('flush');
        }),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(device);
  };
}

function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(call());
  });
}

/**
 * What the medium holds if the drive was pulled just before call `at` (of `calls`, made on
 * `before`): every write up to the last flush before `at`, and of the 512-byte sectors written
 * after it those that `kept` picks (by their index among them): a write of several sectors may
 * be torn anywhere, a sector is taken as written whole or not at all.
 */
export function pulledImage(
  before: Uint8Array,
  calls: readonly DeviceCall[],
  at: number,
  kept: (index: number, count: number) => boolean,
): { image: Uint8Array; state: string } {
  const image = before.slice();
  const lastFlush = calls.slice(0, at).lastIndexOf('flush');
  calls.slice(0, lastFlush + 1).forEach((call) => {
    if (call !== 'flush') image.set(call.bytes, call.offset);
  });
  const sectors = calls.slice(lastFlush + 1, at).flatMap((call) =>
    call === 'flush'
      ? []
      : Array.from({ length: Math.ceil(call.bytes.length / 512) }, (_, i) => ({
          offset: call.offset + i * 512,
          bytes: call.bytes.subarray(i * 512, (i + 1) * 512),
        })),
  );
  const keptSectors: number[] = [];
  sectors.forEach((sector, i) => {
    if (!kept(i, sectors.length)) return;
    image.set(sector.bytes, sector.offset);
    keptSectors.push(i);
  });
  // Two pulls that kept the same writes leave the same medium: `state` says which they kept.
  return { image, state: `${String(lastFlush)}:${keptSectors.join(',')}` };
}
