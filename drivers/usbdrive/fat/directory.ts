// FAT folder entries (Microsoft FAT specification 1.03 §6 and §7): 32-byte slots, a short 8.3
// name in each entry and the long name in the slots before it. Pure functions over a folder's
// bytes; folder.ts and fatSession.ts read and write them.

import { u16, u32 } from './geometry.js';

export const slotBytes = 32;

export const attributes = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** Slot values of the name's first byte: the end of the folder, and a deleted entry. */
const endMarker = 0x00;
export const deletedMarker = 0xe5;

/** One file or folder in a folder (not `.`, `..`, the volume label or a deleted entry). */
export interface DirEntry {
  /** The long name if a valid one precedes the entry, else the short name as a reader shows it. */
  readonly name: string;
  /** The short name as a reader shows it (`SIGNCERT.DER`); lookups match it too. */
  readonly alias: string;
  /** The 11 bytes of the 8.3 name, space-padded, as stored. */
  readonly shortName: string;
  readonly folder: boolean;
  readonly cluster: number;
  readonly size: number;
  /** Index of the entry's first slot (its first long-name slot, if any). */
  readonly firstSlot: number;
  /** Index of the short-name slot (the entry's last). */
  readonly slot: number;
}

/**
 * The entries of a folder, in slot order, until the end marker or the end of the bytes. A long
 * name whose sequence or checksum does not match its short entry is ignored (§7.2), as every
 * FAT driver does: the short name is used.
 */
export function parseDirectory(bytes: Uint8Array, fat32 = true): DirEntry[] {
  const entries: DirEntry[] = [];
  let long: { first: number; next: number; checksum: number } | undefined;
  for (let slot = 0; slot * slotBytes < bytes.length; slot++) {
    const at = slot * slotBytes;
    const first = bytes[at] ?? 0;
    if (first === endMarker) break;
    const attr = bytes[at + 11] ?? 0;
    if (first === deletedMarker) {
      long = undefined;
      continue;
    }
    if ((attr & 0x3f) === attributes.longName) {
      const order = first & 0x1f;
      if ((first & 0x40) !== 0 && order >= 1) {
        long = { first: slot, next: order, checksum: bytes[at + 13] ?? 0 };
      } else if (
        long !== undefined &&
        long.next === order + 1 &&
        long.checksum === bytes[at + 13]
      ) {
        long.next = order;
      } else {
        long = undefined;
      }
      continue;
    }
    const short = bytes.subarray(at, at + 11);
    const firstSlot =
      long !== undefined && long.next === 1 && long.checksum === checksumOf(short)
        ? long.first
        : slot;
    const named = firstSlot !== slot;
    long = undefined;
    if ((attr & attributes.volumeId) !== 0) continue;
    const shortName = latin(short);
    if (shortName === '.          ' || shortName === '..         ') continue;
    const alias = shortDisplay(short, bytes[at + 12] ?? 0);
    entries.push({
      name: named ? longText(bytes, firstSlot, slot) : alias,
      alias,
      shortName,
      folder: (attr & attributes.directory) !== 0,
      // DIR_FstClusHI is FAT32's only (§6); FAT12/16 drivers kept other things there.
      cluster: ((fat32 ? u16(bytes, at + 20) * 0x10000 : 0) + u16(bytes, at + 26)) >>> 0,
      size: u32(bytes, at + 28),
      firstSlot,
      slot,
    });
  }
  return entries;
}

/** Where placeSlots puts an entry, and what else must change for it to be read. */
export interface Placement {
  readonly slot: number;
  /** Slots from here up to `slot` are to be marked deleted (they were past the end marker). */
  readonly gapFrom: number;
  /** A slot to zero after the entry, so that it ends the folder. */
  readonly clearAfter: number | undefined;
}

/** Slots in a 512-byte block, the unit a drive writes whole (or not at all). */
export const slotsPerBlock = 512 / slotBytes;

/**
 * Where `count` slots can go: the first run of free slots (deleted, or at or past the end marker)
 * that lies inside one 512-byte block, so that the entry reaches the medium in one sector write
 * (a pull cannot leave its long name without its short entry). `alsoFree` slots count as free (a
 * rename over the old name); `inBlock` limits the search to one block. Longer entries than a
 * block holds, and `anywhere`, take the first run wherever it lies. Undefined when none fits.
 * Slots skipped between the end marker and the run must be marked deleted by the caller
 * (`gapFrom`), or readers would stop at the marker.
 */
export function placeSlots(
  bytes: Uint8Array,
  count: number,
  options: { alsoFree?: ReadonlySet<number>; inBlock?: number; anywhere?: boolean } = {},
): Placement | undefined {
  const total = bytes.length / slotBytes;
  let end = total;
  for (let slot = 0; slot < total; slot++)
    if (bytes[slot * slotBytes] === endMarker) {
      end = slot;
      break;
    }
  const free = (slot: number): boolean =>
    slot >= end ||
    bytes[slot * slotBytes] === deletedMarker ||
    options.alsoFree?.has(slot) === true;
  const oneBlock = count <= slotsPerBlock && options.anywhere !== true;
  let run = 0;
  for (let slot = 0; slot < total; slot++) {
    if (options.inBlock !== undefined && Math.floor(slot / slotsPerBlock) !== options.inBlock) {
      run = 0;
      continue;
    }
    if (oneBlock && slot % slotsPerBlock === 0) run = 0;
    run = free(slot) ? run + 1 : 0;
    if (run === count) {
      const first = slot - count + 1;
      const after = first + count;
      // Run into the free tail: the slot after it must read as the end (stale bytes there
      // would read as entries once the marker before them is gone).
      const clearAfter =
        after > end && after < total && bytes[after * slotBytes] !== endMarker ? after : undefined;
      return { slot: first, gapFrom: Math.min(end, first), clearAfter };
    }
  }
  return undefined;
}

/** What an entry holds besides its name. */
export interface EntryFacts {
  readonly folder: boolean;
  readonly cluster: number;
  readonly size: number;
  readonly time: Date;
}

/**
 * The slots of one entry: the long-name slots (when `name` is not its own short name) and the
 * short entry. `shortName` is 11 bytes from shortNameFor.
 */
export function encodeEntry(name: string, shortName: string, facts: EntryFacts): Uint8Array {
  const short = Uint8Array.from(shortName, (c) => c.charCodeAt(0));
  const needsLong = displayOfShort(short) !== name;
  // The 0x0000 terminator only when the name does not fill its last slot (§7.1; as Linux does).
  const units = needsLong ? [...utf16(name), ...(name.length % 13 === 0 ? [] : [0x0000])] : [];
  const longSlots = Math.ceil(units.length / 13);
  const out = new Uint8Array((longSlots + 1) * slotBytes);
  const checksum = checksumOf(short);
  for (let n = 1; n <= longSlots; n++) {
    const at = (longSlots - n) * slotBytes;
    out[at] = n | (n === longSlots ? 0x40 : 0);
    out[at + 11] = attributes.longName;
    out[at + 13] = checksum;
    longCharOffsets.forEach((offset, i) => {
      const unit = units[(n - 1) * 13 + i] ?? 0xffff;
      out[at + offset] = unit & 0xff;
      out[at + offset + 1] = unit >>> 8;
    });
  }
  const at = longSlots * slotBytes;
  out.set(short, at);
  const view = new DataView(out.buffer);
  out[at + 11] = facts.folder ? attributes.directory : attributes.archive;
  const { date, time } = fatTime(facts.time);
  view.setUint16(at + 14, time, true);
  view.setUint16(at + 16, date, true);
  view.setUint16(at + 18, date, true);
  view.setUint16(at + 20, facts.cluster >>> 16, true);
  view.setUint16(at + 22, time, true);
  view.setUint16(at + 24, date, true);
  view.setUint16(at + 26, facts.cluster & 0xffff, true);
  view.setUint32(at + 28, facts.folder ? 0 : facts.size, true);
  return out;
}

/** The `.` and `..` entries that start a new folder (§6.7); `parent` 0 for the root. */
export function dotEntries(cluster: number, parent: number, time: Date): Uint8Array {
  const out = new Uint8Array(2 * slotBytes);
  out.set(encodeEntry('.', '.          ', { folder: true, cluster, size: 0, time }), 0);
  out.set(encodeEntry('..', '..         ', { folder: true, cluster: parent, size: 0, time }), 32);
  return out;
}

/**
 * A short name for `name` not in `taken` (11-byte strings), by the specification's basis-name
 * generation (§7.4): upper case, characters a short name cannot hold as `_`, spaces and leading
 * dots dropped, 8 + 3; a numeric tail `~n` when anything was lost or the basis is taken.
 */
export function shortNameFor(name: string, taken: ReadonlySet<string>): string {
  const upper = name.toUpperCase();
  let lossy = false;
  // Code points (not UTF-16 units): one '_' for each character a short name cannot hold.
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points are meant
  const cleaned = [...upper]
    .map((c) => {
      if (shortNameChar.test(c)) return c;
      if (c === ' ' || c === '.') return c;
      lossy = true;
      return '_';
    })
    .join('');
  const stripped = cleaned.replace(/ /g, '').replace(/^\.+/, '');
  if (stripped !== cleaned) lossy = true;
  const dot = stripped.lastIndexOf('.');
  let base = (dot < 0 ? stripped : stripped.slice(0, dot)).replace(/\./g, '');
  let ext = dot < 0 ? '' : stripped.slice(dot + 1);
  if ((dot >= 0 && stripped.indexOf('.') !== dot) || base.length > 8 || ext.length > 3)
    lossy = true;
  if (base === '') base = '_';
  base = base.slice(0, 8);
  ext = ext.slice(0, 3);
  const pad = (b: string, e: string): string => b.padEnd(8, ' ') + e.padEnd(3, ' ');
  if (!lossy && !taken.has(pad(base, ext))) return pad(base, ext);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${String(n)}`;
    const candidate = pad(base.slice(0, 8 - tail.length) + tail, ext);
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error('no free short name');
}

/** What a short name may hold besides letters and digits (§6.1), ASCII only here. */
const shortNameChar = /^[A-Z0-9!#$%&'()@^_`{}~-]$/;

/** Byte offsets of the 13 UTF-16 units in a long-name slot (§7.1). */
const longCharOffsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** The short-name checksum a long name carries (§7.2). */
export function checksumOf(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >>> 1) + (short[i] ?? 0)) & 0xff;
  return sum;
}

function longNamePart(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...longCharOffsets.map((o) => u16(bytes, at + o)));
}

/** The long name in slots [first, short) , up to its 0x0000 terminator. */
function longText(bytes: Uint8Array, first: number, short: number): string {
  let units = '';
  for (let slot = short - 1; slot >= first; slot--) units += longNamePart(bytes, slot * slotBytes);
  const end = units.indexOf('\u0000');
  return end < 0 ? units : units.slice(0, end);
}

/** The short name as a reader shows it: `BASE.EXT`, with the NT lower-case flags (byte 12). */
function shortDisplay(short: Uint8Array, ntCase: number): string {
  const raw = Uint8Array.from(short);
  // 0x05 stands for a first byte 0xE5 (§6.1).
  if (raw[0] === 0x05) raw[0] = 0xe5;
  let base = oem.decode(raw.subarray(0, 8)).replace(/ +$/, '');
  let ext = oem.decode(raw.subarray(8, 11)).replace(/ +$/, '');
  if ((ntCase & 0x08) !== 0) base = base.toLowerCase();
  if ((ntCase & 0x10) !== 0) ext = ext.toLowerCase();
  return ext === '' ? base : `${base}.${ext}`;
}

function displayOfShort(short: Uint8Array): string {
  return shortDisplay(short, 0);
}

/**
 * Short names in the OEM code page of Korean Windows (949, which WHATWG calls euc-kr): what a
 * drive written by a Korean PC without long names holds. ASCII reads the same in every code page.
 */
const oem = new TextDecoder('euc-kr');

function latin(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function utf16(text: string): number[] {
  return Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
}

/** FAT date and time (§6.3): local time, two-second resolution, years 1980–2107. */
function fatTime(when: Date): { date: number; time: number } {
  const year = Math.min(Math.max(when.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate(),
    time: (when.getHours() << 11) | (when.getMinutes() << 5) | Math.floor(when.getSeconds() / 2),
  };
}
