import { FatalError, outOfService, RetriableError } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/** Which configured device an error is about. */
export type HidRole = 'pinPad' | 'scanner';

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** No HID collection matches the configured vendor:product (and usage page): not plugged in. */
export class HidDeviceNotFoundError extends FatalError {
  readonly code = 'HID_NOT_FOUND';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly role: HidRole,
    readonly vendorId: number,
    readonly productId: number,
  ) {
    super(`${role}: no HID device ${hex(vendorId)}:${hex(productId)} in data mode is attached`);
  }
}

/**
 * The device is a keyboard (or keypad) to the kernel: a top-level collection with usage page 0x01
 * and usage 0x06 or 0x07, which hid-input turns into an input device (Linux include/linux/hid.h
 * IS_INPUT_APPLICATION), so every key also reaches the focused terminal. A PIN typed on it would
 * travel the keyboard stream; it is refused. The operator switches the device to HID POS or its
 * vendor's data mode (its manual's configuration barcode or tool).
 */
export class HidKeyboardModeError extends FatalError {
  readonly code = 'HID_KEYBOARD_MODE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly role: HidRole,
    readonly path: string,
    readonly usage: number,
  ) {
    super(
      `${role}: ${path} is in keyboard mode (usage page 0x01, usage ${hex(usage)}): the kernel ` +
        'delivers its keys to the terminal too; switch it to HID POS / data mode',
    );
  }
}

/** The hidraw node cannot be opened (EACCES): the udev rule of scripts/udev/ is not installed. */
export class HidAccessError extends FatalError {
  readonly code = 'HID_ACCESS';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly role: HidRole,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${role}: cannot open ${path}: install scripts/udev/70-kiosk-hid.rules (drivers/hid/README.md)`,
      options,
    );
  }
}

/**
 * The device was unplugged or stopped answering while open. The visitor can be asked to wait for
 * staff; the entry in progress is over. No flat reason fits better yet than `internal` (a new
 * `inputDeviceGone` reason needs its screen text: src/kiosk/failures.ts).
 */
export class HidDeviceGoneError extends RetriableError {
  readonly code = 'HID_GONE';
  readonly reason: Reason = 'internal';
  readonly visitor = {
    ko: '입력 장치가 분리되었습니다. 직원에게 문의해 주세요.',
    en: 'The input device was disconnected. Please ask a member of staff.',
  };
  constructor(
    readonly role: HidRole,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${role}: ${path} was unplugged or failed`, options);
  }
}

/** Why a scan was refused. */
export type ScanRefusal = 'tooLong' | 'cutShort' | 'badReport';

/** A scan was refused whole; the scanner goes on and the visitor may scan again. */
export class ScanRefusedError extends RetriableError {
  readonly code = 'HID_SCAN_REFUSED';
  readonly reason: Reason = 'malformedInput';
  readonly visitor = {
    ko: '코드를 읽지 못했습니다. 다시 스캔해 주세요.',
    en: 'The code could not be read. Please scan it again.',
  };
  constructor(
    readonly refusal: ScanRefusal,
    detail: string,
  ) {
    super(`scan refused (${refusal}): ${detail}`);
  }
}
