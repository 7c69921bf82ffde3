import type { HidDeviceGoneError, ScanRefusedError } from './errors.js';

// PIN pad and barcode/QR scanner on HID (DESIGN §3.5). Interfaces, event types and the device
// settings the configuration supplies; no code (STYLE #1). The real driver (nodeHidDriver.ts, on
// node-hid over hidraw) and the fake (fake.ts) implement it; test/contract/hid.ts runs on both.

/** Which device: USB vendor and product id, and the HID usage page of the interface to use. */
export interface HidDeviceSelector {
  /** idVendor, 0–0xffff. */
  readonly vendorId: number;
  /** idProduct, 0–0xffff. */
  readonly productId: number;
  /**
   * The usage page of the top-level collection to open (0x8C for a HID POS scanner, 0xFF00–0xFFFF
   * for a vendor's data mode). Absent: any collection of the device that is not in keyboard mode.
   */
  readonly usagePage?: number;
}

/** One top-level collection of a HID device, as hidapi lists it. */
export interface HidDeviceInfo {
  /** The device node (`/dev/hidrawN` on Linux); the same for every collection of one interface. */
  readonly path: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly usagePage: number;
  readonly usage: number;
  /** The product string, for the operator's log; never trusted for anything. */
  readonly product?: string;
}

/** What a PIN pad key means. */
export type PinKey =
  | { readonly type: 'digit'; readonly digit: number }
  | { readonly type: 'clear' | 'backspace' | 'enter' | 'cancel' };

/**
 * How a PIN pad's input reports become keys: the bytes of a report holding the codes of the keys
 * held down (the keyboard array layout, HID 1.11 Appendix B.1: byte 0 modifiers, byte 1 reserved,
 * bytes 2–7 key codes), and which code means which key. A key counts when its code appears in a
 * report and was not in the one before (HID 1.11 §8.3: reports carry the keys held, not events).
 */
export interface PinPadReportMap {
  /** The report id of key reports (their first byte); absent: the device numbers no reports. */
  readonly reportId?: number;
  /** Offset of the first key code, counted after the report id byte if there is one. */
  readonly keyOffset: number;
  /** How many key codes follow (1 for a pad that sends one code per report). */
  readonly keyCount: number;
  /** Key code (e.g. 0x59 Keypad 1) → key; codes not listed are ignored. */
  readonly keys: ReadonlyMap<number, PinKey>;
}

/**
 * Where the fields of a scanner's input report are (HID POS, usage page 0x8C): offsets count the
 * report id byte as byte 0. Layouts differ between vendors (docs of README.md), so every offset is
 * a setting.
 */
export interface ScannerReportLayout {
  /** Report id of the Scanned Data Report (0x8C:0x12). */
  readonly reportId: number;
  /** Offset of the byte count of this report's data. */
  readonly lengthOffset: number;
  /** Offset of the three Symbology Identifier bytes (0x8C:0xFB–0xFD, AIM ids); absent: none. */
  readonly symbologyOffset?: number;
  /** Offset of the Decoded Data (0x8C:0xFE) bytes. */
  readonly dataOffset: number;
  /** How many data bytes one report can carry. */
  readonly dataCapacity: number;
  /** Offset and bit mask of Decode Data Continued (0x8C:0xFF): more reports follow; absent: none. */
  readonly continued?: { readonly offset: number; readonly mask: number };
}

export interface PinPadSettings extends HidDeviceSelector {
  readonly reportMap: PinPadReportMap;
}

export interface ScannerSettings extends HidDeviceSelector {
  readonly layout: ScannerReportLayout;
  /** The longest payload accepted; a longer scan is refused whole. */
  readonly maxScanBytes: number;
  /** A scan whose next report does not come within this long is dropped. */
  readonly assemblyTimeoutMs: number;
}

/**
 * A key pressed during an entry. No event carries a digit: digits go only into the entry's
 * buffer. `length` is how many digits the buffer holds after the key.
 */
export type PinEntryEvent =
  | { readonly type: 'digit' | 'backspace' | 'clear' | 'enter'; readonly length: number }
  /** A digit pressed while the buffer was full: not stored. */
  | { readonly type: 'full'; readonly length: number }
  | { readonly type: 'cancel' }
  /** The pad was unplugged or failed: the entry is over (the buffer keeps what it had). */
  | { readonly type: 'error'; readonly error: HidDeviceGoneError };

/** One password or PIN entry in progress. */
export interface PinEntry {
  /** Digits in the buffer now. */
  readonly length: number;
  /** Ends the entry: no more events, keys pressed afterwards are dropped. Idempotent. */
  stop(): void;
}

/** A PIN pad, opened. */
export interface PinPad {
  readonly info: HidDeviceInfo;
  /**
   * Starts an entry: each digit key writes its ASCII byte (0x30–0x39) into `into` at the next
   * position, backspace zeroes the last one, clear zeroes all; then `listener` hears the key. The
   * buffer is the caller's: it reads `entry.length` bytes of it and zeroes it; the driver keeps no
   * copy of a digit (decoded reports are zeroed). Keys pressed while no entry runs are dropped, so
   * nothing typed earlier leaks into a later entry. One entry at a time: starting one stops the
   * previous. `enter` and `cancel` do not stop the entry: the caller decides.
   */
  startEntry(into: Buffer, listener: (event: PinEntryEvent) => void): PinEntry;
  /** Stops any entry and releases the device. Idempotent. */
  close(): Promise<void>;
}

/** A scan, or the scanner failing. */
export type ScanEvent =
  /** One whole scan: the payload as bytes (never text: the consumer decides), a fresh copy. */
  | { readonly type: 'scan'; readonly data: Uint8Array; readonly symbology?: string }
  /** A scan refused (too long, cut short); the scanner goes on. */
  | { readonly type: 'refused'; readonly error: ScanRefusedError }
  /** The scanner was unplugged or failed: no more events. */
  | { readonly type: 'error'; readonly error: HidDeviceGoneError };

/** A barcode/QR scanner in HID POS (data) mode, opened. */
export interface Scanner {
  readonly info: HidDeviceInfo;
  /** Calls `listener` for each scan from now on, until the returned function is called. */
  watch(listener: (event: ScanEvent) => void): () => void;
  /** Releases the device. Idempotent. */
  close(): Promise<void>;
}

/**
 * The HID devices of this machine. `list` and the opens reject with HidDeviceNotFoundError (no
 * such device), HidKeyboardModeError (the device is a keyboard to the kernel: its keys also reach
 * the terminal) or HidAccessError (no permission on the hidraw node: the udev rule is missing).
 */
export interface HidDriver {
  /** The collections matching `selector`, keyboard-mode ones included (for `kiosk doctor`). */
  list(selector: HidDeviceSelector): Promise<HidDeviceInfo[]>;
  openPinPad(settings: PinPadSettings): Promise<PinPad>;
  openScanner(settings: ScannerSettings): Promise<Scanner>;
}
