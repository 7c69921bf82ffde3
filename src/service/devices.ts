import { isAbsolute, join, resolve } from 'node:path';
import type { HidDriver } from '../../drivers/hid/contract.js';
import { NodeHidDriver } from '../../drivers/hid/nodeHidDriver.js';
import type { TokenDriver } from '../../drivers/pkcs11/contract.js';
import { GraphenePkcs11Driver } from '../../drivers/pkcs11/graphenePkcs11.js';
import type { CardApplication, PcscDriver } from '../../drivers/pcsc/contract.js';
import { PcscliteDriver } from '../../drivers/pcsc/pcscliteDriver.js';
import { attachToVpcd, type VpcdConnection } from '../../drivers/pcsc/vpcd.js';
import type { UsbHotplug } from '../../drivers/usb/contract.js';
import { RealUsbHotplug } from '../../drivers/usb/realUsbHotplug.js';
import type { UsbDriveDriver } from '../../drivers/usbdrive/contract.js';
import { RealUsbDrives } from '../../drivers/usbdrive/realUsbDrives.js';
import { httpTransport, type CmpTransport } from '../cmp/transport.js';
import type { Config } from '../config/index.js';
import { TokenModuleError } from '../errors/index.js';
import { loadCatalogue, type Catalogue } from '../tokens/catalogue.js';
import { defaultCatalogue } from '../tokens/defaultCatalogue.js';
import { driverForToken, moduleSource, type ModuleSource } from '../tokens/moduleResolution.js';

/**
 * The devices the service reaches, built in one place from the configuration (issue 12 item 2):
 * the CLI and the kiosk service take them from here, tests pass fakes through the same shape.
 * Built lazily and once; `close` lets go of what was built.
 */
export interface Devices {
  /** The machine's USB drives with the configured safety limits (DESIGN §3.4). */
  usbDrives(): UsbDriveDriver;
  /** Where to look for tokens: `module` if given, else the configuration's, else the catalogue. */
  tokenModules(module?: string): Promise<ModuleSource>;
  /** The driver of one PKCS#11 library; TokenModuleError when it cannot be loaded. */
  openTokenDriver(module: string): TokenDriver;
  /** Runs `work` with the driver of the module that serves the token `label`, then closes it. */
  withTokenDriver<T>(
    label: string,
    module: string | undefined,
    work: (driver: TokenDriver) => Promise<T>,
  ): Promise<T>;
  /** The PC/SC readers (pcscd), for the ID document chip; closed by `close`. */
  pcsc(): PcscDriver;
  /** USB hotplug events (token watch reacts at once); closed by `close`. */
  usbHotplug(): UsbHotplug;
  /** CMP over HTTP to the CA at `url` (DESIGN §5). */
  cmpTransport(url: string): CmpTransport;
  /**
   * A card application (the virtual eMRTD) put into pcscd's virtual reader through vpcd, for
   * tests and the demo; the caller closes the connection.
   */
  /** The HID devices (PIN pad, QR scanner, DESIGN §3.5); absent where a world has none (tests). */
  hid?(): HidDriver;
  attachVirtualCard(
    card: CardApplication,
    vpcd: { host: string; port: number; onError?: (error: unknown) => void },
  ): VpcdConnection;
  close(): Promise<void>;
}

/** The real devices of this machine; `home` resolves the configuration's relative paths. */
export function realDevices(config: Config, home: string): Devices {
  let drives: UsbDriveDriver | undefined;
  let hotplug: RealUsbHotplug | undefined;
  let pcsc: PcscliteDriver | undefined;
  let hid: NodeHidDriver | undefined;
  const openTokenDriver = (module: string): TokenDriver => {
    try {
      return new GraphenePkcs11Driver(module, {
        recoveryIntervalMs: config.pkcs11.recoveryIntervalMs,
      });
    } catch (cause) {
      // Whatever the library did (missing, not PKCS#11, C_Initialize failed): the module is
      // unusable, which the catalogue search skips and a named module reports.
      throw new TokenModuleError(module, { cause });
    }
  };
  const tokenModules = async (module?: string): Promise<ModuleSource> =>
    moduleSource(module, config.pkcs11.module, await tokenCatalogue(config, home));
  const usbHotplug = (): RealUsbHotplug => (hotplug ??= new RealUsbHotplug());
  const usbDrives = (): UsbDriveDriver =>
    (drives ??= new RealUsbDrives({
      maxBytes: config.usb.maxBytes,
      allowLoopDevices: config.usb.allowLoopDevices,
      allowImageFiles: config.usb.allowImageFiles,
      imageFolder: resolve(home, config.usb.imageFolder),
      // Drives arriving and leaving (the kiosk's drive watcher); native code loads on first use.
      hotplug: usbHotplug(),
    }));
  return {
    usbDrives,
    tokenModules,
    openTokenDriver,
    async withTokenDriver(label, module, work) {
      const driver = await driverForToken(label, await tokenModules(module), openTokenDriver);
      try {
        return await work(driver);
      } finally {
        await driver.close();
      }
    },
    pcsc: () => (pcsc ??= new PcscliteDriver()),
    usbHotplug,
    cmpTransport: (url) => httpTransport(url),
    // node-hid loads on first use: a kiosk without a pad or scanner never loads it.
    hid: () => (hid ??= new NodeHidDriver()),
    attachVirtualCard: (card, vpcd) => attachToVpcd(card, vpcd),
    async close() {
      hotplug?.close();
      hotplug = undefined;
      const reader = pcsc;
      pcsc = undefined;
      await reader?.close();
    },
  };
}

/** The token catalogue: config `pkcs11.catalogue` (relative to the kiosk home), else embedded. */
export async function tokenCatalogue(config: Config, home: string): Promise<Catalogue> {
  const file = config.pkcs11.catalogue;
  if (file === undefined) return defaultCatalogue;
  return loadCatalogue(isAbsolute(file) ? file : join(home, file));
}
