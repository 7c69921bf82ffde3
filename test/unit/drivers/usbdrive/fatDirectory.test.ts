// Over 400 lines as one unit (issue 12): the folder bytes mtools wrote, kept here once, and the
// tests that read them.
import { describe, expect, it } from 'vitest';
import {
  checksumOf,
  dotEntries,
  encodeEntry,
  parseDirectory,
  placeSlots,
  shortNameFor,
  type DirEntry,
} from '../../../../drivers/usbdrive/fat/directory.js';

// drivers/usbdrive/fat/directory.ts against values from outside the code: folder bytes written
// by mtools, short names mtools chose, and a checksum worked out by hand from the FAT
// specification (1.03 §7.2). Nothing here is recomputed with the formula under test.

// --- A root folder written by mtools ---
//
// Made once, when this test was written (mtools 4.0, dosfstools 4.2, LANG=C.UTF-8):
//
//   truncate -s 1M a.img && mkfs.vfat -F 12 -I -r 32 -n FIXTURE a.img
//   mcopy -i a.img NPKI.TXT signCert.der 인증서.der gone-long-name.txt DELME.TXT lower.txt \
//     signPri.key 'Mixed Case Name With Spaces.tar.gz' '한국정보인증 공동인증서 파일.key' \
//     yessign ::/
//   mmd -i a.img ::/NPKI ::/NPKI/yessign && mcopy -i a.img signCert.der ::/NPKI/
//   mdel -i a.img ::/gone-long-name.txt ::/DELME.TXT
//
// then the 32-byte slots of the root region (sector 5 on) and of ::/NPKI (cluster 12) dumped as
// hex. fsck.vfat -n found the image clean. Every short entry carries mtools' time stamp
// 0xAA49 / 0x5D7A: 2026-11-26 21:18:18 local time.

const rootSlots = [
  '464958545552452020202008000049aa7a5d7a5d000049aa7a5d000000000000', // 0 volume label FIXTURE
  '4e504b492020202054585420000049aa7a5d7a5d000049aa7a5d020001000000', // 1 NPKI.TXT
  '417300690067006e0043000f00296500720074002e0064006500000072000000', // 2 LFN 0x41 signCert.der
  '5349474e4345525444455220000049aa7a5d7a5d000049aa7a5d030002000000', // 3 SIGNCERT.DER
  '4178c79dc91cc12e0064000f002b650072000000ffffffffffff0000ffffffff', // 4 LFN 0x41 인증서.der
  '5f5f5f202020202044455220000049aa7a5d7a5d000049aa7a5d040003000000', // 5 ___.DER
  'e565002e007400780074000f00ca0000ffffffffffffffffffff0000ffffffff', // 6 deleted LFN (was 0x42)
  'e567006f006e0065002d000f00ca6c006f006e0067002d006e00000061006d00', // 7 deleted LFN (was 0x01)
  'e54f4e452d4c7e3154585420000049aa7a5d7a5d000049aa7a5d050001000000', // 8 deleted GONE-L~1.TXT
  'e5454c4d4520202054585420000049aa7a5d7a5d000049aa7a5d060001000000', // 9 deleted DELME.TXT
  '4c4f57455220202054585420180049aa7a5d7a5d000049aa7a5d070001000000', // 10 lower.txt (NT case 0x18)
  '417300690067006e0050000f00ef720069002e006b006500790000000000ffff', // 11 LFN 0x41 signPri.key
  '5349474e505249204b455920000049aa7a5d7a5d000049aa7a5d080001000000', // 12 SIGNPRI.KEY
  '4373002e007400610072000f00b12e0067007a000000ffffffff0000ffffffff', // 13 LFN 0x43
  '026d0065002000570069000f00b1740068002000530070006100000063006500', // 14 LFN 0x02
  '014d0069007800650064000f00b120004300610073006500200000004e006100', // 15 LFN 0x01
  '4d49584544437e31475a2020000049aa7a5d7a5d000049aa7a5d090001000000', // 16 MIXEDC~1.GZ
  '420cd37cc72e006b0065000f00e979000000ffffffffffffffff0000ffffffff', // 17 LFN 0x42 (Korean)
  '015cd56dad15c8f4bc78c70f00e99dc92000f5acd9b378c79dc900001cc12000', // 18 LFN 0x01 (Korean)
  '5f5f5f5f5f5f7e314b455920000049aa7a5d7a5d000049aa7a5d0a0001000000', // 19 ______~1.KEY
  '5945535349474e2020202020080049aa7a5d7a5d000049aa7a5d0b0001000000', // 20 yessign (NT case 0x08)
  '4e504b492020202020202010000049aa7a5d7a5d000049aa7a5d0c0000000000', // 21 NPKI/ (cluster 12)
];

const npkiSlots = [
  '2e2020202020202020202010000049aa7a5d7a5d000049aa7a5d0c0000000000', // 0 .  (cluster 12)
  '2e2e20202020202020202010000049aa7a5d7a5d000049aa7a5d000000000000', // 1 .. (the root: 0)
  '5945535349474e2020202010080049aa7a5d7a5d000049aa7a5d0d0000000000', // 2 yessign/ (NT case 0x08)
  '417300690067006e0043000f00296500720074002e0064006500000072000000', // 3 LFN signCert.der
  '5349474e4345525444455220000049aa7a5d7a5d000049aa7a5d0e0002000000', // 4 SIGNCERT.DER
];

/** mtools' time stamp on every entry above. */
const mtoolsTime = new Date(2026, 10, 26, 21, 18, 18);

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function slotsOf(slots: readonly string[]): Uint8Array {
  return hex(slots.join(''));
}

/** The folder's slots, an end marker, and then a stale entry a reader must not see. */
function folder(slots: readonly string[], total = 32): Uint8Array {
  const bytes = new Uint8Array(total * 32);
  bytes.set(slotsOf(slots));
  bytes.set(hex(rootSlots[1] ?? ''), (slots.length + 1) * 32);
  return bytes;
}

function withSlots(base: readonly string[], changes: Record<number, string>): string[] {
  return base.map((slot, i) => changes[i] ?? slot);
}

/** A slot with byte `at` set to `value`. */
function patched(slot: string, at: number, value: number): string {
  const bytes = hex(slot);
  bytes[at] = value;
  return Buffer.from(bytes).toString('hex');
}

const short = (name: string): Uint8Array => Uint8Array.from(name, (c) => c.charCodeAt(0));

const rootEntries: DirEntry[] = [
  {
    name: 'NPKI.TXT',
    alias: 'NPKI.TXT',
    shortName: 'NPKI    TXT',
    folder: false,
    cluster: 2,
    size: 1,
    firstSlot: 1,
    slot: 1,
  },
  {
    name: 'signCert.der',
    alias: 'SIGNCERT.DER',
    shortName: 'SIGNCERTDER',
    folder: false,
    cluster: 3,
    size: 2,
    firstSlot: 2,
    slot: 3,
  },
  {
    name: '인증서.der',
    alias: '___.DER',
    shortName: '___     DER',
    folder: false,
    cluster: 4,
    size: 3,
    firstSlot: 4,
    slot: 5,
  },
  {
    name: 'lower.txt',
    alias: 'lower.txt',
    shortName: 'LOWER   TXT',
    folder: false,
    cluster: 7,
    size: 1,
    firstSlot: 10,
    slot: 10,
  },
  {
    name: 'signPri.key',
    alias: 'SIGNPRI.KEY',
    shortName: 'SIGNPRI KEY',
    folder: false,
    cluster: 8,
    size: 1,
    firstSlot: 11,
    slot: 12,
  },
  {
    name: 'Mixed Case Name With Spaces.tar.gz',
    alias: 'MIXEDC~1.GZ',
    shortName: 'MIXEDC~1GZ ',
    folder: false,
    cluster: 9,
    size: 1,
    firstSlot: 13,
    slot: 16,
  },
  {
    name: '한국정보인증 공동인증서 파일.key',
    alias: '______~1.KEY',
    shortName: '______~1KEY',
    folder: false,
    cluster: 10,
    size: 1,
    firstSlot: 17,
    slot: 19,
  },
  {
    name: 'yessign',
    alias: 'yessign',
    shortName: 'YESSIGN    ',
    folder: false,
    cluster: 11,
    size: 1,
    firstSlot: 20,
    slot: 20,
  },
  {
    name: 'NPKI',
    alias: 'NPKI',
    shortName: 'NPKI       ',
    folder: true,
    cluster: 12,
    size: 0,
    firstSlot: 21,
    slot: 21,
  },
];

function byShortName(entries: readonly DirEntry[], shortName: string): DirEntry | undefined {
  return entries.find((e) => e.shortName === shortName);
}

describe('checksumOf (FAT specification §7.2)', () => {
  it('NPKI: 0x38, worked out by hand', () => {
    // sum = ((sum & 1) << 7) + (sum >> 1) + byte, mod 256, over the 11 bytes 'NPKI       ':
    //   0x00 → ror 0x00 + 0x4E 'N' = 0x4E
    //   0x4E → ror 0x27 + 0x50 'P' = 0x77
    //   0x77 → ror 0xBB + 0x4B 'K' = 0x106 → 0x06
    //   0x06 → ror 0x03 + 0x49 'I' = 0x4C
    //   0x4C → ror 0x26 + 0x20     = 0x46
    //   0x46 → ror 0x23 + 0x20     = 0x43
    //   0x43 → ror 0xA1 + 0x20     = 0xC1
    //   0xC1 → ror 0xE0 + 0x20     = 0x100 → 0x00
    //   0x00 → ror 0x00 + 0x20     = 0x20
    //   0x20 → ror 0x10 + 0x20     = 0x30
    //   0x30 → ror 0x18 + 0x20     = 0x38
    expect(checksumOf(short('NPKI       '))).toBe(0x38);
  });

  it.each([
    ['SIGNCERTDER', 0x29],
    ['___     DER', 0x2b],
    ['GONE-L~1TXT', 0xca],
    ['SIGNPRI KEY', 0xef],
    ['MIXEDC~1GZ ', 0xb1],
    ['______~1KEY', 0xe9],
  ])('%s: %d, as mtools wrote it in the long-name slots', (name, expected) => {
    expect(checksumOf(short(name))).toBe(expected);
  });
});

describe('parseDirectory on folder bytes mtools wrote', () => {
  it('reads every live entry with its long name, skipping the label, deleted slots and what follows the end marker', () => {
    expect(parseDirectory(folder(rootSlots))).toEqual(rootEntries);
  });

  it('reads a subfolder without its . and .. entries', () => {
    expect(parseDirectory(folder(npkiSlots))).toEqual([
      {
        name: 'yessign',
        alias: 'yessign',
        shortName: 'YESSIGN    ',
        folder: true,
        cluster: 13,
        size: 0,
        firstSlot: 2,
        slot: 2,
      },
      {
        name: 'signCert.der',
        alias: 'SIGNCERT.DER',
        shortName: 'SIGNCERTDER',
        folder: false,
        cluster: 14,
        size: 2,
        firstSlot: 3,
        slot: 4,
      },
    ]);
  });

  it('stops at the end marker even when the bytes run on', () => {
    const bytes = folder(rootSlots.slice(0, 4));
    expect(parseDirectory(bytes).map((e) => e.name)).toEqual(['NPKI.TXT', 'signCert.der']);
  });

  it('reads to the end of the bytes when there is no end marker', () => {
    expect(parseDirectory(slotsOf(rootSlots))).toEqual(rootEntries);
  });

  it('reads a deleted long-named entry put back (first bytes restored) as mtools named it', () => {
    const undeleted = withSlots(rootSlots, {
      6: patched(rootSlots[6] ?? '', 0, 0x42),
      7: patched(rootSlots[7] ?? '', 0, 0x01),
      8: patched(rootSlots[8] ?? '', 0, 0x47), // 'G'
    });
    expect(byShortName(parseDirectory(folder(undeleted)), 'GONE-L~1TXT')).toEqual({
      name: 'gone-long-name.txt',
      alias: 'GONE-L~1.TXT',
      shortName: 'GONE-L~1TXT',
      folder: false,
      cluster: 5,
      size: 1,
      firstSlot: 6,
      slot: 8,
    });
  });

  it('ignores an orphaned long name whose short entry is deleted', () => {
    const orphaned = withSlots(rootSlots, {
      6: patched(rootSlots[6] ?? '', 0, 0x42),
      7: patched(rootSlots[7] ?? '', 0, 0x01),
    });
    expect(parseDirectory(folder(orphaned))).toEqual(rootEntries);
  });

  it('gives the short name when a long name precedes an entry it was not written for', () => {
    // signCert.der's long-name slot (checksum 0x29) moved in front of LOWER.TXT.
    const misplaced = withSlots(rootSlots, { 9: rootSlots[2] ?? '' });
    expect(byShortName(parseDirectory(folder(misplaced)), 'LOWER   TXT')).toMatchObject({
      name: 'lower.txt',
      firstSlot: 10,
      slot: 10,
    });
  });

  it('gives the short name when every slot of a long name carries a wrong checksum', () => {
    const wrong = withSlots(rootSlots, {
      13: patched(rootSlots[13] ?? '', 13, 0xb2),
      14: patched(rootSlots[14] ?? '', 13, 0xb2),
      15: patched(rootSlots[15] ?? '', 13, 0xb2),
    });
    const entries = parseDirectory(folder(wrong));
    expect(byShortName(entries, 'MIXEDC~1GZ ')).toMatchObject({
      name: 'MIXEDC~1.GZ',
      alias: 'MIXEDC~1.GZ',
      firstSlot: 16,
      slot: 16,
    });
    expect(entries.map((e) => e.name)).toEqual(
      rootEntries.map((e) => (e.shortName === 'MIXEDC~1GZ ' ? 'MIXEDC~1.GZ' : e.name)),
    );
  });

  it('gives the short name when one slot of a long name carries a wrong checksum', () => {
    const wrong = withSlots(rootSlots, { 14: patched(rootSlots[14] ?? '', 13, 0x00) });
    expect(byShortName(parseDirectory(folder(wrong)), 'MIXEDC~1GZ ')).toMatchObject({
      name: 'MIXEDC~1.GZ',
      firstSlot: 16,
    });
  });

  it('gives the short name when a long name lacks its first (0x40) slot or is out of order', () => {
    const headless = withSlots(rootSlots, { 17: patched(rootSlots[17] ?? '', 0, 0xe5) });
    expect(byShortName(parseDirectory(folder(headless)), '______~1KEY')).toMatchObject({
      name: '______~1.KEY',
      firstSlot: 19,
    });
    const swapped = withSlots(rootSlots, { 14: rootSlots[15] ?? '', 15: rootSlots[14] ?? '' });
    expect(byShortName(parseDirectory(folder(swapped)), 'MIXEDC~1GZ ')).toMatchObject({
      name: 'MIXEDC~1.GZ',
      firstSlot: 16,
    });
  });

  it('reads a leading 0x05 as 0xE5 of the OEM code page (cp949)', () => {
    // 0xE5 0xA1 is 櫻 in cp949 (EUC-KR); a short name starting with 0xE5 is stored as 0x05.
    const kanji = hex(rootSlots[1] ?? '');
    kanji.set(short('\u0005\u00a1      TXT'), 0);
    const bytes = new Uint8Array(64);
    bytes.set(kanji);
    expect(parseDirectory(bytes)).toMatchObject([{ name: '櫻.TXT', alias: '櫻.TXT' }]);
  });
});

describe('encodeEntry and dotEntries: the bytes mtools writes', () => {
  const facts = (cluster: number, size: number, isFolder = false) => ({
    folder: isFolder,
    cluster,
    size,
    time: mtoolsTime,
  });

  it.each([
    ['NPKI.TXT', 'NPKI    TXT', 2, 1, [1, 1]],
    ['signCert.der', 'SIGNCERTDER', 3, 2, [2, 3]],
    ['인증서.der', '___     DER', 4, 3, [4, 5]],
    ['signPri.key', 'SIGNPRI KEY', 8, 1, [11, 12]],
    ['Mixed Case Name With Spaces.tar.gz', 'MIXEDC~1GZ ', 9, 1, [13, 16]],
    ['한국정보인증 공동인증서 파일.key', '______~1KEY', 10, 1, [17, 19]],
  ] as const)('%s: slots identical to mtools', (name, shortName, cluster, size, [from, to]) => {
    expect(Buffer.from(encodeEntry(name, shortName, facts(cluster, size))).toString('hex')).toBe(
      rootSlots.slice(from, to + 1).join(''),
    );
  });

  it('a folder entry: attribute 0x10, size 0', () => {
    expect(
      Buffer.from(encodeEntry('NPKI', 'NPKI       ', facts(12, 0, true))).toString('hex'),
    ).toBe(rootSlots[21]);
  });

  it('. and .. of a folder below the root', () => {
    expect(Buffer.from(dotEntries(12, 0, mtoolsTime)).toString('hex')).toBe(
      npkiSlots.slice(0, 2).join(''),
    );
  });

  it('round-trips through parseDirectory, long names and all', () => {
    const bytes = new Uint8Array(512);
    bytes.set(
      encodeEntry(
        'cn=홍길동()0001,ou=personal4IB,o=yessign,c=kr',
        'CN____~1   ',
        facts(5, 0, true),
      ),
    );
    expect(parseDirectory(bytes)).toEqual([
      {
        name: 'cn=홍길동()0001,ou=personal4IB,o=yessign,c=kr',
        alias: 'CN____~1',
        shortName: 'CN____~1   ',
        folder: true,
        cluster: 5,
        size: 0,
        firstSlot: 0,
        // 42 UTF-16 units and a terminator: 4 long-name slots (§7: 13 units a slot).
        slot: 4,
      },
    ]);
  });
});

describe('shortNameFor (basis name and numeric tail, §7.4)', () => {
  const none = new Set<string>();

  it.each([
    // Names that fit 8.3 once upper-cased: no tail (mtools agrees).
    ['NPKI', 'NPKI       '],
    ['yessign', 'YESSIGN    '],
    ['signCert.der', 'SIGNCERTDER'],
    ['signPri.key', 'SIGNPRI KEY'],
    ['UPPER.TXT', 'UPPER   TXT'],
    ['USER', 'USER       '],
    // Lossy: a tail. Expected values are the short names mtools gave the same names.
    ['.kiosk-staging-1a2b', 'KIOSK-~1   '],
    ['a.b.c.txt', 'ABC~1   TXT'],
    ['...dots...txt', 'DOTS~1  TXT'],
    ['my file.txt', 'MYFILE~1TXT'],
    [' leading space.txt', 'LEADIN~1TXT'],
    ['name with space', 'NAMEWI~1   '],
    ['abcdefghij.txt', 'ABCDEF~1TXT'],
    ['x.abcd', 'X~1     ABC'],
    ['a+b=c.txt', 'A_B_C~1 TXT'],
    ['[x];y,z.der', '_X__Y_~1DER'],
    ['Mixed Case Name With Spaces.tar.gz', 'MIXEDC~1GZ '],
    ['한국정보인증 공동인증서 파일.key', '______~1KEY'],
    // mtools writes `___     DER` here (no tail); §7.4 says a lossy conversion gets one.
    ['인증서.der', '___~1   DER'],
    ['인증서', '___~1      '],
  ])('%j → %j', (name, expected) => {
    const result = shortNameFor(name, none);
    expect(result).toBe(expected);
    expect(result).toHaveLength(11);
  });

  it('collisions take the next free tail (mtools: ABCDEF~2 after ABCDEF~1)', () => {
    expect(shortNameFor('abcdefghik.txt', new Set(['ABCDEF~1TXT']))).toBe('ABCDEF~2TXT');
    expect(shortNameFor('.kiosk-staging-3c4d', new Set(['KIOSK-~1   ']))).toBe('KIOSK-~2   ');
    expect(shortNameFor('인증서.der', new Set(['___~1   DER', '___~2   DER']))).toBe('___~3   DER');
  });

  it('a name that fits 8.3 but whose basis is taken gets a tail', () => {
    expect(shortNameFor('npki', new Set(['NPKI       ']))).toBe('NPKI~1     ');
    expect(shortNameFor('NPKI', new Set(['NPKI       ', 'NPKI~1     ']))).toBe('NPKI~2     ');
  });

  it('a tail of two or more digits shortens the basis so that it stays 8 characters', () => {
    const taken = new Set(Array.from({ length: 9 }, (_, i) => `ABCDEF~${String(i + 1)}TXT`));
    expect(shortNameFor('abcdefghij.txt', taken)).toBe('ABCDE~10TXT');
    const more = new Set([
      ...taken,
      ...Array.from({ length: 90 }, (_, i) => `ABCDE~${String(i + 10)}TXT`),
    ]);
    expect(shortNameFor('abcdefghij.txt', more)).toBe('ABCD~100TXT');
  });

  it('never returns a taken name', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const name = shortNameFor('.kiosk-staging-x', taken);
      expect(taken.has(name)).toBe(false);
      expect(name).toMatch(/^[A-Z0-9_~-]{1,8} *$/);
      taken.add(name);
    }
    expect(taken.size).toBe(30);
  });
});

describe('placeSlots', () => {
  /** A folder of `total` slots, `used` of them taken from the start, then an end marker. */
  function used(
    total: number,
    taken: Iterable<number>,
    deleted: Iterable<number> = [],
  ): Uint8Array {
    const bytes = new Uint8Array(total * 32);
    for (const slot of taken) bytes.set(short('USED    TXT'), slot * 32);
    for (const slot of deleted) bytes[slot * 32] = 0xe5;
    return bytes;
  }
  const range = (from: number, to: number): number[] =>
    Array.from({ length: to - from }, (_, i) => from + i);

  it('an empty folder: slot 0, nothing to mark', () => {
    expect(placeSlots(used(32, []), 3)).toEqual({ slot: 0, gapFrom: 0 });
  });

  it('right at the end marker when the entry fits in its block', () => {
    expect(placeSlots(used(32, range(0, 10)), 3)).toEqual({ slot: 10, gapFrom: 10 });
    expect(placeSlots(used(32, range(0, 13)), 3)).toEqual({ slot: 13, gapFrom: 13 });
  });

  it('into the next 512-byte block when the rest of this one is too short: the gap is marked', () => {
    // End marker at 14; slots 14 and 15 cannot hold 3 slots inside block 0.
    expect(placeSlots(used(32, range(0, 14)), 3)).toEqual({ slot: 16, gapFrom: 14 });
    expect(placeSlots(used(32, range(0, 15)), 2)).toEqual({ slot: 16, gapFrom: 15 });
  });

  it('deleted slots before the end marker are reused when a run of them is long enough', () => {
    expect(placeSlots(used(32, range(0, 12), [3, 4, 5]), 3)).toEqual({ slot: 3, gapFrom: 3 });
    // A run of two deleted slots is too short for three: the end marker is next.
    expect(placeSlots(used(32, range(0, 12), [3, 4]), 3)).toEqual({ slot: 12, gapFrom: 12 });
    // A deleted run straddling the block boundary does not count as one run.
    expect(placeSlots(used(32, range(0, 20), [14, 15, 16]), 3)).toEqual({
      slot: 20,
      gapFrom: 20,
    });
  });

  it('a deleted run that ends at the end marker joins the free slots after it', () => {
    expect(placeSlots(used(32, range(0, 10), [8, 9]), 4)).toEqual({ slot: 8, gapFrom: 8 });
  });

  it('undefined when the folder has no room', () => {
    expect(placeSlots(used(32, range(0, 32)), 1)).toBeUndefined();
    expect(placeSlots(used(32, range(0, 30)), 3)).toBeUndefined();
    expect(placeSlots(used(16, range(0, 14)), 3)).toBeUndefined();
  });

  it('alsoFree: the slots of the entry being renamed count as free', () => {
    const bytes = used(16, range(0, 16));
    expect(placeSlots(bytes, 3)).toBeUndefined();
    expect(placeSlots(bytes, 3, { alsoFree: new Set([5, 6, 7]) })).toEqual({
      slot: 5,
      gapFrom: 5,
    });
    // The old slots and deleted ones next to them together.
    const withDeleted = used(16, range(0, 16), [8, 9]);
    expect(placeSlots(withDeleted, 5, { alsoFree: new Set([5, 6, 7]) })).toEqual({
      slot: 5,
      gapFrom: 5,
    });
    expect(placeSlots(withDeleted, 6, { alsoFree: new Set([5, 6, 7]) })).toBeUndefined();
  });

  it('inBlock: only that block is searched', () => {
    const bytes = used(48, range(0, 20), [2, 3, 4]);
    expect(placeSlots(bytes, 3)).toEqual({ slot: 2, gapFrom: 2 });
    expect(placeSlots(bytes, 3, { inBlock: 1 })).toEqual({ slot: 20, gapFrom: 20 });
    expect(placeSlots(bytes, 3, { inBlock: 2 })).toEqual({ slot: 32, gapFrom: 20 });
    expect(placeSlots(used(32, range(0, 32), [2, 3]), 3, { inBlock: 0 })).toBeUndefined();
  });

  it('anywhere: a run across the block boundary', () => {
    const bytes = used(32, range(0, 14));
    expect(placeSlots(bytes, 3, { anywhere: true })).toEqual({ slot: 14, gapFrom: 14 });
    expect(placeSlots(used(32, range(0, 32), [15, 16]), 2, { anywhere: true })).toEqual({
      slot: 15,
      gapFrom: 15,
    });
  });

  it('an entry longer than a block (a 255-character name: 21 slots) takes the first run anywhere', () => {
    expect(placeSlots(used(64, range(0, 10)), 21)).toEqual({ slot: 10, gapFrom: 10 });
    expect(placeSlots(used(32, range(0, 10)), 21)).toEqual({ slot: 10, gapFrom: 10 });
    expect(placeSlots(used(32, range(0, 12)), 21)).toBeUndefined();
  });
});
