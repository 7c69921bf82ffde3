import type { UsbDeviceIdentity } from './contract.js';

// The slice of `usb` 3.1.0's native binding (node_modules/usb/index.js, napi-rs over nusb) that
// realUsbHotplug uses, typed structurally so tests can stand in for it. Why the binding and not
// the package's WebUSB `usb` object: importing that object builds two module-level WebUSB
// singletons (STYLE #3); it rethrows a failure to start watching from a setTimeout, where no caller
// can catch it; and it leaves a failed enumeration as an unhandled rejection (DESIGN §3.4: that is
// what crashes the process where /sys/bus/usb/devices is missing). The version is pinned exactly,
// so this surface does not move under us.

/** A device as the binding describes it. Only the fields read here. */
export interface UsbNativeDevice {
  readonly vendorId: number;
  readonly productId: number;
  /** nusb's bus id: on Linux the sysfs busnum in three digits, e.g. "001". */
  readonly bus: string;
  readonly address: number;
  /** The port chain from the root hub, e.g. [2, 3] for sysfs `1-2.3`. */
  readonly ports: readonly number[];
  /** Opaque; what a detach names the device by. */
  readonly handle: string;
  /** WebUSB's USBConfiguration of the active configuration; a getter that may throw. */
  readonly configuration?: {
    readonly interfaces: readonly { readonly alternate: { readonly interfaceClass: number } }[];
  } | null;
}

/** The binding's hotplug source: one attach and one detach callback at a time. */
export interface UsbNativeEmitter {
  addAttach(callback: (device: UsbNativeDevice) => void): Promise<void>;
  removeAttach(): Promise<void>;
  /** The detach callback gets the handle of the device that left. */
  addDetach(callback: (handle: string) => void): Promise<void>;
  removeDetach(): Promise<void>;
}

/** What the binding module exports that is used here. */
export interface UsbNativeBinding {
  readonly Emitter: new () => UsbNativeEmitter;
  nativeGetDevices(): Promise<UsbNativeDevice[]>;
}

/** The identity of a device the binding reports (contract.ts says what each field means). */
export function identityOf(device: UsbNativeDevice): UsbDeviceIdentity {
  const busNumber = Number.parseInt(device.bus, 10);
  const ports = [...device.ports];
  return {
    vendorId: device.vendorId,
    productId: device.productId,
    busNumber,
    deviceAddress: device.address,
    // sysfs names a device `<bus>-<port>.<port>…`, and a root hub (no ports) `usb<bus>`.
    portPath: ports.length === 0 ? `usb${busNumber}` : `${busNumber}-${ports.join('.')}`,
    interfaceClasses: interfaceClassesOf(device),
  };
}

function interfaceClassesOf(device: UsbNativeDevice): number[] {
  try {
    return (device.configuration?.interfaces ?? []).map((i) => i.alternate.interfaceClass);
  } catch {
    // The descriptors could not be read (device gone, no permission): the contract says empty.
    return [];
  }
}
