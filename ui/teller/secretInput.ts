/**
 * Typed secret text kept as UTF-8 bytes in a Buffer of fixed size (issue 15: a password never
 * lives in a JavaScript string longer than one key press; blessed's textbox keeps a string and
 * deletes per UTF-16 unit). Backspace removes one character (a whole UTF-8 sequence). `take`
 * hands out a copy and wipes the input; the taker zeroes the copy.
 */
export class SecretInput {
  readonly #bytes: Buffer;
  #length = 0;
  #characters = 0;

  /** `maxBytes`: the longest secret taken (256 bytes: the teller API's password bound). */
  constructor(maxBytes = 256) {
    this.#bytes = Buffer.alloc(maxBytes);
  }

  /** Characters typed (for `*`s). */
  get characters(): number {
    return this.#characters;
  }

  /** Appends one key press's text; false if it does not fit or is not printable. */
  push(char: string): boolean {
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    if (char === '' || /[\u0000-\u001f\u007f-\u009f]/.test(char)) return false;
    const size = Buffer.byteLength(char, 'utf8');
    if (this.#length + size > this.#bytes.length) return false;
    this.#bytes.write(char, this.#length, 'utf8');
    this.#length += size;
    this.#characters += Array.from(char).length;
    return true;
  }

  /** Removes the last character. */
  pop(): void {
    if (this.#length === 0) return;
    let at = this.#length - 1;
    // Back over UTF-8 continuation bytes (10xxxxxx) to the sequence's first byte.
    while (at > 0 && ((this.#bytes[at] ?? 0) & 0xc0) === 0x80) at--;
    this.#bytes.fill(0, at, this.#length);
    this.#length = at;
    this.#characters = Math.max(0, this.#characters - 1);
  }

  /** A copy of the bytes typed; the input is wiped. */
  take(): Buffer {
    const copy = Buffer.from(this.#bytes.subarray(0, this.#length));
    this.wipe();
    return copy;
  }

  wipe(): void {
    this.#bytes.fill(0);
    this.#length = 0;
    this.#characters = 0;
  }
}
