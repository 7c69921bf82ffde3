import type {
  HidDeviceInfo,
  HidDeviceSelector,
  HidDriver,
  PinKey,
  PinPad,
  PinPadReportMap,
  PinPadSettings,
  Scanner,
  ScannerReportLayout,
  ScannerSettings,
} from './contract.js';
import { HidAccessError, HidDeviceNotFoundError, type HidRole } from './errors.js';
import { encodeKeyReports } from './pinReport.js';
import { ReportPinPad, ReportScanner, type ReportSource } from './reportDevices.js';
import { encodeScanReports } from './scanReport.js';
import { chooseCollection, matching } from './selection.js';

/** A device plugged into the fake: its collections share one path. */
interface FakeNode {
  readonly collections: HidDeviceInfo[];
  accessDenied: boolean;
  /** The open handles reading this node, with the settings they were opened with. */
  readonly readers: Set<FakeReader>;
}

interface FakeReader {
  onReport?: (report: Buffer) => void;
  onGone?: (cause?: unknown) => void;
  map?: PinPadReportMap;
  layout?: ScannerReportLayout;
}

/**
 * The HidDriver contract in memory, with the controls a test needs: plug devices (in data or
 * keyboard mode), press keys and scan payloads as the device would send them (encoded into reports
 * with the map or layout the device was opened with, then decoded by the same code as the real
 * driver), unplug mid-entry, refuse access as a missing udev rule would. Reports are delivered at
 * once. State is per instance (STYLE #2).
 */
export class FakeHidDriver implements HidDriver {
  private readonly nodes = new Map<string, FakeNode>();
  private counter = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Plugs a device with one collection per `usages` entry ([usagePage, usage]); returns its path.
   * `usages: [[0x01, 0x06]]` is a keyboard-mode device, which opening refuses.
   */
  plug(
    device: { vendorId: number; productId: number; product?: string },
    usages: readonly (readonly [number, number])[],
  ): string {
    const path = `/dev/hidraw-fake${this.counter++}`;
    this.nodes.set(path, {
      collections: usages.map(([usagePage, usage]) => ({ path, ...device, usagePage, usage })),
      accessDenied: false,
      readers: new Set(),
    });
    return path;
  }

  /** Unplugs the device: every open handle on it fails with HidDeviceGoneError. */
  unplug(path: string): void {
    const node = this.node(path);
    this.nodes.delete(path);
    for (const reader of node.readers) reader.onGone?.(new Error(`fake ${path} unplugged`));
    node.readers.clear();
  }

  /** Opening the device fails as without the udev rule (EACCES). */
  denyAccess(path: string): void {
    this.node(path).accessDenied = true;
  }

  /** The PIN pad at `path` sends the reports of these keys (press, release each). */
  press(path: string, ...keys: PinKey[]): void {
    for (const reader of this.node(path).readers)
      if (reader.map !== undefined)
        for (const report of encodeKeyReports(reader.map, keys)) reader.onReport?.(report);
  }

  /** The scanner at `path` sends the reports of one scan of `payload`. */
  scan(path: string, payload: Uint8Array, symbology?: string): void {
    for (const reader of this.node(path).readers)
      if (reader.layout !== undefined)
        for (const report of encodeScanReports(reader.layout, payload, symbology))
          reader.onReport?.(report);
  }

  /** The device at `path` sends one raw input report (to every open handle). */
  sendReport(path: string, report: Uint8Array): void {
    for (const reader of this.node(path).readers) reader.onReport?.(Buffer.from(report));
  }

  list(selector: HidDeviceSelector): Promise<HidDeviceInfo[]> {
    return Promise.resolve(matching(this.all(), selector));
  }

  openPinPad(settings: PinPadSettings): Promise<PinPad> {
    return new Promise((resolve) => {
      const { info, source } = this.open('pinPad', settings, { map: settings.reportMap });
      resolve(new ReportPinPad(info, settings.reportMap, source));
    });
  }

  openScanner(settings: ScannerSettings): Promise<Scanner> {
    return new Promise((resolve) => {
      const { info, source } = this.open('scanner', settings, { layout: settings.layout });
      resolve(new ReportScanner(info, settings, source, this.now));
    });
  }

  private all(): HidDeviceInfo[] {
    return [...this.nodes.values()].flatMap((n) => n.collections);
  }

  private open(
    role: HidRole,
    selector: HidDeviceSelector,
    reader: FakeReader,
  ): { info: HidDeviceInfo; source: ReportSource } {
    const info = chooseCollection(role, this.all(), selector);
    const node = this.nodes.get(info.path);
    if (node === undefined)
      throw new HidDeviceNotFoundError(role, selector.vendorId, selector.productId);
    if (node.accessDenied) throw new HidAccessError(role, info.path);
    const source: ReportSource = {
      start: (onReport, onGone) => {
        reader.onReport = onReport;
        reader.onGone = onGone;
        node.readers.add(reader);
      },
      close: () => {
        node.readers.delete(reader);
        return Promise.resolve();
      },
    };
    return { info, source };
  }

  private node(path: string): FakeNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`no fake HID device ${path}`);
    return node;
  }
}
