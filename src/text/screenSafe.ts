import { displaySafe } from './displaySafe.js';

/**
 * Text for a kiosk screen (issue 15 item 2): {@link displaySafe} (NFC; controls, escapes, bidi
 * and invisible characters replaced), then the East-Asian ambiguous-width symbols drawn as ASCII.
 * Their width is 1 or 2 columns depending on the terminal and its locale (`·` `※` `①` in a Korean
 * locale are 2), so a line holding one misaligns the border after it. Letters of ambiguous width
 * (é, Greek, Cyrillic) are kept: they are the name as written, and the kiosk's terminal draws them
 * narrow. U+FFFD, which displaySafe puts where it removed something, is itself ambiguous: `?`.
 */
export function screenSafe(text: string): string {
  return asciiForAmbiguous(displaySafe(text));
}

const named: Readonly<Record<string, string>> = {
  '\u00a1': '!',
  '\u00a4': '$',
  '\u00a7': 'S',
  '\u00a8': '"',
  '\u00ad': '-',
  '\u00ae': '(R)',
  '\u00b0': 'o',
  '\u00b1': '+-',
  '\u00b4': "'",
  '\u00b6': 'P',
  '\u00b7': '/',
  '\u00b8': ',',
  '\u00bf': '?',
  '\u00d7': 'x',
  '\u00f7': '/',
  '\u2010': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2016': '||',
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2020': '+',
  '\u2021': '+',
  '\u2022': '*',
  '\u2024': '.',
  '\u2025': '..',
  '\u2026': '...',
  '\u2027': '-',
  '\u2030': '%o',
  '\u2032': "'",
  '\u2033': '"',
  '\u2035': '`',
  '\u203b': '*',
  '\u203e': '-',
  '\u2190': '<-',
  '\u2192': '->',
  '\u2191': '^',
  '\u2193': 'v',
  '\u2194': '<->',
  '\u21d2': '=>',
  '\u21d4': '<=>',
  '\u2122': 'TM',
  '\u20ac': 'EUR',
  '\u2103': 'C',
  '\u2116': 'No.',
  '\u2460': '(1)',
  '\u25cb': 'o',
  '\u25cf': '*',
  '\u25ce': 'o',
  '\u25a0': '#',
  '\u25a1': '[]',
  '\u25b2': '^',
  '\u25b6': '>',
  '\u25bc': 'v',
  '\u25c0': '<',
  '\u2605': '*',
  '\u2606': '*',
  '\u2610': '[ ]',
  '\u2611': '[v]',
  '\u2713': 'v',
  '\u3000': '  ',
  '\ufffd': '?',
};

/** Symbols of ambiguous width not named above (UAX #11 class A, symbol blocks only). */
const ambiguousSymbols =
  /[\u00a1\u00a4\u00a7\u00a8\u00aa\u00ad\u00ae\u00b0-\u00b4\u00b6-\u00ba\u00bc-\u00bf\u00d7\u00f7\u2010-\u203e\u2074\u207f\u2081-\u2084\u20ac\u2100-\u22ff\u2312\u2460-\u24ff\u2500-\u257f\u2580-\u25ff\u2600-\u27bf\u3248-\u324f\ue000-\uf8ff\ufffd]/gu;

/** Variation selectors choose a glyph (an emoji's, a symbol's) and are dropped with it. */
const variationSelectors = /\p{Variation_Selector}/gu;

function asciiForAmbiguous(text: string): string {
  return text.replace(variationSelectors, '').replace(ambiguousSymbols, (char) => {
    const ascii = named[char];
    if (ascii !== undefined) return ascii;
    const code = char.codePointAt(0) ?? 0;
    // ① … ⑳ and ⑴ … ⒇: the number in brackets.
    if (code >= 0x2460 && code <= 0x2473) return `(${String(code - 0x2460 + 1)})`;
    if (code >= 0x2474 && code <= 0x2487) return `(${String(code - 0x2474 + 1)})`;
    // ¹ ² ³ and the superscripts and subscripts: the digit.
    if (code === 0xb9) return '1';
    if (code === 0xb2 || code === 0xb3) return String(code - 0xb0);
    return '?';
  });
}
