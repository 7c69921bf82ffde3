import { fromCallback } from 'xstate';
import type { PcscDriver } from '../../drivers/pcsc/contract.js';
import type { DriveIdentity, UsbDriveDriver } from '../../drivers/usbdrive/contract.js';
import type { TokenInfo } from '../../drivers/pkcs11/contract.js';
import type { UsbHotplug } from '../../drivers/usb/contract.js';
import type { KioskEvent } from '../../machines/kiosk.js';
import type { Logger } from '../log/logger.js';
import type { Devices } from '../service/devices.js';
import type { DriveCertificateCache, DriveCertificates } from './driveCertificates.js';
import { TokenDiscovery } from '../tokens/discovery.js';

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
    // Warned once per outage: a kiosk left a night without pcscd asks every retryMs.
    let warned = false;
    const refresh = (): void => {
      pcsc.readers().then(
        (readers) => {
          warned = false;
          if (!stopped) sendBack({ type: 'device.readers', readers: readers.map((r) => r.name) });
        },
        (error: unknown) => {
          if (stopped) return;
          if (warned) log.debug({ err: error }, 'card readers still unavailable');
          else log.warn({ err: error }, 'card readers unavailable');
          warned = true;
          sendBack({ type: 'device.pcscGone' });
          // One retry pending at a time: a reader event's refresh failing too must not start a
          // second chain of retries.
          clearTimeout(timer);
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

/**
 * What the drive watch knows of a drive besides its path, from the listing it makes anyway (no
 * drive is opened for it): for the storage screen. No secret, nothing read from the volume.
 */
export interface DriveDetails {
  readonly sizeBytes: number;
  /** As the driver names it: `fat32`, `none` (blank), `ntfs`, `unreadable`… */
  readonly filesystem: string;
  /**
   * Not FAT: opening its volume fails (DriveNotFatError), so choosing it is choosing to format
   * it (the visit's `visitor.chooseDrive` event's `needsFormat`, machines/storage.ts).
   */
  readonly needsFormat: boolean;
  readonly vendor?: string;
  readonly product?: string;
  /** The FAT volume label, where there is one. */
  readonly label?: string;
  /**
   * The certificates already on it, as listed when it arrived or after a visit wrote to it
   * (src/kiosk/driveCertificates.ts); absent where it is not FAT or could not be read.
   */
  readonly certificates?: DriveCertificates;
}

/** The details of a listed drive. */
export function driveDetailsOf(
  drive: DriveIdentity,
  certificates?: DriveCertificates,
): DriveDetails {
  return {
    sizeBytes: drive.sizeBytes,
    filesystem: drive.filesystem,
    // As the drivers decide (fat12, fat16, fat32 open; anything else is DriveNotFatError).
    needsFormat: !drive.filesystem.startsWith('fat'),
    ...(drive.vendor === undefined ? {} : { vendor: drive.vendor }),
    ...(drive.product === undefined ? {} : { product: drive.product }),
    ...(drive.label === undefined ? {} : { label: drive.label }),
    ...(certificates === undefined ? {} : { certificates }),
  };
}

/**
 * USB drives arriving and leaving. `onDetails`, when given, hears each listing's details by
 * device path just before the kiosk hears the paths. With `certificates`, a drive's certificates
 * are listed (bounded in time) before the kiosk first hears of it, so no visit can be writing to
 * it then; a drive already listed is not read again until the cache says it was written to.
 */
export function watchDrives(
  drives: UsbDriveDriver,
  log: Logger,
  onDetails?: (details: ReadonlyMap<string, DriveDetails>) => void,
  certificates?: DriveCertificateCache,
) {
  return fromCallback<KioskEvent>(({ sendBack }) => {
    let stopped = false;
    // Listings answer out of order once a drive is read: only the latest one is told.
    let latest = 0;
    const refresh = (): void => {
      const turn = ++latest;
      drives
        .list()
        .then(async (found) => {
          // Removable ones; the safety checks run again when one is opened.
          const removable = found.filter((d) => d.removable);
          certificates?.keepOnly(removable);
          const listed = await Promise.all(
            removable.map((d) => certificates?.of(d) ?? Promise.resolve(undefined)),
          );
          if (stopped || turn !== latest) return;
          onDetails?.(new Map(removable.map((d, i) => [d.device, driveDetailsOf(d, listed[i])])));
          sendBack({ type: 'device.drives', devices: removable.map((d) => d.device) });
        })
        .catch((error: unknown) => {
          log.warn({ err: error }, 'USB drives cannot be listed');
        });
    };
    const unwatch = drives.watch(refresh, (error) => {
      log.warn({ err: error }, 'USB drive watch failed');
    });
    const unhear = certificates?.onAgain(refresh);
    refresh();
    return () => {
      stopped = true;
      unhear?.();
      unwatch();
    };
  });
}

/**
 * What the token watch knows of a token besides its label, as the token said when it arrived: for
 * the storage screen. Its free space is not among them (the PKCS#11 driver's TokenInfo does not
 * carry CK_TOKEN_INFO's free memory), nor its PIN state, which changes while it stays present.
 */
export interface TokenDetails {
  readonly manufacturer: string;
  readonly model: string;
}

/**
 * PKCS#11 tokens arriving and leaving, through the Devices' modules (the configured one or the
 * catalogue's) as `kiosk token watch` sees them: each module's slot list polled every
 * `intervalMs`, at once on USB hotplug where the machine has it. Reports the labels of the
 * initialised tokens present, once at start and whenever the set changes; `onDetails`, when
 * given, hears their details by label just before (of two tokens of one label, the first seen).
 */
export function watchTokens(
  devices: Pick<Devices, 'tokenModules' | 'openTokenDriver' | 'usbHotplug'>,
  log: Logger,
  intervalMs: number,
  onDetails?: (details: ReadonlyMap<string, TokenDetails>) => void,
) {
  return fromCallback<KioskEvent>(({ sendBack }) => {
    let stopped = false;
    let discovery: TokenDiscovery | undefined;
    // One entry per token a module reports, so a label on two tokens stays until both leave.
    const present = new Map<string, TokenInfo>();
    let reported: string | undefined;
    const report = (): void => {
      const details = new Map<string, TokenDetails>();
      for (const token of present.values())
        if (!details.has(token.label))
          details.set(token.label, { manufacturer: token.manufacturer, model: token.model });
      const labels = [...details.keys()].sort();
      // A token of the same label but another make changes what is shown: told again.
      const key = JSON.stringify(labels.map((label) => [label, details.get(label)]));
      if (stopped || key === reported) return;
      reported = key;
      onDetails?.(details);
      sendBack({ type: 'device.tokens', labels });
    };
    devices.tokenModules().then(
      (source) => {
        if (stopped) return;
        discovery = new TokenDiscovery({
          source,
          open: (module) => devices.openTokenDriver(module),
          ...optionalHotplug(devices, log),
          intervalMs,
          onEvent: ({ type, token, module }) => {
            const key = `${module}\u0000${token.serial}\u0000${token.label}`;
            if (type === 'present') present.set(key, token);
            else present.delete(key);
            report();
          },
          onError: (error) => {
            log.warn({ err: error }, 'token watch');
          },
        });
        discovery.start();
        // No token at all is a state too: the kiosk hears it once the first polls have answered.
        void discovery.poll().then(report, (error: unknown) => {
          log.warn({ err: error }, 'token watch');
        });
      },
      (error: unknown) => {
        // The catalogue cannot be read: no token is ever offered, which the log says once.
        log.error({ err: error }, 'tokens cannot be watched');
      },
    );
    return () => {
      stopped = true;
      void discovery?.stop();
    };
  });
}

/** USB hotplug for the token watch, where the devices have it (tests' fakes may not). */
function optionalHotplug(
  devices: Pick<Devices, 'usbHotplug'>,
  log: Logger,
): { hotplug?: UsbHotplug } {
  try {
    return { hotplug: devices.usbHotplug() };
  } catch (error) {
    log.debug({ err: error }, 'no USB hotplug for the token watch: polling only');
    return {};
  }
}
