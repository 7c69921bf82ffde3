/// <reference types="w3c-web-usb" />
// usb's declarations use the WebUSB types of @types/w3c-web-usb (its dependency); without them
// tsc would treat the device's `configuration` as any and not check it against usbNative.ts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as UsbPackage from 'usb/index.js';
import { UsbHotplugError } from './errors.js';
import type { UsbDeviceIdentity, UsbHotplug, UsbHotplugEvent } from './contract.js';
import {
  identityOf,
  type UsbNativeBinding,
  type UsbNativeDevice,
  type UsbNativeEmitter,
} from './usbNative.js';

/** How to build a RealUsbHotplug; both are for tests. */
export interface RealUsbHotplugOptions {
  /** Where sysfs is mounted; '/sys' unless given. Only the availability check reads it. */
  readonly sysRoot?: string;
  /** Loads the native binding; `usb` 3.1.0's unless given. Called at most once, only if available. */
  readonly loadNative?: () => UsbNativeBinding;
}

interface Subscriber {
  readonly listener: (event: UsbHotplugEvent) => void;
  readonly onError: ((error: UsbHotplugError) => void) | undefined;
}

function loadUsbBinding(): UsbNativeBinding {
  // Loaded on demand, never at import: a machine without USB must not even load the native code
  // (DESIGN §3.4). The package is CommonJS without an exports map, so its binding is reachable.
  // Typed as the package declares it, so tsc checks that it has the shape UsbNativeBinding needs.
  const binding = createRequire(import.meta.url)('usb/index.js') as typeof UsbPackage;
  return binding;
}

/**
 * USB hotplug on `usb` 3.1.0 (the contract is in contract.ts). Linux only: availability is the
 * presence of `<sysRoot>/bus/usb/devices`, the folder the native library enumerates (nusb reads
 * /sys/bus/usb/devices/ and fails without it).
 */
export class RealUsbHotplug implements UsbHotplug {
  readonly available: boolean;
  readonly #loadNative: () => UsbNativeBinding;
  #native: UsbNativeBinding | undefined;
  #emitter: UsbNativeEmitter | undefined;
  readonly #subscribers = new Set<Subscriber>();
  /** Devices seen since watching started, by native handle: a detach names only the handle. */
  readonly #known = new Map<string, UsbDeviceIdentity>();
  /** Native add/remove calls run one after another, in call order (as usb's own WebUSB does). */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: RealUsbHotplugOptions = {}) {
    this.available = existsSync(join(options.sysRoot ?? '/sys', 'bus', 'usb', 'devices'));
    this.#loadNative = options.loadNative ?? loadUsbBinding;
  }

  async list(): Promise<UsbDeviceIdentity[]> {
    if (!this.available || this.#closed) return [];
    let devices: UsbNativeDevice[];
    try {
      devices = await this.#binding().nativeGetDevices();
    } catch (cause) {
      throw new UsbHotplugError('list', { cause });
    }
    return devices.map(identityOf);
  }

  watch(
    listener: (event: UsbHotplugEvent) => void,
    onError?: (error: UsbHotplugError) => void,
  ): () => void {
    if (!this.available || this.#closed) return () => undefined;
    const subscriber: Subscriber = { listener, onError };
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) this.#start();
    return () => {
      this.#unsubscribe(subscriber);
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const wasWatching = this.#subscribers.size > 0;
    this.#subscribers.clear();
    if (wasWatching) this.#stop();
  }

  #binding(): UsbNativeBinding {
    this.#native ??= this.#loadNative();
    return this.#native;
  }

  #unsubscribe(subscriber: Subscriber): void {
    if (this.#subscribers.delete(subscriber) && this.#subscribers.size === 0) this.#stop();
  }

  #enqueue(operation: (emitter: UsbNativeEmitter) => Promise<void>): Promise<void> {
    const run = this.#queue.then(() => {
      this.#emitter ??= new (this.#binding().Emitter)();
      return operation(this.#emitter);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #start(): void {
    this.#enqueue(async (emitter) => {
      await emitter.addAttach(this.#onAttach);
      await emitter.addDetach(this.#onDetach);
      // Devices already present are not reported as attached, but their detach must be (contract):
      // learn their handles. One that attached meanwhile is already known, with the same identity.
      for (const device of await this.#binding().nativeGetDevices()) {
        if (!this.#known.has(device.handle)) this.#known.set(device.handle, identityOf(device));
      }
    }).catch((cause: unknown) => {
      this.#fail(new UsbHotplugError('watch', { cause }));
    });
  }

  #stop(): void {
    this.#known.clear();
    this.#enqueue(async (emitter) => {
      // Removing both callbacks releases the native threads that hold the process open.
      await emitter.removeAttach();
      await emitter.removeDetach();
    }).catch(() => {
      // Nobody is listening any more, so there is no one to tell; what remains is at worst a
      // native watcher that keeps the process open, which its owner sees at shutdown.
    });
  }

  /** Watching failed: every subscriber hears it once and is dropped, and the watcher is released. */
  #fail(error: UsbHotplugError): void {
    const failed = [...this.#subscribers];
    this.#subscribers.clear();
    if (failed.length > 0) this.#stop();
    for (const { onError } of failed) onError?.(error);
  }

  readonly #onAttach = (device: UsbNativeDevice): void => {
    if (this.#subscribers.size === 0) return;
    const identity = identityOf(device);
    this.#known.set(device.handle, identity);
    this.#emit({ type: 'attached', device: identity });
  };

  readonly #onDetach = (handle: string): void => {
    const identity = this.#known.get(handle);
    // A handle never seen is a device that came and went before watching was fully started:
    // there is no identity to report, and nobody was told it arrived.
    if (identity === undefined || this.#subscribers.size === 0) return;
    this.#known.delete(handle);
    this.#emit({ type: 'detached', device: identity });
  };

  #emit(event: UsbHotplugEvent): void {
    for (const { listener } of [...this.#subscribers]) {
      try {
        listener(event);
      } catch (error) {
        // A throwing listener is a bug (the contract forbids it): surface it as an uncaught
        // exception, as an EventEmitter would, once the other listeners have had the event.
        setImmediate(() => {
          throw error;
        });
      }
    }
  }
}
