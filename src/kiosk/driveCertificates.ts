import type { DriveIdentity } from '../../drivers/usbdrive/contract.js';
import type { InventoryItem } from '../certificates/inventory.js';
import type { Logger } from '../log/logger.js';
import { list } from '../service/list.js';
import type { ServiceContext } from '../service/medium.js';

/**
 * The certificates already on a FAT drive, for the storage choice (issue 15: "drive size and the
 * certificates already on it"): listed read-only through the service's own listing (`kiosk cert
 * list --storage usb:`, src/service/list.ts), bounded in time, and reduced to what the screen
 * shows: how many, and each holder's name with the date it is valid until. No key, no password,
 * no serial. A drive that cannot be read (or not in time) has no summary, and the screen shows no
 * count.
 *
 * When: once as the drive arrives, before the kiosk hears of it (src/kiosk/watchers.ts), so no
 * visit can have chosen it yet; and again after a visit that wrote to it has ended
 * ({@link DriveCertificateCache.again}, src/kiosk/run/kiosk.ts). Never while a visit may write.
 */

export interface DriveHolder {
  /** The certificate's holder (its common name without the NPKI suffix), as it is written. */
  readonly name: string;
  /** The last day it is valid (YYYY-MM-DD, as the certificate says it: UTC). */
  readonly validUntil: string;
}

export interface DriveCertificates {
  /** Certificates that could be read. */
  readonly count: number;
  /** The first few of them, soonest to expire last (at most {@link maxHolders}). */
  readonly holders: readonly DriveHolder[];
}

/** Reads a drive's certificates (the service's listing); rejects when it cannot. */
export type ReadDrive = (device: string, signal: AbortSignal) => Promise<readonly InventoryItem[]>;

/** How long a drive's listing may take before it is given up (the drive is then shown bare). */
export const driveListingMs = 3000;
/** Holders kept per drive: a pick line has room for two or three. */
export const maxHolders = 4;

/** The service's listing of `usb:DEVICE`. */
export function serviceDriveReader(ctx: ServiceContext): ReadDrive {
  return async (device, signal) =>
    (await list(ctx, { medium: { kind: 'usb', device }, signal })).certificates;
}

/** The common name without the NPKI suffix: `홍길동()0011...` is 홍길동. */
function holderName(commonName: string): string {
  const cut = commonName.indexOf('(');
  const name = (cut < 0 ? commonName : commonName.slice(0, cut)).trim();
  return (name === '' ? commonName.trim() : name).slice(0, 64);
}

/** What of a listing the screens show. */
export function summaryOf(items: readonly InventoryItem[]): DriveCertificates {
  const holders = items
    .flatMap((item) =>
      item.ok
        ? [{ name: holderName(item.facts.name), validUntil: item.facts.notAfter.slice(0, 10) }]
        : [],
    )
    .sort((a, b) => b.validUntil.localeCompare(a.validUntil));
  return { count: holders.length, holders: holders.slice(0, maxHolders) };
}

/** The drive's summary, or undefined if it could not be read within `timeoutMs`. */
export async function readDriveCertificates(
  read: ReadDrive,
  device: string,
  options: { readonly timeoutMs?: number; readonly log?: Logger } = {},
): Promise<DriveCertificates | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, options.timeoutMs ?? driveListingMs);
  });
  try {
    const items = await Promise.race([read(device, controller.signal), late]);
    if (items === undefined) options.log?.info({ device }, 'drive certificates not listed in time');
    return items === undefined ? undefined : summaryOf(items);
  } catch (error) {
    options.log?.info({ device, err: error }, 'drive certificates cannot be listed');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Each present drive's summary, read once: a drive keeps it while it stays (the watcher asks on
 * every listing, and a cached drive is not read again, so nothing is read of a drive a visit is
 * using), loses it when it leaves, and is read again when {@link again} says it was written to.
 */
export class DriveCertificateCache {
  readonly #read: (device: string) => Promise<DriveCertificates | undefined>;
  readonly #known = new Map<string, Promise<DriveCertificates | undefined>>();
  readonly #listeners = new Set<() => void>();

  constructor(read: ReadDrive, options: { readonly timeoutMs?: number; readonly log?: Logger }) {
    this.#read = (device) => readDriveCertificates(read, device, options);
  }

  /**
   * A drive's summary: read now if it has none (a drive first seen, or one read again). A drive
   * is known by its path and what identifies the stick, not by its file system, which a format
   * in a visit changes.
   */
  of(drive: DriveIdentity): Promise<DriveCertificates | undefined> {
    const key = keyOf(drive);
    let known = this.#known.get(key);
    if (known === undefined) {
      // Not FAT: nothing to list; kept as such while it stays, even once a visit formats it.
      known = drive.filesystem.startsWith('fat')
        ? this.#read(drive.device)
        : Promise.resolve(undefined);
      this.#known.set(key, known);
    }
    return known;
  }

  /** Forgets the drives not among `present` (a stick put back is read again). */
  keepOnly(present: readonly DriveIdentity[]): void {
    const keys = new Set(present.map(keyOf));
    for (const key of this.#known.keys()) if (!keys.has(key)) this.#known.delete(key);
  }

  /** `device` was written to (a visit that chose it has ended): read it again, and say so. */
  again(device: string): void {
    for (const key of this.#known.keys())
      if (key.startsWith(`${device}\u0000`)) this.#known.delete(key);
    for (const listener of this.#listeners) listener();
  }

  /** Called after {@link again}, until the returned function is called. */
  onAgain(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

function keyOf(drive: DriveIdentity): string {
  return [drive.device, drive.serial ?? '', String(drive.sizeBytes), drive.portPath ?? ''].join(
    '\u0000',
  );
}
