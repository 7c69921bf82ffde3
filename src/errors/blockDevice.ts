import { outOfService } from './config.js';
import { FatalError, RetriableError } from './kioskError.js';
import type { Reason } from './reason.js';

/**
 * The block device named is not under `<sysfs>/block` (or its sysfs entry cannot be resolved): the
 * drive was unplugged between hotplug and inspection, or the name never existed. The visitor can
 * plug it in again (drivers/usbdrive/sysfs.ts, DESIGN §3.4).
 */
export class BlockDeviceNotFoundError extends RetriableError {
  readonly code = 'BLOCK_DEVICE_NOT_FOUND';
  readonly reason: Reason = 'notFound';
  readonly visitor = {
    ko: 'USB 드라이브를 찾을 수 없습니다. 드라이브를 다시 연결해 주세요.',
    en: 'The USB drive was not found. Please connect it again.',
  };
  constructor(
    /** The kernel's name for the device, e.g. `sdb`, as the caller gave it. */
    readonly device: string,
    options?: { cause?: unknown },
  ) {
    super(`no block device ${JSON.stringify(device)} in sysfs`, options);
  }
}

/** Why the mount table could not be used. */
export type MountTableProblem = 'unreadable' | 'tooLarge';

/**
 * The mount table (`/proc/self/mounts`) cannot be read in full. Without it the kiosk cannot tell
 * whether a drive is mounted, and DESIGN §3.4 forbids touching a mounted system filesystem, so it
 * fails closed: an environment fault (no /proc) only the operator can fix.
 */
export class MountTableError extends FatalError {
  readonly code = 'MOUNT_TABLE_UNREADABLE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly path: string,
    readonly problem: MountTableProblem,
    options?: { cause?: unknown },
  ) {
    super(
      `mount table ${path}: ${problem === 'tooLarge' ? 'larger than the limit' : problem}`,
      options,
    );
  }
}
