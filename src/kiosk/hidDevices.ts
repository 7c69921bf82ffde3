import type { PinPad, Scanner } from '../../drivers/hid/contract.js';
import { HidDeviceNotFoundError } from '../../drivers/hid/errors.js';
import { pinPadSettings, scannerSettings } from '../../drivers/hid/settings.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { Devices } from '../service/devices.js';

/** The configured PIN pad and QR scanner, opened (issue 15 item 5), and what releases them. */
export interface KioskHidDevices {
  readonly pinPad?: PinPad;
  readonly scanner?: Scanner;
  close(): Promise<void>;
}

/**
 * Opens `hid.pinPad` and `hid.scanner` for the visitor's screen. A configured device that is not
 * plugged in is logged and left out (the keyboard serves until it is); one in keyboard mode or
 * without access (the udev rule missing) stops the start with its error, since its keys would
 * reach the terminal or never arrive.
 */
export async function openHidDevices(
  config: Config,
  devices: Devices,
  log: Logger,
): Promise<KioskHidDevices> {
  const { pinPad: padConfig, scanner: scannerConfig } = config.hid;
  if (padConfig === undefined && scannerConfig === undefined) return { close: async () => {} };
  const hid = devices.hid?.();
  if (hid === undefined) throw new Error('hid.* is configured but this world has no HID devices');
  const absentIsFine = async <T>(what: string, open: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await open();
    } catch (error) {
      if (!(error instanceof HidDeviceNotFoundError)) throw error;
      log.warn({ device: what }, 'configured HID device not found: the keyboard serves instead');
      return undefined;
    }
  };
  const pinPad =
    padConfig === undefined
      ? undefined
      : await absentIsFine('pinPad', () => hid.openPinPad(pinPadSettings(padConfig)));
  let scanner: Scanner | undefined;
  try {
    scanner =
      scannerConfig === undefined
        ? undefined
        : await absentIsFine('scanner', () => hid.openScanner(scannerSettings(scannerConfig)));
  } catch (error) {
    await pinPad?.close();
    throw error;
  }
  return {
    ...(pinPad === undefined ? {} : { pinPad }),
    ...(scanner === undefined ? {} : { scanner }),
    close: async () => {
      await Promise.all([pinPad?.close(), scanner?.close()]);
    },
  };
}
