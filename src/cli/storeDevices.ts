import { driverForToken } from '../tokens/moduleResolution.js';
import type { StoreDevices } from '../storage/spec.js';
import type { CliContext } from './context.js';
import { openTokenDriver, tokenModules } from './tokens.js';
import { usbDrives } from './usbDrives.js';

/** How the storage SPECs reach their devices from the CLI. */
export function storeDevices(ctx: CliContext, pkcs11Module?: string): StoreDevices {
  return {
    openTokenDriver: async (label) =>
      driverForToken(label, await tokenModules(ctx, pkcs11Module), (module) =>
        openTokenDriver(module, ctx.config),
      ),
    openUsbDrive: (device) => usbDrives(ctx).open(device),
  };
}
