import type { PinKey, PinPadReportMap } from './contract.js';

// PIN pad input reports → keys. Codes are HID Usage Tables 1.4, §10 Keyboard/Keypad Page (0x07).

/** Keyboard/Keypad page codes the default map uses. */
export const keypadCode = {
  /** Keypad 1 and End … Keypad 9 and Page Up are 0x59–0x61; Keypad 0 and Insert is 0x62. */
  keypad1: 0x59,
  keypad0: 0x62,
  keypadEnter: 0x58,
  /** Keyboard Return (ENTER): pads that send it instead of Keypad ENTER. */
  keyboardReturn: 0x28,
  escape: 0x29,
  /** Keyboard DELETE (Backspace). */
  backspace: 0x2a,
  /** Keypad Num Lock and Clear. */
  numLockClear: 0x53,
} as const;

/** Usage 0x01–0x03 (ErrorRollOver, POSTFail, ErrorUndefined) fill every slot of a phantom report. */
const isErrorCode = (code: number): boolean => code >= 0x01 && code <= 0x03;

/**
 * The default map: a generic numeric keypad's report in the keyboard array layout (HID 1.11
 * Appendix B.1: modifiers, reserved, six key codes), unnumbered, read through hidraw from a device
 * whose collection is not a keyboard (data mode; a keyboard-mode device is refused before this).
 */
export const genericKeypadMap: PinPadReportMap = {
  keyOffset: 2,
  keyCount: 6,
  keys: new Map<number, PinKey>([
    ...Array.from({ length: 9 }, (_, i): [number, PinKey] => [
      keypadCode.keypad1 + i,
      { type: 'digit', digit: i + 1 },
    ]),
    [keypadCode.keypad0, { type: 'digit', digit: 0 }],
    [keypadCode.keypadEnter, { type: 'enter' }],
    [keypadCode.keyboardReturn, { type: 'enter' }],
    [keypadCode.backspace, { type: 'backspace' }],
    [keypadCode.escape, { type: 'cancel' }],
    [keypadCode.numLockClear, { type: 'clear' }],
  ]),
};

const sameKey = (a: PinKey, b: PinKey): boolean =>
  a.type === b.type && (a.type !== 'digit' || (b.type === 'digit' && a.digit === b.digit));

/**
 * Turns a PIN pad's reports into the keys newly pressed. Reports list the keys held (HID 1.11
 * §8.3), so a key counts when its code appears and was not held in the report before; holding a
 * key never repeats it. The codes held are kept in one fixed array and every decoded report is
 * zeroed, so no digit outlives the report that carried it.
 */
export class PinReportDecoder {
  private readonly held: Uint8Array;

  constructor(private readonly map: PinPadReportMap) {
    this.held = new Uint8Array(map.keyCount);
  }

  /** The keys pressed in `report`, in slot order; zeroes `report`. Foreign or short reports: none. */
  decode(report: Uint8Array): PinKey[] {
    try {
      const base = this.map.reportId === undefined ? 0 : 1;
      if (base === 1 && report[0] !== this.map.reportId) return [];
      const start = base + this.map.keyOffset;
      if (report.length < start + this.map.keyCount) return [];
      const codes = report.subarray(start, start + this.map.keyCount);
      if (codes.some(isErrorCode)) return []; // phantom state: too many keys held, keep the last
      const pressed: PinKey[] = [];
      for (const code of codes) {
        if (code === 0 || this.held.includes(code)) continue;
        const key = this.map.keys.get(code);
        if (key !== undefined) pressed.push(key);
      }
      this.held.set(codes);
      return pressed;
    } finally {
      report.fill(0);
    }
  }

  /** Forgets the keys held (an entry ended, the device closed). */
  reset(): void {
    this.held.fill(0);
  }
}

/**
 * The reports a pad following `map` sends for each key: pressed, then released. For fakes and
 * virtual devices (tests, the demo); throws if the map has no code for a key.
 */
export function encodeKeyReports(map: PinPadReportMap, keys: readonly PinKey[]): Buffer[] {
  const base = map.reportId === undefined ? 0 : 1;
  const size = base + map.keyOffset + map.keyCount;
  const blank = (): Buffer => {
    const report = Buffer.alloc(size);
    if (map.reportId !== undefined) report[0] = map.reportId;
    return report;
  };
  return keys.flatMap((key) => {
    const code = [...map.keys].find(([, k]) => sameKey(k, key))?.[0];
    if (code === undefined) throw new Error(`the PIN pad map has no code for ${key.type}`);
    const down = blank();
    down[base + map.keyOffset] = code;
    return [down, blank()];
  });
}
