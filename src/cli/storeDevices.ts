import type { StoreDevices } from '../storage/spec.js';
import { driverForToken } from '../tokens/moduleResolution.js';
import type { CliContext } from './context.js';

/** How the storage SPECs reach their devices from the CLI. */
export function storeDevices(ctx: CliContext, pkcs11Module?: string): StoreDevices {
  return {
    openTokenDriver: async (label) =>
      driverForToken(label, await ctx.devices.tokenModules(pkcs11Module), (module) =>
        ctx.devices.openTokenDriver(module),
      ),
    openUsbDrive: (device) => ctx.devices.openUsbDrive(device),
  };
}
