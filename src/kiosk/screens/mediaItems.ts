import type { Lang, PickItem } from '../../../ui/contract.js';
import type { KioskView } from '../run/kiosk.js';
import type { DriveDetails } from '../watchers.js';
import { outside } from './parts.js';
import { say, t } from './strings.js';

/**
 * The media a visitor may choose, with what the kiosk's watchers found of each (issue 15 item 2):
 * a drive's make, size and file system, and whether choosing it means formatting it; a token's
 * label and model. Details the view lacks (a kiosk started before they were watched, a test's
 * hand-made view) leave the item as it was: its kind, its name, where the key is kept.
 */

/** A record's own entry: a device path or a label is outside text (`constructor`, `__proto__`). */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The details the drive watch gave for `device`, if any. */
export function driveDetailsFor(view: KioskView, device: string): DriveDetails | undefined {
  return own(view.driveDetails, device);
}

/**
 * Whether choosing `device` means formatting it, as the visit's `visitor.chooseDrive` event's
 * `needsFormat` says it (false when the watcher has not said: the volume's own check then refuses
 * a drive that is not FAT, and nothing is erased).
 */
export function driveNeedsFormat(view: KioskView, device: string): boolean {
  return driveDetailsFor(view, device)?.needsFormat ?? false;
}

/** A size in bytes as drive makers count it (decimal units), one decimal under 100. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit] ?? 'B'}`;
}

/** A file system's name for people: `FAT32`, `NTFS`, blank; anything else as the driver said. */
export function filesystemText(filesystem: string, lang: Lang): string {
  if (filesystem === 'none') return say(t.driveBlank, lang);
  if (/^(fat(12|16|32)?|ntfs|exfat|ext)$/.test(filesystem)) return filesystem.toUpperCase();
  return outside(filesystem, 24);
}

/** A drive's name: its make where the watcher knows it, else its device path. */
function driveName(device: string, details: DriveDetails | undefined): string {
  const make = [details?.vendor, details?.product]
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .join(' ');
  const label = details?.label === undefined ? '' : ` (${details.label})`;
  return make === '' ? outside(device, 32) : outside(`${make}${label}`, 24);
}

/** A drive's size and file system, as the storage screens show it. */
export function driveFacts(details: DriveDetails, lang: Lang): string {
  return `${sizeText(details.sizeBytes)} ${filesystemText(details.filesystem, lang)}`;
}

/**
 * The pick items of the media offered. `writing`: the storage step, where a drive that is not FAT
 * is said to need formatting (choosing it asks to erase it); reading a held certificate does not.
 */
export function mediaItems(
  view: KioskView,
  lang: Lang,
  media: readonly ('token' | 'usb')[],
  writing: boolean,
): PickItem[] {
  const tokens = (media.includes('token') ? view.tokens : []).map((label) => {
    const model = own(view.tokenDetails, label)?.model.trim() ?? '';
    return {
      id: `token:${label}`,
      label: `${say(t.token, lang)} ${outside(label, 32)}`,
      detail:
        model === ''
          ? say(t.keyOnToken, lang)
          : `${outside(model, 16)}, ${say(t.keyInToken, lang)}`,
      enabled: true,
    };
  });
  const devices = media.includes('usb') ? view.drives : [];
  const names = devices.map((device) => driveName(device, driveDetailsFor(view, device)));
  const drives = devices.map((device, i) => {
    const details = driveDetailsFor(view, device);
    const name = names[i] ?? device;
    // Two drives of one make are told apart by their device paths.
    const shown =
      names.filter((n) => n === name).length > 1 ? `${name} ${outside(device, 32)}` : name;
    // The warning first: a long label leaves the detail column short, and its end is cut.
    const detail =
      details === undefined
        ? say(t.keyOnDrive, lang)
        : writing && details.needsFormat
          ? `${say(t.driveNeedsFormat, lang)}, ${sizeText(details.sizeBytes)}`
          : `${driveFacts(details, lang)}, ${say(t.encryptedFile, lang)}`;
    return { id: `usb:${device}`, label: `${say(t.drive, lang)} ${shown}`, detail, enabled: true };
  });
  return [...tokens, ...drives];
}

/** The drive a format is asked for, in one line: its name, size and file system. */
export function formatTargetLine(view: KioskView, device: string, lang: Lang): string {
  const details = driveDetailsFor(view, device);
  const name = driveName(device, details);
  const facts = details === undefined ? '' : ` (${driveFacts(details, lang)})`;
  return `${say(t.formatTarget, lang)}: ${name}${facts}`;
}
