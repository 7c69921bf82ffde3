/** Writes one JSON document (DESIGN §11: `--json` prints one JSON document on stdout). */
export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines of human-readable text. */
export function writeLines(out: NodeJS.WritableStream, lines: readonly string[]): void {
  out.write(lines.map((l) => `${l}\n`).join(''));
}
