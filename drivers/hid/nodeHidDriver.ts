import type {
  HidDeviceInfo,
  HidDeviceSelector,
  HidDriver,
  PinPad,
  PinPadSettings,
  Scanner,
  ScannerSettings,
} from './contract.js';
import { HidAccessError, HidDeviceNotFoundError, type HidRole } from './errors.js';
import { loadNodeHid, type HidBinding, type NativeHidDevice } from './nodeHidBinding.js';
import { ReportPinPad, ReportScanner, type ReportSource } from './reportDevices.js';
import { chooseCollection, matching } from './selection.js';

/**
 * The HID driver on node-hid over hidraw (DESIGN §3.5): devices chosen by the configured
 * vendor:product and usage page, keyboard-mode devices refused, the node opened by path, reports
 * decoded in reportDevices.ts. Not a singleton: the service makes one and passes it in.
 */
export class NodeHidDriver implements HidDriver {
  private readonly binding: HidBinding;
  private readonly now: () => number;

  constructor(options: { binding?: HidBinding; now?: () => number } = {}) {
    this.binding = options.binding ?? loadNodeHid();
    this.now = options.now ?? Date.now;
  }

  async list(selector: HidDeviceSelector): Promise<HidDeviceInfo[]> {
    return matching(await this.all(), selector);
  }

  async openPinPad(settings: PinPadSettings): Promise<PinPad> {
    const { info, device } = await this.open('pinPad', settings);
    return new ReportPinPad(info, settings.reportMap, sourceOf(device));
  }

  async openScanner(settings: ScannerSettings): Promise<Scanner> {
    const { info, device } = await this.open('scanner', settings);
    return new ReportScanner(info, settings, sourceOf(device), this.now);
  }

  private async all(): Promise<HidDeviceInfo[]> {
    const listed = await this.binding.devices();
    return listed.flatMap((d) =>
      d.path === undefined
        ? []
        : [
            {
              path: d.path,
              vendorId: d.vendorId,
              productId: d.productId,
              usagePage: d.usagePage ?? 0,
              usage: d.usage ?? 0,
              ...(d.product === undefined ? {} : { product: d.product }),
            },
          ],
    );
  }

  private async open(
    role: HidRole,
    selector: HidDeviceSelector,
  ): Promise<{ info: HidDeviceInfo; device: NativeHidDevice }> {
    const info = chooseCollection(role, await this.all(), selector);
    try {
      await this.binding.access(info.path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT')
        throw new HidDeviceNotFoundError(role, selector.vendorId, selector.productId);
      throw new HidAccessError(role, info.path, { cause: error });
    }
    try {
      return { info, device: await this.binding.open(info.path) };
    } catch (error) {
      throw new HidAccessError(role, info.path, { cause: error });
    }
  }
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** An open node-hid device as a report source: `data` events until an `error` (unplug). */
function sourceOf(device: NativeHidDevice): ReportSource {
  let closed = false;
  return {
    start(onReport, onGone) {
      device.on('error', (error: unknown) => {
        if (!closed) onGone(error);
      });
      // Adding the listener starts node-hid's read thread.
      device.on('data', (report: Buffer) => {
        if (!closed) onReport(report);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Closing a device already gone rejects; there is nothing left to release then.
      await device.close().catch(() => undefined);
    },
  };
}
