import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  HidDeviceSelector,
  HidDriver,
  PinEntryEvent,
  PinKey,
  PinPadSettings,
  ScanEvent,
  ScannerSettings,
} from '../../drivers/hid/contract.js';
import {
  HidDeviceGoneError,
  HidDeviceNotFoundError,
  HidKeyboardModeError,
  ScanRefusedError,
} from '../../src/errors/index.js';

/** A driver with a PIN pad and a scanner of its own, and hands to use and unplug them. */
export interface HidTarget {
  readonly driver: HidDriver;
  readonly pinPad: PinPadSettings;
  readonly scanner: ScannerSettings;
  /** The pad sends these keys (press and release each). */
  press(...keys: PinKey[]): Promise<void>;
  /** The scanner sends one scan. */
  scan(payload: Uint8Array): Promise<void>;
  unplug(role: 'pinPad' | 'scanner'): Promise<void>;
  /** Plugs a keyboard-mode device and returns its selector. */
  plugKeyboard(): Promise<HidDeviceSelector>;
  cleanup(): Promise<void>;
}

const digit = (d: number): PinKey => ({ type: 'digit', digit: d });
const key = (type: 'clear' | 'backspace' | 'enter' | 'cancel'): PinKey => ({ type });

/** What every HidDriver does (drivers/hid/contract.ts): the fake here, /dev/uhid there. */
export function hidContractSuite(name: string, makeTarget: () => Promise<HidTarget>): void {
  describe(`HID contract: ${name}`, () => {
    let target: HidTarget;
    beforeEach(async () => {
      target = await makeTarget();
    });
    afterEach(async () => {
      await target.cleanup();
    });

    it('lists the configured devices by vendor:product, and nothing for another product', async () => {
      const pads = await target.driver.list(target.pinPad);
      expect(pads.map((d) => [d.vendorId, d.productId])).toContainEqual([
        target.pinPad.vendorId,
        target.pinPad.productId,
      ]);
      const none = await target.driver.list({ ...target.pinPad, productId: 0xfffe });
      expect(none).toEqual([]);
    });

    it('puts the digits into the caller’s buffer as ASCII; no event carries a digit', async () => {
      const pad = await target.driver.openPinPad(target.pinPad);
      try {
        const buffer = Buffer.alloc(8);
        const events: PinEntryEvent[] = [];
        const entry = pad.startEntry(buffer, (e) => events.push(e));
        await target.press(digit(4), digit(7), digit(0), digit(9), key('enter'));
        await vi.waitFor(() => {
          expect(events.at(-1)).toEqual({ type: 'enter', length: 4 });
        });
        expect(buffer.subarray(0, entry.length).toString('latin1')).toBe('4709');
        expect(events.map((e) => e.type)).toEqual(['digit', 'digit', 'digit', 'digit', 'enter']);
        expect(JSON.stringify(events)).not.toMatch(/4709|"digit":/);
        entry.stop();
      } finally {
        await pad.close();
      }
    });

    it('backspace zeroes the last digit, clear zeroes all, a full buffer refuses more', async () => {
      const pad = await target.driver.openPinPad(target.pinPad);
      try {
        const buffer = Buffer.alloc(3);
        const events: PinEntryEvent[] = [];
        pad.startEntry(buffer, (e) => events.push(e));
        await target.press(digit(1), digit(2), key('backspace'));
        await vi.waitFor(() => {
          expect(events).toHaveLength(3);
        });
        expect([...buffer]).toEqual([0x31, 0, 0]);
        await target.press(digit(5), digit(6), digit(8));
        await vi.waitFor(() => {
          expect(events).toHaveLength(6);
        });
        expect(events.at(-1)).toEqual({ type: 'full', length: 3 });
        expect(buffer.toString('latin1')).toBe('156');
        await target.press(key('clear'));
        await vi.waitFor(() => {
          expect(events.at(-1)).toEqual({ type: 'clear', length: 0 });
        });
        expect([...buffer]).toEqual([0, 0, 0]);
      } finally {
        await pad.close();
      }
    });

    it('drops keys pressed while no entry runs, and after the entry stopped', async () => {
      const pad = await target.driver.openPinPad(target.pinPad);
      try {
        await target.press(digit(9), digit(9));
        const buffer = Buffer.alloc(4);
        const events: PinEntryEvent[] = [];
        const entry = pad.startEntry(buffer, (e) => events.push(e));
        await target.press(digit(2), key('cancel'));
        await vi.waitFor(() => {
          expect(events.at(-1)).toEqual({ type: 'cancel' });
        });
        expect(buffer.subarray(0, entry.length).toString('latin1')).toBe('2');
        entry.stop();
        await target.press(digit(3), key('enter'));
        // A scan round trip on the same machine: later keys would have arrived by then.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(events).toHaveLength(2);
        expect(buffer.subarray(0, 2)).toEqual(Buffer.from([0x32, 0]));
      } finally {
        await pad.close();
      }
    });

    it('an unplugged pad ends the entry with HidDeviceGoneError', async () => {
      const pad = await target.driver.openPinPad(target.pinPad);
      const events: PinEntryEvent[] = [];
      pad.startEntry(Buffer.alloc(4), (e) => events.push(e));
      await target.press(digit(1));
      await vi.waitFor(() => {
        expect(events).toHaveLength(1);
      });
      await target.unplug('pinPad');
      await vi.waitFor(() => {
        expect(events.at(-1)?.type).toBe('error');
      });
      const last = events.at(-1);
      expect(last?.type === 'error' && last.error).toBeInstanceOf(HidDeviceGoneError);
      await pad.close();
    });

    it('delivers a scan as bytes, one event per scan, long ones across reports', async () => {
      const scanner = await target.driver.openScanner(target.scanner);
      try {
        const events: ScanEvent[] = [];
        scanner.watch((e) => events.push(e));
        const short = Buffer.from('NPKIAPP1.short');
        const long = Buffer.from('x'.repeat(300));
        await target.scan(short);
        await target.scan(long);
        await vi.waitFor(() => {
          expect(events).toHaveLength(2);
        });
        const [first, second] = events;
        expect(first?.type === 'scan' && Buffer.from(first.data)).toEqual(short);
        expect(second?.type === 'scan' && Buffer.from(second.data)).toEqual(long);
      } finally {
        await scanner.close();
      }
    });

    it('refuses a scan over the bound whole, and reads the next one', async () => {
      const scanner = await target.driver.openScanner(target.scanner);
      try {
        const events: ScanEvent[] = [];
        scanner.watch((e) => events.push(e));
        await target.scan(Buffer.alloc(target.scanner.maxScanBytes + 1, 0x41));
        await target.scan(Buffer.from('after'));
        await vi.waitFor(() => {
          expect(events.at(-1)?.type).toBe('scan');
        });
        expect(events.map((e) => e.type)).toEqual(['refused', 'scan']);
        const [refusal] = events;
        expect(refusal?.type === 'refused' && refusal.error).toBeInstanceOf(ScanRefusedError);
      } finally {
        await scanner.close();
      }
    });

    it('an unplugged scanner reports HidDeviceGoneError', async () => {
      const scanner = await target.driver.openScanner(target.scanner);
      const events: ScanEvent[] = [];
      scanner.watch((e) => events.push(e));
      await target.unplug('scanner');
      await vi.waitFor(() => {
        expect(events.at(-1)?.type).toBe('error');
      });
      await scanner.close();
    });

    it('refuses a device in keyboard mode, naming why', async () => {
      const selector = await target.plugKeyboard();
      const error = await target.driver
        .openPinPad({ ...target.pinPad, ...selector })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HidKeyboardModeError);
      expect((error as Error).message).toMatch(/keyboard mode.*terminal/);
    });

    it('a device that is not attached: HidDeviceNotFoundError', async () => {
      await expect(
        target.driver.openScanner({ ...target.scanner, productId: 0xfffe }),
      ).rejects.toBeInstanceOf(HidDeviceNotFoundError);
    });
  });
}
