import { FatalError, outOfService } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/** What the USB hotplug source was doing when it failed. */
export type UsbHotplugOperation = 'list' | 'watch';

/**
 * The USB hotplug source (drivers/usb) failed: the native library could not enumerate devices or
 * start watching (no usbfs, no permission for the netlink socket). Without it the kiosk cannot see
 * tokens or drives arrive, so it goes out of service; the cause is kept for the operator's log.
 * The reason is `configInvalid`, as for a PKCS#11 module that does not load: an environment fault
 * only the operator can fix.
 */
export class UsbHotplugError extends FatalError {
  readonly code = 'USB_HOTPLUG';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly operation: UsbHotplugOperation,
    options?: { cause?: unknown },
  ) {
    super(`USB hotplug: ${operation} failed`, options);
  }
}
