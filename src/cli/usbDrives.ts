import type { Command } from 'commander';
import { UsageError } from '../errors/index.js';
import { displaySafe } from '../text/displaySafe.js';
import type { CliContext } from './context.js';
import { writeJson, writeLines } from './output.js';

/** `kiosk usb list` and `kiosk usb format`. */
export function registerUsbCommands(program: Command, context: () => Promise<CliContext>): void {
  const usb = program.command('usb').description('removable USB drives');
  usb
    .command('list')
    .description('removable USB mass storage drives present: device, maker, size, file system')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const ctx = await context();
      const drives = await ctx.devices.usbDrives().list();
      if (options.json === true) writeJson(ctx.stdout, { drives });
      else
        writeLines(
          ctx.stdout,
          drives.length === 0
            ? ['No USB drives.']
            : drives.map((d) =>
                // Names come from the device: nothing raw reaches the terminal.
                displaySafe(
                  `${d.device}  ${d.vendor ?? ''} ${d.product ?? ''}  ${String(Math.round(d.sizeBytes / 1e6))} MB  ${d.filesystem}${d.label === undefined ? '' : ` "${d.label}"`}`,
                ),
              ),
        );
    });

  usb
    .command('format <device>')
    .description('format a drive FAT32 (everything on it is erased): needs --yes')
    .option('--yes', 'confirm that everything on the drive is erased')
    .option('--label <label>', 'volume label (default: config usb.formatLabel)')
    .option('--json', 'print one JSON document')
    .action(async (device: string, options: { yes?: boolean; label?: string; json?: boolean }) => {
      const ctx = await context();
      const label = options.label ?? ctx.config.usb.formatLabel;
      if (!/^[A-Z0-9_-]{1,11}$/.test(label))
        throw new UsageError('--label: up to 11 upper-case letters, digits, _ or -');
      // Safety first, whatever the flags: an unsafe device is refused before --yes is considered.
      const drive = await ctx.devices.usbDrives().open(device);
      if (options.yes !== true)
        throw new UsageError(`formatting ${device} erases everything on it: add --yes to confirm`);
      await drive.format(label, {
        onStep: (step) => {
          ctx.log.info({ device, step }, 'usb format');
        },
      });
      ctx.log.info({ device, label }, 'drive formatted');
      if (options.json === true) writeJson(ctx.stdout, { device, label, filesystem: 'fat32' });
      else
        writeLines(ctx.stdout, [`formatted ${device} FAT32, label ${label}; fsck.vfat -n clean`]);
    });
}
