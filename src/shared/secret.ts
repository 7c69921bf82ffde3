import { FatalError, outOfService } from './kioskError.js';
import type { Reason } from './reason.js';

/**
 * A Secret was about to become text: serialised (`JSON.stringify`) or turned into a string
 * (`String()`, a template literal, `+`). Always a bug in the caller: a secret has no text form
 * the kiosk may write anywhere (DESIGN §8).
 */
export class SecretExposedError extends FatalError {
  readonly code = 'SECRET_EXPOSED';
  readonly reason: Reason = 'internal';
  readonly visitor = outOfService;
  constructor(readonly how: 'json' | 'string') {
    super(`a secret was ${how === 'json' ? 'serialised' : 'turned into text'}; refused`);
  }
}

/** What util.inspect (console.log, crash reports, a debugger) shows for a Secret. */
const shown = '[secret]';

/**
 * Bytes that must never be written anywhere (a password, a PIN, an authorization code, a full
 * resident number; DESIGN §8), in a wrapper that every writer can recognise and that has no text
 * form. The bytes live in a private field, so a spread, `Object.entries`, `structuredClone` or a
 * logger's copy sees an empty object; they are lent to code that needs them through `use`, and
 * zeroed by `wipe`.
 *
 * `JSON.stringify` and `String()` throw SecretExposedError rather than print a placeholder: a
 * placeholder would put `"[secret]"` into a snapshot or an audit row that then looks valid (a
 * restored visit holding the word as its password), hiding the bug that put it there; an
 * exception makes that bug fail its test. `util.inspect` shows `[secret]` instead of throwing,
 * because it runs where throwing loses more than it protects: while printing a crash report.
 */
export class Secret {
  #bytes: Buffer | undefined;

  /** Keeps a copy of `bytes`; the caller zeroes its own. */
  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
  }

  /** A secret from text typed by a person (UTF-8); the string itself cannot be zeroed. */
  static fromText(text: string): Secret {
    const bytes = Buffer.from(text, 'utf8');
    try {
      return new Secret(bytes);
    } finally {
      bytes.fill(0);
    }
  }

  /** Bytes held; 0 once wiped. */
  get length(): number {
    return this.#bytes?.length ?? 0;
  }

  get wiped(): boolean {
    return this.#bytes === undefined;
  }

  /**
   * Runs `fn` with a copy of the bytes, zeroed when `fn` returns or, if it returns a promise, when
   * that settles: a wipe meanwhile (a visit cancelled) never zeroes bytes in use, and what `fn`
   * keeps of its argument is zeroes afterwards. Throws if the secret was wiped.
   */
  use<T>(fn: (bytes: Buffer) => T): T {
    if (this.#bytes === undefined) throw new Error('the secret was wiped');
    const copy = Buffer.from(this.#bytes);
    let result: T;
    try {
      result = fn(copy);
    } catch (error) {
      copy.fill(0);
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => copy.fill(0)) as T;
    }
    copy.fill(0);
    return result;
  }

  /** Zeroes and forgets the bytes; idempotent. */
  wipe(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }

  toJSON(): never {
    throw new SecretExposedError('json');
  }

  toString(): never {
    throw new SecretExposedError('string');
  }

  [Symbol.toPrimitive](): never {
    throw new SecretExposedError('string');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return shown;
  }
}
