import type { HidDeviceInfo, HidDeviceSelector } from './contract.js';
import { HidDeviceNotFoundError, HidKeyboardModeError, type HidRole } from './errors.js';

/** Generic Desktop page (HID Usage Tables §4): usage 0x06 Keyboard, 0x07 Keypad. */
const genericDesktop = 0x01;
const keyboardUsages: ReadonlySet<number> = new Set([0x06, 0x07]);

/**
 * A keyboard to the kernel: hid-input makes an input device of every Generic Desktop application
 * collection up to 0x08 (Linux include/linux/hid.h IS_INPUT_APPLICATION); for a keyboard or keypad
 * that means its keys reach the console and the terminal as typing.
 */
export const isKeyboardMode = (info: HidDeviceInfo): boolean =>
  info.usagePage === genericDesktop && keyboardUsages.has(info.usage);

/** The collections of `all` that belong to the configured vendor:product (and usage page). */
export function matching(
  all: readonly HidDeviceInfo[],
  selector: HidDeviceSelector,
): HidDeviceInfo[] {
  return all.filter(
    (d) =>
      d.vendorId === selector.vendorId &&
      d.productId === selector.productId &&
      (selector.usagePage === undefined || d.usagePage === selector.usagePage || isKeyboardMode(d)),
  );
}

/**
 * The collection to open for `role`. hidapi lists one entry per top-level collection, several on
 * one hidraw node for a composite interface; opening the node reads them all, so a node with any
 * keyboard-mode collection is refused whole. Throws HidKeyboardModeError when only such nodes
 * match, HidDeviceNotFoundError when nothing does.
 */
export function chooseCollection(
  role: HidRole,
  all: readonly HidDeviceInfo[],
  selector: HidDeviceSelector,
): HidDeviceInfo {
  const candidates = matching(all, selector);
  const keyboardPaths = new Map<string, HidDeviceInfo>();
  for (const d of all) if (isKeyboardMode(d)) keyboardPaths.set(d.path, d);
  const usable = candidates.find(
    (d) =>
      !keyboardPaths.has(d.path) &&
      (selector.usagePage === undefined || d.usagePage === selector.usagePage),
  );
  if (usable !== undefined) return usable;
  const keyboard = candidates.map((d) => keyboardPaths.get(d.path)).find((d) => d !== undefined);
  if (keyboard !== undefined) throw new HidKeyboardModeError(role, keyboard.path, keyboard.usage);
  throw new HidDeviceNotFoundError(role, selector.vendorId, selector.productId);
}
