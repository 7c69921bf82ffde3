/**
 * Display width in terminal columns (issue 15: a wide character in the last column is dropped by
 * blessed, so lines are padded and cut by width here, never by `length`). East Asian Wide and
 * Fullwidth (UAX #11) take 2 columns; combining marks, zero-width and control characters 0;
 * everything else 1, East Asian Ambiguous included (the model replaces ambiguous symbols with ASCII,
 * src/text/screenSafe.ts, so what is left of them are letters a terminal draws narrow).
 *
 * Hand-written because no width package is installed: `get-east-asian-width` (sindresorhus, in the
 * registry list) would replace {@link wide}; the table below condenses the W/F ranges of
 * EastAsianWidth.txt (Unicode 15) to what a kiosk can meet: Hangul, CJK, kana, fullwidth forms,
 * the emoji blocks.
 */

const wideRanges: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e], // CJK radicals, punctuation
  [0x3041, 0x33ff], // kana, Hangul compatibility Jamo, CJK compatibility
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f], // emoji
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** East Asian Wide or Fullwidth (binary search over {@link wideRanges}). */
export function wide(codePoint: number): boolean {
  let low = 0;
  let high = wideRanges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [from, to] = wideRanges[middle] ?? [0, -1];
    if (codePoint < from) high = middle - 1;
    else if (codePoint > to) low = middle + 1;
    else return true;
  }
  return false;
}

// Marks, format characters, and the Hangul medial and final Jamo that join the syllable before.
const zeroWidth = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u1160-\u11ff\ud7b0-\ud7ff]$/u;

/** Columns one character (a code point) takes. */
export function charWidth(char: string): number {
  const codePoint = char.codePointAt(0) ?? 0;
  if (zeroWidth.test(char)) return 0;
  return wide(codePoint) ? 2 : 1;
}

/** Columns a string takes. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * The longest start of `text` that fits in `columns`, marked with `~` when cut (ASCII: the
 * ellipsis is ambiguous-width). A wide character that would straddle the edge is left out.
 */
export function truncate(text: string, columns: number): string {
  if (textWidth(text) <= columns) return text;
  if (columns <= 0) return '';
  let out = '';
  let width = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (width + w > columns - 1) break;
    out += char;
    width += w;
  }
  return out + '~';
}

/** `text` cut to `columns` and padded with spaces to exactly that many. */
export function fit(text: string, columns: number): string {
  const cut = truncate(text, columns);
  return cut + ' '.repeat(Math.max(0, columns - textWidth(cut)));
}

/** `text` split into lines of at most `columns`, at spaces where it can, anywhere otherwise. */
export function wrap(text: string, columns: number): string[] {
  if (columns <= 0) return [];
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const word of text.split(/( +)/)) {
    const w = textWidth(word);
    if (width + w <= columns) {
      line += word;
      width += w;
      continue;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = '';
    width = 0;
    if (/^ +$/.test(word)) continue;
    for (const char of word) {
      const c = charWidth(char);
      if (width + c > columns) {
        lines.push(line);
        line = '';
        width = 0;
      }
      line += char;
      width += c;
    }
  }
  if (line.trim() !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
