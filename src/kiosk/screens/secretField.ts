/**
 * What the visitor types into a secret field (password, PIN, the resident number), kept as bytes
 * in one Buffer that is zeroed when the field is cleared or given away, never as a string that
 * outlives the key (issue 15: not blessed's textbox, whose value is a string and whose backspace
 * removes one UTF-16 unit). Backspace removes one whole UTF-8 character.
 */
export class SecretField {
  readonly #bytes: Buffer;
  #length = 0;

  constructor(capacity = 64) {
    this.#bytes = Buffer.alloc(capacity);
  }

  /** Characters typed; what does not fit is refused (false), nothing is cut silently. */
  append(text: string): boolean {
    const bytes = Buffer.from(text, 'utf8');
    try {
      if (this.#length + bytes.length > this.#bytes.length) return false;
      bytes.copy(this.#bytes, this.#length);
      this.#length += bytes.length;
      return true;
    } finally {
      bytes.fill(0);
    }
  }

  /** Removes the last character (its UTF-8 continuation bytes with it). */
  backspace(): void {
    let end = this.#length;
    if (end === 0) return;
    end--;
    while (end > 0 && ((this.#bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    this.#bytes.fill(0, end, this.#length);
    this.#length = end;
  }

  /** How many characters are typed (what the screen shows as `*`). */
  get count(): number {
    let count = 0;
    for (let i = 0; i < this.#length; i++) if (((this.#bytes[i] ?? 0) & 0xc0) !== 0x80) count++;
    return count;
  }

  /** The bytes typed, as a view: read it, do not keep it (it is zeroed with the field). */
  view(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** A copy for a callee that zeroes what it is given (RunningVisit.enterNewSecret). */
  copy(): Buffer {
    return Buffer.from(this.view());
  }

  wipe(): void {
    this.#bytes.fill(0);
    this.#length = 0;
  }
}
