import type { Command } from 'commander';
import { formatDrive, listDrives } from '../../service/drives.js';
import { displaySafe } from '../../text/displaySafe.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';

/** `kiosk usb list` and `kiosk usb format`. */
export function registerUsbCommands(program: Command, context: () => Promise<CliContext>): void {
  const usb = program.command('usb').description('removable USB drives');
  usb
    .command('list')
    .description('removable USB mass storage drives present: device, maker, size, file system')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const ctx = await context();
      const drives = await listDrives(ctx);
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
      const formatted = await formatDrive(ctx, {
        device,
        confirmErase: options.yes === true,
        ...(options.label === undefined ? {} : { label: options.label }),
      });
      if (options.json === true) writeJson(ctx.stdout, formatted);
      else
        writeLines(ctx.stdout, [
          `formatted ${device} FAT32, label ${formatted.label}; fsck.vfat -n clean`,
        ]);
    });
}
