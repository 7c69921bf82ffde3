import type { Lang, PickItem } from '../../../ui/contract.js';
import type { KioskView } from '../run/kiosk.js';
import { textWidth } from '../../../ui/text/width.js';
import type { DriveCertificates } from '../driveCertificates.js';
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

/** The inside of the kiosk's 80-column frame (ui/blessed/kioskScreen.ts), where a pick row goes. */
const frameWidth = 76;

/**
 * The columns a pick row leaves its detail, as ui/blessed/layout.ts lays the rows out: its number
 * (`> 1. `), the label column (the widest label and two, at most 60% of the width), a space.
 */
function detailRoom(labels: readonly string[]): number {
  const widest = Math.max(0, ...labels.map(textWidth));
  const labelColumn = Math.min(widest + 2, Math.floor(frameWidth * 0.6));
  const number = `> ${String(labels.length)}. `.length;
  return frameWidth - number - labelColumn - 1;
}

const fill = (words: string, values: Readonly<Record<string, string>>): string =>
  words.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

/**
 * The certificates already on a drive after its size, in `room` columns: the count, then as many
 * holders as fit, with the date each is valid until or else by name alone, the rest counted
 * ("인증서 3개 (홍길동 2027-12-04 까지, 외 2개)", "인증서 3개 (홍길동, 김철수, 외 1개)"); with no
 * room for a name, the count alone. The names are outside text.
 */
export function driveCertificatesText(
  size: string,
  certificates: DriveCertificates,
  lang: Lang,
  room: number,
): string {
  const count =
    certificates.count === 1
      ? say(t.driveCertificate, lang)
      : fill(say(t.driveCertificates, lang), { n: String(certificates.count) });
  const names = certificates.holders.map((h) => outside(h.name, 16));
  const dated = certificates.holders.map((h, i) =>
    fill(say(t.driveHolder, lang), { name: names[i] ?? '', date: outside(h.validUntil, 10) }),
  );
  // The most holders that fit, each dated where the room allows.
  for (let shown = names.length; shown > 0; shown--)
    for (const holders of [dated, names]) {
      const left = certificates.count - shown;
      const named = [
        ...holders.slice(0, shown),
        ...(left > 0 ? [fill(say(t.driveMoreHolders, lang), { n: String(left) })] : []),
      ];
      const text = `${size}, ${count} (${named.join(', ')})`;
      if (textWidth(text) <= room) return text;
    }
  return `${size}, ${count}`;
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
    return { device, details, label: `${say(t.drive, lang)} ${shown}` };
  });
  const room = detailRoom([...tokens, ...drives].map((i) => i.label));
  return [
    ...tokens,
    ...drives.map(({ device, details, label }) => {
      const certificates = details?.certificates;
      // The warning first: a long label leaves the detail column short, and its end is cut. A
      // drive's certificates say more than its file system (FAT: it needs no format).
      const detail =
        details === undefined
          ? say(t.keyOnDrive, lang)
          : writing && details.needsFormat
            ? `${say(t.driveNeedsFormat, lang)}, ${sizeText(details.sizeBytes)}`
            : certificates !== undefined && certificates.count > 0
              ? driveCertificatesText(sizeText(details.sizeBytes), certificates, lang, room)
              : `${driveFacts(details, lang)}, ${say(t.encryptedFile, lang)}`;
      return { id: `usb:${device}`, label, detail, enabled: true };
    }),
  ];
}

/** The drive a format is asked for, in one line: its name, size and file system. */
export function formatTargetLine(view: KioskView, device: string, lang: Lang): string {
  const details = driveDetailsFor(view, device);
  const name = driveName(device, details);
  const facts = details === undefined ? '' : ` (${driveFacts(details, lang)})`;
  return `${say(t.formatTarget, lang)}: ${name}${facts}`;
}
