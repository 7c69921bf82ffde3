import { decode as decodeJpeg } from 'jpeg-js';
import type { Words } from '../../machines/types.js';
import type { PhotoType } from './desk.js';

// The chip's face for the teller's terminal (issue 15 item 3): the DG2 image decoded (JPEG with
// jpeg-js; JPEG 2000 through an injected decoder, jpeg2000.ts), bounded before any work, then
// drawn in half-block cells: each cell is two pixels, the upper one the glyph's foreground, the
// lower one its background. Pure functions: the console gets lines it can put in a box.

/** Largest image file taken: a chip's DG2 face is a few tens of kB (ICAO 9303-10 §4.7.2). */
export const maxPhotoFileBytes = 1024 * 1024;
/** Largest image decoded: ICAO's face images are about 480×640 (0.3 MP). */
export const maxPhotoPixels = 4_000_000;

/** Decoded pixels, RGB, 3 bytes a pixel, rows top to bottom. */
export interface PhotoPixels {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/**
 * A JPEG 2000 decoder (JP2 file or J2K codestream). Throws on anything it cannot decode; refuses
 * (throws) an image over `maxPixels` before it allocates the pixels.
 */
export interface Jpeg2000Decoder {
  /** What it is, for the operator ("OpenJPEG 2.5 (WebAssembly)"). */
  readonly name: string;
  decode(bytes: Uint8Array, maxPixels: number): PhotoPixels;
}

export type DecodedPhoto =
  | { readonly ok: true; readonly pixels: PhotoPixels }
  | { readonly ok: false; readonly problem: Words };

const tooLarge: Words = {
  ko: '사진이 너무 커서 표시하지 않습니다.',
  en: 'The photo is too large to show.',
};

const noJpeg2000: Words = {
  ko: 'JPEG 2000 사진입니다: 이 콘솔에는 디코더가 없습니다. 사진 파일을 이미지 뷰어로 열어 확인하세요.',
  en: 'JPEG 2000 photo: this console has no decoder. Open the photo file with an image viewer (e.g. opj_decompress, GIMP).',
};

const undecodable: Words = {
  ko: '사진을 해독할 수 없습니다. 칩의 사진이 손상되었을 수 있습니다.',
  en: 'The photo cannot be decoded: the chip’s image may be damaged.',
};

/** The image's pixels, or what to tell the teller instead. Never throws. */
export function decodePhoto(
  photo: { readonly type: PhotoType; readonly bytes: Uint8Array },
  options: { readonly jpeg2000?: Jpeg2000Decoder; readonly maxPixels?: number } = {},
): DecodedPhoto {
  const maxPixels = options.maxPixels ?? maxPhotoPixels;
  if (photo.bytes.length > maxPhotoFileBytes) return { ok: false, problem: tooLarge };
  try {
    if (photo.type === 'image/jp2') {
      if (options.jpeg2000 === undefined) return { ok: false, problem: noJpeg2000 };
      return checked(options.jpeg2000.decode(photo.bytes, maxPixels), maxPixels);
    }
    const size = jpegSize(photo.bytes);
    if (size === undefined) return { ok: false, problem: undecodable };
    if (size.width * size.height > maxPixels) return { ok: false, problem: tooLarge };
    const image = decodeJpeg(photo.bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1_000_000,
      maxMemoryUsageInMB: 64,
    });
    const channels = image.data.length / (image.width * image.height);
    if (channels !== 3) return { ok: false, problem: undecodable };
    return checked({ width: image.width, height: image.height, rgb: image.data }, maxPixels);
  } catch {
    return { ok: false, problem: undecodable };
  }
}

function checked(pixels: PhotoPixels, maxPixels: number): DecodedPhoto {
  const { width, height, rgb } = pixels;
  if (width < 1 || height < 1 || rgb.length < width * height * 3)
    return { ok: false, problem: undecodable };
  if (width * height > maxPixels) return { ok: false, problem: tooLarge };
  return { ok: true, pixels };
}

/**
 * The JPEG's width and height from its first SOF marker (ITU T.81 §B.2.2), read before decoding
 * so that a huge image is refused by its header; undefined if none is found.
 */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      const height = ((bytes[at + 5] ?? 0) << 8) | (bytes[at + 6] ?? 0);
      const width = ((bytes[at + 7] ?? 0) << 8) | (bytes[at + 8] ?? 0);
      return { width, height };
    }
    if (marker === 0xda || length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

/** One cell: the colours (0xRRGGBB) of its upper and lower pixel; undefined outside the image. */
export interface HalfBlockCell {
  readonly top?: number;
  readonly bottom?: number;
}

/**
 * The image scaled to fit `columns` × `rows` cells (two pixels a cell, so a cell is about
 * square), aspect kept, centred; each pixel the average of the source pixels it covers. Exactly
 * `rows` lines of exactly `columns` cells.
 */
export function halfBlocks(pixels: PhotoPixels, columns: number, rows: number): HalfBlockCell[][] {
  const { width, height, rgb } = pixels;
  const scale = Math.min(columns / width, (rows * 2) / height);
  const w = Math.max(1, Math.min(columns, Math.round(width * scale)));
  const h = Math.max(1, Math.min(rows * 2, Math.round(height * scale)));
  const left = Math.floor((columns - w) / 2);
  const top = Math.floor((rows * 2 - h) / 2);
  const sample = (x: number, y: number): number | undefined => {
    const ix = x - left;
    const iy = y - top;
    if (ix < 0 || iy < 0 || ix >= w || iy >= h) return undefined;
    const x0 = Math.floor((ix * width) / w);
    const x1 = Math.max(x0 + 1, Math.floor(((ix + 1) * width) / w));
    const y0 = Math.floor((iy * height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((iy + 1) * height) / h));
    let r = 0;
    let g = 0;
    let b = 0;
    for (let sy = y0; sy < y1; sy++)
      for (let sx = x0; sx < x1; sx++) {
        const i = (sy * width + sx) * 3;
        r += rgb[i] ?? 0;
        g += rgb[i + 1] ?? 0;
        b += rgb[i + 2] ?? 0;
      }
    const n = (x1 - x0) * (y1 - y0);
    return (Math.round(r / n) << 16) | (Math.round(g / n) << 8) | Math.round(b / n);
  };
  const lines: HalfBlockCell[][] = [];
  for (let row = 0; row < rows; row++) {
    const line: HalfBlockCell[] = [];
    for (let x = 0; x < columns; x++) {
      const upper = sample(x, row * 2);
      const lower = sample(x, row * 2 + 1);
      line.push({
        ...(upper === undefined ? {} : { top: upper }),
        ...(lower === undefined ? {} : { bottom: lower }),
      });
    }
    lines.push(line);
  }
  return lines;
}

const hex = (colour: number): string => `#${colour.toString(16).padStart(6, '0')}`;

/**
 * How a cell is drawn: `blocks`, the upper half block in the top pixel's colour on the bottom's
 * (two pixels a cell); `spaces`, a space on the two pixels' mean colour (half the vertical detail).
 * ▀ and ▄ are East Asian Ambiguous (UAX #11): a terminal set to draw those wide (common in
 * Korean, Japanese and Chinese locales) would push every row of blocks out of its box, which a
 * space never is.
 */
export type PhotoGlyphs = 'blocks' | 'spaces';

/** `spaces` under a CJK locale (LC_ALL, LC_CTYPE or LANG ko/ja/zh), else `blocks`. */
export function photoGlyphsFor(env: NodeJS.ProcessEnv): PhotoGlyphs {
  const locale = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '';
  return /^(ko|ja|zh)([_.@-]|$)/i.test(locale) ? 'spaces' : 'blocks';
}

/** The mean of two 0xRRGGBB colours, channel by channel. */
function mean(a: number, b: number): number {
  const channel = (shift: number): number =>
    Math.round((((a >> shift) & 255) + ((b >> shift) & 255)) / 2) << shift;
  return channel(16) | channel(8) | channel(0);
}

/**
 * Lines in blessed tags (`{#rrggbb-fg}{#rrggbb-bg}▀{/}`, or `{#rrggbb-bg} {/}` with `spaces`;
 * blessed maps the colours to the terminal's palette), for a box with `tags: true`. Cells outside
 * the image are spaces.
 */
export function blessedPhotoLines(
  cells: readonly (readonly HalfBlockCell[])[],
  glyphs: PhotoGlyphs = 'blocks',
): string[] {
  return cells.map((line) =>
    line
      .map(({ top, bottom }) => {
        if (glyphs === 'spaces') {
          const colour =
            top !== undefined && bottom !== undefined ? mean(top, bottom) : (top ?? bottom);
          return colour === undefined ? ' ' : `{${hex(colour)}-bg} {/}`;
        }
        if (top !== undefined && bottom !== undefined)
          return `{${hex(top)}-fg}{${hex(bottom)}-bg}\u2580{/}`;
        if (top !== undefined) return `{${hex(top)}-fg}\u2580{/}`;
        if (bottom !== undefined) return `{${hex(bottom)}-fg}\u2584{/}`;
        return ' ';
      })
      .join(''),
  );
}

/** Lines with raw SGR colours: 24-bit (`38;2;r;g;b`) or the 256-colour cube (`38;5;n`). */
export function ansiPhotoLines(
  cells: readonly (readonly HalfBlockCell[])[],
  depth: 'truecolor' | '256' = 'truecolor',
): string[] {
  const sgr = (layer: 38 | 48, c: number): string =>
    depth === 'truecolor'
      ? `\x1b[${String(layer)};2;${String(c >> 16)};${String((c >> 8) & 255)};${String(c & 255)}m`
      : `\x1b[${String(layer)};5;${String(cube(c))}m`;
  return cells.map(
    (line) =>
      line
        .map(({ top, bottom }) => {
          if (top !== undefined && bottom !== undefined)
            return `${sgr(38, top)}${sgr(48, bottom)}\u2580\x1b[0m`;
          if (top !== undefined) return `${sgr(38, top)}\u2580\x1b[0m`;
          if (bottom !== undefined) return `${sgr(38, bottom)}\u2584\x1b[0m`;
          return ' ';
        })
        .join('') + '\x1b[0m',
  );
}

/** The nearest colour of xterm's 6×6×6 cube (indices 16–231). */
function cube(colour: number): number {
  const level = (v: number): number =>
    v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40));
  return 16 + 36 * level(colour >> 16) + 6 * level((colour >> 8) & 255) + level(colour & 255);
}
