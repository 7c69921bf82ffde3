import { displaySafe, jsonEscapeUnsafe } from '../text/displaySafe.js';

// Everything the CLI prints goes through here (issue 11 item 16): values come from media, chips,
// certificates and CAs, and a folder name holding U+202E (right-to-left override) or a C1 control
// must not reorder or drive the operator's terminal.

/** Writes one JSON document (DESIGN §11: `--json` prints one JSON document on stdout). */
export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${jsonEscapeUnsafe(JSON.stringify(value, null, 2))}\n`);
}

/** Writes one JSON value on one line (event streams such as `token watch --json`). */
export function writeJsonLine(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${jsonEscapeUnsafe(JSON.stringify(value))}\n`);
}

/** Writes lines of human-readable text, each made display-safe. */
export function writeLines(out: NodeJS.WritableStream, lines: readonly string[]): void {
  out.write(lines.map((l) => `${displaySafe(l)}\n`).join(''));
}
