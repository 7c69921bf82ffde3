import { UsageError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { Config } from '../config/index.js';
import type { CertificateStore, NpkiMedium } from '../storage/contract.js';
import { openMedium, openStore, parseStorageSpec, type StorageSpec } from '../storage/spec.js';
import { driverForToken } from '../tokens/moduleResolution.js';
import type { Devices } from './devices.js';

/**
 * What every service operation runs with: the devices (built once, src/service/devices.ts), the
 * validated configuration, the log and the clock.
 */
export interface ServiceContext {
  readonly devices: Devices;
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => Date;
}

/**
 * Where certificates are (DESIGN §11 storage SPEC), as one value: a folder, a USB drive or image,
 * or a PKCS#11 token (with the library to use, when not the configuration's or the catalogue's).
 * The service dispatches on it in one place; callers never branch on the kind.
 */
export type Medium =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'usb'; readonly device: string }
  | { readonly kind: 'token'; readonly label: string; readonly module?: string };

/** `dir:PATH`, `usb:DEVICE` or `token:LABEL` (UsageError otherwise); `module` for a token. */
export function parseMedium(spec: string, module?: string): Medium {
  const parsed = parseStorageSpec(spec);
  return parsed.kind === 'token' && module !== undefined ? { ...parsed, module } : parsed;
}

/** The SPEC a medium is written as, for messages and the log. */
export function mediumSpec(medium: Medium): string {
  switch (medium.kind) {
    case 'dir':
      return `dir:${medium.path}`;
    case 'usb':
      return `usb:${medium.device}`;
    case 'token':
      return `token:${medium.label}`;
  }
}

/**
 * What opens the key on a medium: a key file's password on a folder or a drive, the token's user
 * PIN on a token (bytes; the caller zeroes them).
 */
export type KeySecret =
  | { readonly kind: 'password'; readonly bytes: Uint8Array }
  | { readonly kind: 'pin'; readonly bytes: Uint8Array };

/** Which secret opens keys on this medium. */
export function secretKindFor(medium: Medium): KeySecret['kind'] {
  return medium.kind === 'token' ? 'pin' : 'password';
}

/** The secret's bytes if it is of the kind the medium takes; UsageError naming both otherwise. */
export function secretFor(medium: Medium, secret: KeySecret): Uint8Array {
  const wanted = secretKindFor(medium);
  if (secret.kind !== wanted)
    throw new UsageError(
      `${mediumSpec(medium)} is opened with a ${wanted === 'pin' ? 'PIN' : 'password'}, not a ${secret.kind === 'pin' ? 'PIN' : 'password'}`,
    );
  return secret.bytes;
}

/** The devices a folder or drive SPEC reaches. */
function storeDevices(ctx: ServiceContext, module?: string) {
  return {
    openTokenDriver: async (label: string) =>
      driverForToken(label, await ctx.devices.tokenModules(module), (m) =>
        ctx.devices.openTokenDriver(m),
      ),
    openUsbDrive: (device: string) => ctx.devices.usbDrives().open(device),
  };
}

/** The certificates of any medium (a token's are public objects: no PIN). */
export function storeOf(ctx: ServiceContext, medium: Medium): CertificateStore {
  return openStore(
    specOf(medium),
    storeDevices(ctx, medium.kind === 'token' ? medium.module : undefined),
  );
}

/** A medium the kiosk writes NPKI files onto: a folder or a drive. */
export function npkiMediumOf(
  ctx: ServiceContext,
  medium: Exclude<Medium, { kind: 'token' }>,
): NpkiMedium {
  return openMedium(
    medium.kind === 'dir' ? medium : { kind: 'usb', device: medium.device },
    storeDevices(ctx),
  );
}

function specOf(medium: Medium): StorageSpec {
  return medium.kind === 'token' ? { kind: 'token', label: medium.label } : medium;
}
