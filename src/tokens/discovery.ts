import type { TokenDriver, TokenInfo, TokenWatch } from '../../drivers/pkcs11/contract.js';
import { watchTokens } from '../../drivers/pkcs11/watch.js';
import type { UsbHotplug } from '../../drivers/usb/contract.js';
import { entryForToken, modulesForUsbDevice } from './catalogue.js';
import type { ModuleSource } from './moduleResolution.js';

/** A token arrived or left, with the module that reports it. */
export interface DiscoveryEvent {
  readonly type: 'present' | 'removed';
  readonly token: TokenInfo;
  readonly module: string;
}

export interface TokenDiscoveryOptions {
  readonly source: ModuleSource;
  readonly open: (module: string) => TokenDriver;
  /** USB hotplug, where the machine has USB: a device coming or going polls at once. */
  readonly hotplug?: UsbHotplug;
  readonly intervalMs: number;
  readonly onEvent: (event: DiscoveryEvent) => void;
  /** A module that cannot load, a failed poll, a hotplug failure: reported, never thrown. */
  readonly onError: (error: unknown) => void;
}

/**
 * Token discovery (DESIGN §3.3): every module of the source is polled (C_WaitForSlotEvent is not
 * available everywhere), and USB hotplug, where present, makes the modules serving that device
 * (by the catalogue's vendor:product, or all when none lists it) look at once instead of at the
 * next tick. In catalogue mode only tokens an entry claims are reported.
 */
export class TokenDiscovery {
  private readonly watches = new Map<string, TokenWatch>();
  private readonly drivers: TokenDriver[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: TokenDiscoveryOptions) {}

  start(): void {
    const { source } = this.options;
    const modules = source.kind === 'fixed' ? [source.module] : source.modules;
    for (const module of modules) {
      let driver: TokenDriver;
      try {
        driver = this.options.open(module);
      } catch (error) {
        this.options.onError(error);
        continue;
      }
      this.drivers.push(driver);
      const watch = watchTokens(
        driver,
        (event) => {
          if (source.kind === 'catalogue' && !entryForToken(source.catalogue, module, event.token))
            return;
          this.options.onEvent({ ...event, module });
        },
        { intervalMs: this.options.intervalMs, onError: this.options.onError },
      );
      this.watches.set(module, watch);
    }
    this.unsubscribe = this.options.hotplug?.watch(({ device }) => {
      const listed =
        source.kind === 'catalogue'
          ? modulesForUsbDevice(source.catalogue, device.vendorId, device.productId)
          : [];
      for (const [module, watch] of this.watches)
        if (listed.length === 0 || listed.includes(module)) void watch.poll();
    }, this.options.onError);
  }

  /** Polls every module now; resolves when all have answered. */
  async poll(): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.poll()));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
    for (const driver of this.drivers.splice(0)) await driver.close();
  }
}
