import { resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { CertificateStore } from './contract.js';
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
      return { kind, device: rest };
    case 'token':
      return { kind, label: rest };
    default:
      throw new UsageError(`storage "${text}" is not dir:PATH, usb:DEVICE or token:LABEL`);
  }
}

/** How to reach devices a SPEC may name (wired in the CLI: src/ stays free of native code). */
export interface StoreDevices {
  /** The driver of the module that serves the token with this label. */
  readonly openTokenDriver?: (label: string) => Promise<TokenDriver>;
}

/** Opens the store a SPEC names. USB drives come with their driver. */
export function openStore(spec: StorageSpec, devices: StoreDevices = {}): CertificateStore {
  switch (spec.kind) {
    case 'dir':
      return new DirStore(spec.path);
    case 'token':
      if (devices.openTokenDriver === undefined)
        throw new UsageError('token: storage is not available here');
      return new TokenStore(spec.label, devices.openTokenDriver);
    case 'usb':
      throw new UsageError(
        'storage usb: is not supported by this build yet; use dir:PATH or token:LABEL',
      );
  }
}
