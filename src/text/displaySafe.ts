// C0/C1 controls and DEL (terminal escapes), bidi embeddings, overrides and isolates (text that
// displays in another order than it reads), line and paragraph separators, zero-width and other
// invisible format characters, and lone surrogates (not text at all).
const unsafe =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes text from outside (certificate fields, chip data, file names, error messages naming
 * them) safe to print on a terminal: NFC-normalised (decomposed Hangul renders garbled in
 * blessed, DESIGN §7) and with every character above replaced by U+FFFD, so no escape sequence or
 * hidden reordering reaches the screen (DESIGN §8).
 */
export function displaySafe(text: string): string {
  return text.replace(unsafe, '\ufffd').normalize('NFC');
}

/**
 * The same characters as JSON escapes (`\uXXXX`), for JSON text: JSON.stringify escapes only C0
 * (RFC 8259 §7), leaving C1, bidi and format characters raw for the terminal that shows the
 * output; escaped, a JSON parser still reads exactly the same value.
 */
export function jsonEscapeUnsafe(json: string): string {
  // A raw C0 character in JSON.stringify's output is its own indentation newline, never data.
  return json.replace(unsafe, (c) =>
    c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
