import { FatalError, outOfService, RetriableError } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/** Why a device is refused (DESIGN §3.4: never touch anything but removable USB mass storage). */
export type DriveProblem =
  | 'notUsb'
  | 'notMassStorage'
  | 'notRemovable'
  | 'tooLarge'
  | 'mountedSystem'
  | 'mounted'
  | 'readOnly'
  | 'notImageFile'
  | 'imagesNotAllowed'
  | 'outsideImageFolder'
  | 'linkedImage'
  | 'missing';

const problemText: Readonly<Record<DriveProblem, string>> = {
  notUsb: 'it is not a USB device',
  notMassStorage: 'it is not USB mass storage',
  notRemovable: 'it is not removable',
  tooLarge: 'it is larger than the configured limit',
  mountedSystem: 'it holds a mounted system file system',
  mounted: 'it is mounted (unmount it first)',
  readOnly: 'it is read-only',
  notImageFile: 'it is neither a block device nor a regular image file',
  imagesNotAllowed: 'it is an image file, and usb.allowImageFiles is off',
  outsideImageFolder: 'it is an image file outside usb.imageFolder',
  linkedImage: 'it is an image file with another name too (a hard link)',
  missing: 'it does not exist',
};

/**
 * The device is not one the kiosk may write to, whatever the caller asked: not removable USB
 * mass storage, mounted, too large (a disk, not a stick), or not there.
 */
export class UnsafeDriveError extends RetriableError {
  readonly code = 'USB_UNSAFE';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: '이 장치는 사용할 수 없습니다. 이동식 USB 저장장치를 연결해 주세요.',
    en: 'This device cannot be used. Please connect a removable USB drive.',
  };
  constructor(
    readonly device: string,
    readonly problems: readonly DriveProblem[],
  ) {
    super(`refusing ${device}: ${problems.map((p) => problemText[p]).join('; ')}`);
  }
}

/** The drive went away during an operation: what is on it is the previous content or complete. */
export class DriveRemovedError extends RetriableError {
  readonly code = 'USB_REMOVED';
  readonly reason: Reason = 'driveRemoved';
  readonly visitor = {
    ko: 'USB 저장장치가 분리되었습니다. 다시 연결하고 다시 시도해 주세요.',
    en: 'The USB drive was removed. Please reinsert it and try again.',
  };
}

/** No room left on the drive for the certificate folder. */
export class DriveFullError extends RetriableError {
  readonly code = 'USB_FULL';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: 'USB 저장장치에 공간이 부족합니다.',
    en: 'The USB drive is full.',
  };
}

/** The drive is write-protected (switch on the stick, or the kernel set it read-only). */
export class DriveReadOnlyError extends RetriableError {
  readonly code = 'USB_READ_ONLY';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: 'USB 저장장치가 쓰기 금지 상태입니다. 쓰기 방지 스위치를 확인해 주세요.',
    en: 'The USB drive is write-protected. Check its lock switch.',
  };
}

/** The drive has no FAT file system the kiosk can use (blank, or another file system). */
export class DriveNotFatError extends RetriableError {
  readonly code = 'USB_NOT_FAT';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: 'USB 저장장치를 사용하려면 포맷이 필요합니다. 직원에게 문의해 주세요.',
    en: 'The USB drive needs formatting before use. Please see a member of staff.',
  };
  constructor(
    readonly device: string,
    readonly found: string,
  ) {
    super(`${device} has no usable FAT file system (${found})`);
  }
}

/** Reading or writing the drive failed (I/O error, a tool that failed or timed out). */
export class DriveIoError extends RetriableError {
  readonly code = 'USB_IO';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: 'USB 저장장치를 읽거나 쓸 수 없습니다. 다시 연결하고 다시 시도해 주세요.',
    en: 'The USB drive cannot be read or written. Reinsert it and try again.',
  };
}

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
