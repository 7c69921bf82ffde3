import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { CertificateStore, NpkiMedium } from './contract.js';
import { UsbStore } from './usbStore.js';
import type { UsbDrive } from '../../drivers/usbdrive/contract.js';
import { DirStore } from './dirStore.js';
import { TokenStore } from './tokenStore.js';
import type { TokenDriver } from '../../drivers/pkcs11/contract.js';

/** A parsed storage SPEC (DESIGN §11). */
export type StorageSpec =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'usb'; readonly device: string }
  | { readonly kind: 'token'; readonly label: string };

/** Parses `dir:PATH`, `usb:DEVICE` or `token:LABEL`; UsageError otherwise. */
export function parseStorageSpec(text: string): StorageSpec {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (rest === '') {
    throw new UsageError(`storage "${text}" is not dir:PATH, usb:DEVICE or token:LABEL`);
  }
  switch (kind) {
    case 'dir':
      return { kind, path: resolve(rest) };
    case 'usb':
      // A block device or an image file; a relative image path is the caller's folder's.
      return { kind, device: resolve(rest) };
    case 'token':
      return { kind, label: rest };
    default:
      throw new UsageError(`storage "${text}" is not dir:PATH, usb:DEVICE or token:LABEL`);
  }
}

/** How to reach devices a SPEC may name (wired in the CLI: src/ stays free of native code). */
export interface StoreDevices {
  /** Opens a USB drive or image after its safety checks. */
  readonly openUsbDrive?: (device: string) => Promise<UsbDrive>;
  /** The driver of the module that serves the token with this label. */
  readonly openTokenDriver?: (label: string) => Promise<TokenDriver>;
}

/** Opens the store a SPEC names. */
export function openStore(spec: StorageSpec, devices: StoreDevices = {}): CertificateStore {
  switch (spec.kind) {
    case 'dir':
    case 'usb':
      return openMedium(spec, devices);
    case 'token':
      if (devices.openTokenDriver === undefined)
        throw new UsageError('token: storage is not available here');
      return new TokenStore(spec.label, devices.openTokenDriver);
  }
}

/** Opens a medium the kiosk writes NPKI pairs onto: `dir:` or `usb:`. */
export function openMedium(
  spec: StorageSpec & { kind: 'dir' | 'usb' },
  devices: StoreDevices = {},
): NpkiMedium {
  if (spec.kind === 'dir') return new DirStore(spec.path);
  if (devices.openUsbDrive === undefined)
    throw new UsageError('usb: storage is not available here');
  return new UsbStore(spec.device, devices.openUsbDrive);
}
