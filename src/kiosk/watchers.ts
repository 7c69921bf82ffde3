import { fromCallback } from 'xstate';
import type { PcscDriver } from '../../drivers/pcsc/contract.js';
import type { UsbDriveDriver } from '../../drivers/usbdrive/contract.js';
import type { KioskEvent } from '../../machines/kiosk.js';
import type { Logger } from '../log/logger.js';

/**
 * The kiosk's device watchers (issue 13: callback actors whose events the kiosk and the visit
 * see), bound to the drivers. Each reports the whole present set when it changes, so a missed
 * event cannot leave the kiosk believing in a reader that is gone.
 */

/** Card readers and cards; pcscd gone is asked about again every `retryMs` until it is back. */
export function watchReaders(pcsc: PcscDriver, log: Logger, retryMs = 2000) {
  return fromCallback<KioskEvent>(({ sendBack }) => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const refresh = (): void => {
      pcsc.readers().then(
        (readers) => {
          if (!stopped) sendBack({ type: 'device.readers', readers: readers.map((r) => r.name) });
        },
        (error: unknown) => {
          if (stopped) return;
          log.warn({ err: error }, 'card readers unavailable');
          sendBack({ type: 'device.pcscGone' });
          timer = setTimeout(refresh, retryMs);
        },
      );
    };
    const unwatch = pcsc.watch((event) => {
      if (event.type === 'card-inserted')
        sendBack({ type: 'device.cardInserted', reader: event.reader });
      else if (event.type === 'card-removed')
        sendBack({ type: 'device.cardRemoved', reader: event.reader });
      else refresh();
    });
    refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
      unwatch();
    };
  });
}

/** USB drives arriving and leaving. */
export function watchDrives(drives: UsbDriveDriver, log: Logger) {
  return fromCallback<KioskEvent>(({ sendBack }) => {
    let stopped = false;
    const refresh = (): void => {
      drives.list().then(
        (found) => {
          if (!stopped)
            sendBack({
              type: 'device.drives',
              // Removable ones; the safety checks run again when one is opened.
              devices: found.filter((d) => d.removable).map((d) => d.device),
            });
        },
        (error: unknown) => {
          log.warn({ err: error }, 'USB drives cannot be listed');
        },
      );
    };
    const unwatch = drives.watch(refresh, (error) => {
      log.warn({ err: error }, 'USB drive watch failed');
    });
    refresh();
    return () => {
      stopped = true;
      unwatch();
    };
  });
}
