import type { ScannerReportLayout } from './contract.js';
import { ScanRefusedError } from './errors.js';

// HID POS barcode scanner reports → whole scans. HID Point of Sale Usage Tables 1.02, Bar Code
// Scanner page (0x8C): the Scanned Data Report (usage 0x12) carries Symbology Identifier 1–3
// (0xFB–0xFD), Decoded Data (0xFE, buffered bytes) and Decode Data Continued (0xFF, set on every
// report but the last of a long scan). The spec names the usages; where they sit in the report is
// each device's report descriptor, so the layout is a setting (ScannerReportLayout).

/**
 * The default layout: the 64-byte Scanned Data Report as Honeywell lays it out in HID POS mode
 * (its report descriptor: report id 0x02, Byte Count (page 0x01 usage 0x3B), three Symbology
 * Identifier bytes (AIM ids, e.g. `]Q1` for QR), 56 Decoded Data bytes, two vendor bytes, then 8
 * bits whose bit 0 is Decode Data Continued). Other vendors put the data elsewhere (a Newland
 * FM430 has the data at byte 2 and no continuation bit): configure `layout`.
 */
export const hidPosScannerLayout: ScannerReportLayout = {
  reportId: 0x02,
  lengthOffset: 1,
  symbologyOffset: 2,
  dataOffset: 5,
  dataCapacity: 56,
  continued: { offset: 63, mask: 0x01 },
};

/** What one report completed. */
export type AssembledScan =
  | { readonly type: 'scan'; readonly data: Uint8Array; readonly symbology?: string }
  | { readonly type: 'refused'; readonly error: ScanRefusedError };

const printableSymbology = (bytes: Uint8Array): string | undefined =>
  bytes.length === 3 && bytes.every((b) => b >= 0x21 && b <= 0x7e)
    ? String.fromCharCode(...bytes)
    : undefined;

/**
 * Joins a scanner's reports into scans, bounded: a scan over `maxBytes` is refused whole (and its
 * remaining reports skipped), a scan whose next report is later than `timeoutMs` is dropped, a
 * report whose byte count does not fit is refused. Time comes in with each report.
 */
export class ScanAssembler {
  private chunks: Buffer[] = [];
  private total = 0;
  private symbology: string | undefined;
  private skipping = false;
  private lastAt = 0;

  constructor(
    private readonly layout: ScannerReportLayout,
    private readonly maxBytes: number,
    private readonly timeoutMs: number,
  ) {}

  /** Feeds one input report received at `now` (ms); returns what it completed or refused. */
  push(report: Uint8Array, now: number): AssembledScan[] {
    const out: AssembledScan[] = [];
    const { layout } = this;
    if (report[0] !== layout.reportId) return out; // another report (trigger, status): not a scan
    const midway = this.total > 0 || this.skipping;
    if (midway && now - this.lastAt > this.timeoutMs) {
      if (!this.skipping) out.push(refused('cutShort', 'the rest of the scan never came'));
      this.drop();
    }
    this.lastAt = now;
    const count = report[layout.lengthOffset];
    if (count === undefined || count > layout.dataCapacity) {
      this.drop();
      out.push(refused('badReport', `byte count ${String(count)} over ${layout.dataCapacity}`));
      return out;
    }
    if (layout.dataOffset + count > report.length) {
      this.drop();
      out.push(refused('badReport', `a ${report.length}-byte report cannot hold ${count} bytes`));
      return out;
    }
    const more =
      layout.continued !== undefined &&
      ((report[layout.continued.offset] ?? 0) & layout.continued.mask) !== 0;
    if (this.total === 0 && !this.skipping && layout.symbologyOffset !== undefined)
      this.symbology = printableSymbology(
        report.subarray(layout.symbologyOffset, layout.symbologyOffset + 3),
      );
    if (!this.skipping) {
      if (this.total + count > this.maxBytes) {
        out.push(refused('tooLong', `over ${this.maxBytes} bytes`));
        this.chunks = [];
        this.total = 0;
        this.skipping = true;
      } else {
        this.chunks.push(
          Buffer.from(report.subarray(layout.dataOffset, layout.dataOffset + count)),
        );
        this.total += count;
      }
    }
    if (!more) {
      if (!this.skipping) {
        const data = new Uint8Array(Buffer.concat(this.chunks, this.total));
        out.push(
          this.symbology === undefined
            ? { type: 'scan', data }
            : { type: 'scan', data, symbology: this.symbology },
        );
      }
      this.drop();
    }
    return out;
  }

  private drop(): void {
    this.chunks = [];
    this.total = 0;
    this.skipping = false;
    this.symbology = undefined;
  }
}

const refused = (why: ScanRefusedError['refusal'], detail: string): AssembledScan => ({
  type: 'refused',
  error: new ScanRefusedError(why, detail),
});

/**
 * The reports a scanner with `layout` sends for one scan (for fakes and virtual devices): the
 * payload in `dataCapacity` pieces, Decode Data Continued on all but the last.
 */
export function encodeScanReports(
  layout: ScannerReportLayout,
  payload: Uint8Array,
  symbology = ']Q1',
): Buffer[] {
  const size = Math.max(
    layout.dataOffset + layout.dataCapacity,
    layout.continued === undefined ? 0 : layout.continued.offset + 1,
  );
  const reports: Buffer[] = [];
  for (let at = 0; at === 0 || at < payload.length; at += layout.dataCapacity) {
    const piece = payload.subarray(at, at + layout.dataCapacity);
    const report = Buffer.alloc(size);
    report[0] = layout.reportId;
    report[layout.lengthOffset] = piece.length;
    if (layout.symbologyOffset !== undefined)
      report.write(symbology.slice(0, 3), layout.symbologyOffset, 'latin1');
    report.set(piece, layout.dataOffset);
    if (layout.continued !== undefined && at + layout.dataCapacity < payload.length)
      report[layout.continued.offset] = layout.continued.mask;
    reports.push(report);
  }
  return reports;
}
