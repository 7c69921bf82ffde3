import type { UsbHotplugError } from './errors.js';

// USB hotplug (DESIGN §3.3: listen to USB hotplug to know when to poll PKCS#11 slots; §3.4: find
// the USB drive that arrived). Interfaces and event types only (STYLE #1).

/** What identifies a USB device while it stays plugged in, as Linux names it. */
export interface UsbDeviceIdentity {
  /** idVendor, 0–0xffff. */
  readonly vendorId: number;
  /** idProduct, 0–0xffff. */
  readonly productId: number;
  /** The bus (host controller) number, as in sysfs `busnum`. */
  readonly busNumber: number;
  /** The address on the bus (sysfs `devnum`); reused by the kernel after removal. */
  readonly deviceAddress: number;
  /**
   * The device's sysfs name, `${busNumber}-${ports.join('.')}` (e.g. `1-2.3`): stable for a given
   * physical port, so it is the key for matching a detach to its attach and for finding the block
   * device under /sys/bus/usb/devices (DESIGN §3.4).
   */
  readonly portPath: string;
  /**
   * bInterfaceClass of each interface of the active configuration, in interface order (0x08: mass
   * storage, 0x0b: smart card, 0x03: HID); empty when the descriptors could not be read.
   */
  readonly interfaceClasses: readonly number[];
}

/** A device arrived or left. */
export interface UsbHotplugEvent {
  readonly type: 'attached' | 'detached';
  /** For `detached`, the identity the device had when it was attached or first listed. */
  readonly device: UsbDeviceIdentity;
}

/**
 * The USB devices present and their comings and goings. One instance per owner, never a module
 * singleton (STYLE #3).
 */
export interface UsbHotplug {
  /**
   * Whether this machine has USB at all (on Linux, /sys/bus/usb; containers and CI have none).
   * When false, `list()` resolves to nothing, `watch()` never calls its listener, and no native
   * code is loaded: the kiosk runs without USB rather than crashing.
   */
  readonly available: boolean;

  /**
   * The devices present now, in no particular order (root hubs excluded). Resolves to nothing
   * when unavailable or closed. Rejects with UsbHotplugError when the system cannot enumerate.
   * Asynchronous because `usb` 3 enumerates only asynchronously.
   */
  list(): Promise<UsbDeviceIdentity[]>;

  /**
   * Calls `listener` for each device attached or detached from now on, until the returned
   * function is called (calling it again does nothing) or `close()`. Devices present before the
   * call are not reported as attached, but their detach is. Listeners must not throw.
   *
   * If watching cannot start, or stops working, `onError` gets a UsbHotplugError once and no more
   * events follow for that listener.
   *
   * While at least one listener is subscribed the native watcher holds the process open (like a
   * listening socket); unsubscribing the last one, or `close()`, releases it. An instance nobody
   * watches never keeps the process alive.
   */
  watch(
    listener: (event: UsbHotplugEvent) => void,
    onError?: (error: UsbHotplugError) => void,
  ): () => void;

  /**
   * Unsubscribes every listener and releases the native watcher. Afterwards `list()` resolves to
   * nothing and `watch()` does nothing. Calling it again does nothing.
   */
  close(): void;
}
