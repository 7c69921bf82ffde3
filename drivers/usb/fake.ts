import type { UsbHotplugError } from './errors.js';
import type { UsbDeviceIdentity, UsbHotplug, UsbHotplugEvent } from './contract.js';

/** How to build a FakeUsbHotplug. */
export interface FakeUsbHotplugOptions {
  /** false plays a machine without USB (a container): nothing listed, nothing watched. */
  readonly available?: boolean;
}

/**
 * The UsbHotplug contract in memory, with test controls: `attach(identity)` plugs a device in,
 * `detach(portPath)` pulls it out, `failWatch(error)` breaks the source. State is per instance
 * (STYLE #2). Events are delivered synchronously, inside the control call.
 */
export class FakeUsbHotplug implements UsbHotplug {
  readonly available: boolean;
  /** Devices present, by portPath, in attach order. */
  readonly #devices = new Map<string, UsbDeviceIdentity>();
  readonly #subscribers = new Set<{
    readonly listener: (event: UsbHotplugEvent) => void;
    readonly onError: ((error: UsbHotplugError) => void) | undefined;
  }>();
  #closed = false;

  constructor(options: FakeUsbHotplugOptions = {}) {
    this.available = options.available ?? true;
  }

  /** How many listeners are subscribed (for checking that owners unsubscribe). */
  get listenerCount(): number {
    return this.#subscribers.size;
  }

  list(): Promise<UsbDeviceIdentity[]> {
    if (!this.available || this.#closed) return Promise.resolve([]);
    return Promise.resolve([...this.#devices.values()]);
  }

  watch(
    listener: (event: UsbHotplugEvent) => void,
    onError?: (error: UsbHotplugError) => void,
  ): () => void {
    if (!this.available || this.#closed) return () => undefined;
    const subscriber = { listener, onError };
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  close(): void {
    this.#closed = true;
    this.#subscribers.clear();
  }

  /** Plugs a device in. Throws if its port is taken or the fake has no USB: a test's mistake. */
  attach(identity: UsbDeviceIdentity): void {
    if (!this.available) throw new Error('this FakeUsbHotplug plays a machine without USB');
    if (this.#devices.has(identity.portPath)) {
      throw new Error(`a device is already attached at ${identity.portPath}`);
    }
    const device = { ...identity, interfaceClasses: [...identity.interfaceClasses] };
    this.#devices.set(identity.portPath, device);
    this.#emit({ type: 'attached', device });
  }

  /** Pulls out the device at `portPath`. Throws if there is none: a test's mistake. */
  detach(portPath: string): void {
    const device = this.#devices.get(portPath);
    if (device === undefined) throw new Error(`no device is attached at ${portPath}`);
    this.#devices.delete(portPath);
    this.#emit({ type: 'detached', device });
  }

  /** Breaks watching, as a failing native source would: each listener's onError, then silence. */
  failWatch(error: UsbHotplugError): void {
    const failed = [...this.#subscribers];
    this.#subscribers.clear();
    for (const { onError } of failed) onError?.(error);
  }

  #emit(event: UsbHotplugEvent): void {
    for (const { listener } of [...this.#subscribers]) listener(event);
  }
}
