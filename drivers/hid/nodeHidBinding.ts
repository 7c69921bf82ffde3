import type { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';

// The slice of `node-hid` (3.4.0) the driver uses, typed structurally so tests can stand in for
// it, and the check of the hidraw node's permissions that node-hid does not report apart.

/** A device as node-hid's `devicesAsync()` lists it (one entry per top-level collection). */
export interface NativeDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly product?: string | undefined;
  /** Present with the hidraw backend (the default on Linux); absent with libusb. */
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
}

/**
 * An open device (node-hid's `HIDAsync`): emits `data` with each input report (a Buffer, report id
 * first for numbered reports) once a `data` listener is added, and `error` when a read fails (the
 * device was unplugged).
 */
export interface NativeHidDevice extends EventEmitter {
  close(): Promise<void>;
}

export interface HidBinding {
  devices(): Promise<NativeDeviceInfo[]>;
  open(path: string): Promise<NativeHidDevice>;
  /** Resolves if the node can be read and written; rejects with the errno error otherwise. */
  access(path: string): Promise<void>;
}

interface NodeHidModule {
  devicesAsync(): Promise<NativeDeviceInfo[]>;
  HIDAsync: { open(path: string): Promise<NativeHidDevice> };
}

/**
 * node-hid, loaded when first needed (it loads its native binding lazily too), so that a kiosk
 * without a PIN pad or scanner never loads it. On Linux node-hid uses hidraw by default, which is
 * what gives usage pages and what the udev rule opens up.
 */
export function loadNodeHid(): HidBinding {
  let hid: NodeHidModule | undefined;
  const load = (): NodeHidModule =>
    (hid ??= createRequire(import.meta.url)('node-hid') as NodeHidModule);
  return {
    devices: () => load().devicesAsync(),
    open: (path) => load().HIDAsync.open(path),
    access: (path) => access(path, constants.R_OK | constants.W_OK),
  };
}
