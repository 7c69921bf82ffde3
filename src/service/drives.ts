import type { DriveIdentity } from '../../drivers/usbdrive/contract.js';
import { UsageError } from '../errors/index.js';
import type { ServiceContext } from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

/** The FAT volume label rule (FAT: 11 characters; the kiosk writes upper-case ASCII only). */
export const fatLabelPattern = /^[A-Z0-9_-]{1,11}$/;

/** The removable USB drives present, safe ones and refused ones alike (for the teller). */
export function listDrives(ctx: ServiceContext): Promise<DriveIdentity[]> {
  return ctx.devices.usbDrives().list();
}

export interface FormatDriveRequest extends OperationControl {
  readonly device: string;
  /** Default: configuration usb.formatLabel. */
  readonly label?: string;
  /** The person confirmed that everything on the drive is erased. */
  readonly confirmErase: boolean;
}

/**
 * Formats a drive FAT32 and checks it (DESIGN §3.4). Safety first, whatever was confirmed: an
 * unsafe device is refused before the confirmation is considered. Progress: prepare (the safety
 * checks), write (mkfs.vfat), readBack (fsck.vfat -n). Cancellable until mkfs starts: the drive
 * is then untouched; after, the format completes (a half-made FAT is neither drive).
 */
export async function formatDrive(
  ctx: ServiceContext,
  request: FormatDriveRequest,
): Promise<{ device: string; label: string; filesystem: 'fat32' }> {
  const label = request.label ?? ctx.config.usb.formatLabel;
  if (!fatLabelPattern.test(label))
    throw new UsageError('--label: up to 11 upper-case letters, digits, _ or -');
  return tracked(
    request,
    plans.formatDrive,
    async (step) => {
      step('prepare');
      const drive = await ctx.devices.usbDrives().open(request.device);
      if (!request.confirmErase)
        throw new UsageError(
          `formatting ${request.device} erases everything on it: add --yes to confirm`,
        );
      await drive.format(label, {
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        onStep: (at) => {
          ctx.log.info({ device: request.device, step: at }, 'usb format');
          step(at === 'format' ? 'write' : 'readBack');
        },
      });
      ctx.log.info({ device: request.device, label }, 'drive formatted');
      return { device: request.device, label, filesystem: 'fat32' as const };
    },
    false,
  );
}
