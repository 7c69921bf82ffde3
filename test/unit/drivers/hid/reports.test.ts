import { describe, expect, it } from 'vitest';
import type { PinPadReportMap } from '../../../../drivers/hid/contract.js';
import { genericKeypadMap, PinReportDecoder } from '../../../../drivers/hid/pinReport.js';
import {
  encodeScanReports,
  hidPosScannerLayout,
  ScanAssembler,
} from '../../../../drivers/hid/scanReport.js';

const report = (...bytes: number[]): Buffer => Buffer.from(bytes);

describe('PIN pad reports', () => {
  it('keypad usages 0x59–0x62, Enter, Backspace, Escape, Num Lock/Clear (default map)', () => {
    const decoder = new PinReportDecoder(genericKeypadMap);
    const keys = [0x59, 0x61, 0x62, 0x58, 0x2a, 0x29, 0x53].flatMap((code) => [
      ...decoder.decode(report(0, 0, code, 0, 0, 0, 0, 0)),
      ...decoder.decode(report(0, 0, 0, 0, 0, 0, 0, 0)),
    ]);
    expect(keys).toEqual([
      { type: 'digit', digit: 1 },
      { type: 'digit', digit: 9 },
      { type: 'digit', digit: 0 },
      { type: 'enter' },
      { type: 'backspace' },
      { type: 'cancel' },
      { type: 'clear' },
    ]);
  });

  it('ignores phantom (ErrorRollOver) reports, short reports, unmapped codes and a shift', () => {
    const decoder = new PinReportDecoder(genericKeypadMap);
    expect(decoder.decode(report(0, 0, 1, 1, 1, 1, 1, 1))).toEqual([]);
    expect(decoder.decode(report(0, 0, 0x59))).toEqual([]);
    expect(decoder.decode(report(0x02, 0, 0x04, 0, 0, 0, 0, 0))).toEqual([]); // shift + 'a'
  });

  it('a numbered map reads only its report id, after the id byte', () => {
    const map: PinPadReportMap = {
      reportId: 3,
      keyOffset: 0,
      keyCount: 1,
      keys: new Map([[0x10, { type: 'digit', digit: 7 }]]),
    };
    const decoder = new PinReportDecoder(map);
    expect(decoder.decode(report(4, 0x10))).toEqual([]);
    expect(decoder.decode(report(3, 0x10))).toEqual([{ type: 'digit', digit: 7 }]);
    expect(decoder.decode(report(3, 0x10))).toEqual([]); // held
  });
});

describe('HID POS scanner reports', () => {
  const assembler = () => new ScanAssembler(hidPosScannerLayout, 200, 1000);

  it('joins continued reports; reads the AIM symbology identifier', () => {
    const a = assembler();
    const payload = Buffer.from('y'.repeat(130));
    const reports = encodeScanReports(hidPosScannerLayout, payload, ']Q1');
    expect(reports).toHaveLength(3);
    expect(reports.map((r) => r.length)).toEqual([64, 64, 64]);
    const out = reports.flatMap((r, i) => a.push(r, i));
    expect(out).toEqual([{ type: 'scan', data: new Uint8Array(payload), symbology: ']Q1' }]);
  });

  it('drops a scan whose next report is late, and reads the next one', () => {
    const a = assembler();
    const [first] = encodeScanReports(hidPosScannerLayout, Buffer.alloc(100, 0x41));
    if (first === undefined) throw new Error('one report at least');
    expect(a.push(first, 0)).toEqual([]);
    const [late] = encodeScanReports(hidPosScannerLayout, Buffer.from('ok'));
    if (late === undefined) throw new Error('one report');
    const out = a.push(late, 5000);
    expect(out.map((e) => e.type)).toEqual(['refused', 'scan']);
    expect(out[0]).toMatchObject({ error: { refusal: 'cutShort' } });
  });

  it('refuses a byte count over the report, and ignores other report ids', () => {
    const a = assembler();
    const bad = Buffer.alloc(64);
    bad[0] = 2;
    bad[1] = 57;
    expect(a.push(bad, 0)).toMatchObject([{ type: 'refused', error: { refusal: 'badReport' } }]);
    expect(a.push(report(4, 1), 0)).toEqual([]);
    expect(a.push(report(2, 10, 0x5d), 0)).toMatchObject([{ error: { refusal: 'badReport' } }]);
  });
});
