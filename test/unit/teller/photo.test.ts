import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { jpeg2000Size, loadJpeg2000Decoder } from '../../../src/teller/jpeg2000.js';
import {
  ansiPhotoLines,
  blessedPhotoLines,
  photoGlyphsFor,
  decodePhoto,
  halfBlocks,
  jpegSize,
  type PhotoPixels,
} from '../../../src/teller/photo.js';
import { generateTestProfile, writeTestProfile } from '../../../src/virtualDocument/testProfile.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 15 item 3: the chip's face drawn in the teller's terminal. The virtual document's
// face.jpg (as its DG2 holds it) decoded with jpeg-js and drawn in half blocks of the box's size;
// limits refuse before decoding; JPEG 2000 without a decoder says how to view it instead.

const fixture = join(import.meta.dirname, '../../fixtures/photo/gradient-60x80.jp2');

describe('the chip photo for the terminal', () => {
  let face: Buffer;

  beforeAll(async () => {
    const dir = tempDir('teller-photo-');
    await writeTestProfile(await generateTestProfile({ seed: 5 }), dir);
    face = await readFile(join(dir, 'face.jpg'));
  }, 60_000);

  it('decodes the virtual document face.jpg and draws it in half blocks of the box size', () => {
    expect(jpegSize(face)).toEqual({ width: 240, height: 320 });
    const decoded = decodePhoto({ type: 'image/jpeg', bytes: face });
    if (!decoded.ok) throw new Error(decoded.problem.en);
    expect(decoded.pixels).toMatchObject({ width: 240, height: 320 });
    for (const [columns, rows] of [
      [20, 14],
      [30, 20],
      [8, 3],
    ] as const) {
      const cells = halfBlocks(decoded.pixels, columns, rows);
      expect(cells).toHaveLength(rows);
      for (const line of cells) expect(line).toHaveLength(columns);
      // 3:4 in a box of cells two pixels high: as wide as the box allows, or as high.
      const filled = cells.flat().filter((c) => c.top !== undefined).length;
      expect(filled).toBeGreaterThan(0);
      const tags = blessedPhotoLines(cells);
      expect(tags).toHaveLength(rows);
      // Each line shows `columns` characters once the tags are taken out.
      for (const line of tags) expect(line.replace(/\{[^}]*\}/g, '')).toHaveLength(columns);
      const ansi = ansiPhotoLines(cells);
      // eslint-disable-next-line no-control-regex -- taking the SGR sequences out
      for (const line of ansi) expect(line.replace(/\x1b\[[0-9;]*m/g, '')).toHaveLength(columns);
    }
    // The background of the test face is light; the face's centre is skin: not the same colour.
    const cells = halfBlocks(decoded.pixels, 30, 20);
    const corner = cells[0]?.[15]?.top ?? 0;
    const centre = cells[10]?.[15]?.top ?? 0;
    expect(corner).not.toBe(centre);
    expect((corner >> 16) & 255).toBeGreaterThan(200);
  });

  it('a 256-colour rendering uses the xterm cube', () => {
    const pixels: PhotoPixels = {
      width: 1,
      height: 2,
      rgb: Uint8Array.from([255, 0, 0, 0, 0, 255]),
    };
    expect(ansiPhotoLines(halfBlocks(pixels, 1, 1), '256')).toEqual([
      '\x1b[38;5;196m\x1b[48;5;21m\u2580\x1b[0m\x1b[0m',
    ]);
    expect(ansiPhotoLines(halfBlocks(pixels, 1, 1))[0]).toContain('\x1b[38;2;255;0;0m');
    expect(blessedPhotoLines(halfBlocks(pixels, 1, 1))).toEqual([
      '{#ff0000-fg}{#0000ff-bg}\u2580{/}',
    ]);
  });

  it('draws spaces on the mean colour where ambiguous-width blocks would be wide (CJK locales)', () => {
    const pixels: PhotoPixels = {
      width: 2,
      height: 2,
      rgb: Uint8Array.from([255, 0, 0, 200, 200, 200, 0, 0, 255, 100, 100, 100]),
    };
    const spaces = blessedPhotoLines(halfBlocks(pixels, 2, 1), 'spaces');
    expect(spaces).toEqual(['{#800080-bg} {/}{#969696-bg} {/}']);
    // Nothing but spaces once the tags are out: no ▀ or ▄ whose width a terminal decides.
    expect(spaces[0]?.replace(/\{[^}]*\}/g, '')).toBe('  ');
    expect(photoGlyphsFor({ LANG: 'ko_KR.UTF-8' })).toBe('spaces');
    expect(photoGlyphsFor({ LC_ALL: 'ja_JP.UTF-8', LANG: 'en_US.UTF-8' })).toBe('spaces');
    expect(photoGlyphsFor({ LC_CTYPE: 'zh_CN' })).toBe('spaces');
    expect(photoGlyphsFor({ LANG: 'en_US.UTF-8' })).toBe('blocks');
    expect(photoGlyphsFor({ LANG: 'kok_IN' })).toBe('blocks');
    expect(photoGlyphsFor({})).toBe('blocks');
  });

  it('refuses what is too large before decoding it, and what is not an image', () => {
    const large = encode({ width: 64, height: 64, data: Buffer.alloc(64 * 64 * 4, 128) }, 50).data;
    expect(decodePhoto({ type: 'image/jpeg', bytes: large }, { maxPixels: 4000 })).toMatchObject({
      ok: false,
      problem: { en: /too large/ },
    });
    expect(decodePhoto({ type: 'image/jpeg', bytes: Buffer.alloc(2 * 1024 * 1024) })).toMatchObject(
      {
        ok: false,
        problem: { en: /too large/ },
      },
    );
    // A header that claims 65535 × 65535 is refused by its header.
    const huge = Buffer.from(large);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    huge.writeUInt16BE(0xffff, sof + 5);
    huge.writeUInt16BE(0xffff, sof + 7);
    expect(decodePhoto({ type: 'image/jpeg', bytes: huge })).toMatchObject({
      problem: { en: /too large/ },
    });
    for (const bytes of [Buffer.from('not a jpeg'), face.subarray(0, 600), Buffer.alloc(0)])
      expect(decodePhoto({ type: 'image/jpeg', bytes })).toMatchObject({
        ok: false,
        problem: { en: /cannot be decoded/ },
      });
  });

  it('JPEG 2000 without a decoder: says so and how to view it', async () => {
    const jp2 = await readFile(fixture);
    expect(jpeg2000Size(jp2)).toEqual({ width: 60, height: 80 });
    expect(jpeg2000Size(Buffer.from('garbage bytes here'))).toBeUndefined();
    expect(decodePhoto({ type: 'image/jp2', bytes: jp2 })).toMatchObject({
      ok: false,
      problem: { en: /JPEG 2000 photo: .*Open the photo file with/ },
    });
  });

  it('JPEG 2000 through OpenJPEG (skipped: @cornerstonejs/codec-openjpeg is not installed)', async (context) => {
    const decoder = await loadJpeg2000Decoder();
    if (decoder === undefined) {
      context.skip();
      return;
    }
    const jp2 = await readFile(fixture);
    const decoded = decodePhoto({ type: 'image/jp2', bytes: jp2 }, { jpeg2000: decoder });
    if (!decoded.ok) throw new Error(decoded.problem.en);
    expect(decoded.pixels).toMatchObject({ width: 60, height: 80 });
    // The fixture is a gradient: red grows with x, green with y.
    const at = (x: number, y: number) => decoded.pixels.rgb[(y * 60 + x) * 3] ?? 0;
    expect(at(50, 10)).toBeGreaterThan(at(5, 10));
    expect(
      decodePhoto({ type: 'image/jp2', bytes: jp2 }, { jpeg2000: decoder, maxPixels: 100 }),
    ).toMatchObject({
      ok: false,
    });
    expect(
      decodePhoto(
        { type: 'image/jp2', bytes: Buffer.from('0000000c6a5020200d0a870a', 'hex') },
        { jpeg2000: decoder },
      ).ok,
    ).toBe(false);
  });
});
