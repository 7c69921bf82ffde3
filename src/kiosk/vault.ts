/**
 * What a visit must keep but never show or persist (DESIGN §8, issue 13): the full resident
 * number, the RA's authorization code, the certificate password or token PIN, and the secret that
 * opens a certificate the visitor brought. Held as Buffers the vault owns (copies of what it is
 * given) and zeroed when the visit ends, whatever the ending; the machines hold only that a secret
 * was accepted. An operation borrows copies (`lending`), zeroed when it settles: a wipe while it
 * runs (the visit cancelled mid-issuance) zeroes the vault, never the bytes the operation is
 * using (a key file half-encrypted under zeroes).
 */

export type SecretName = 'idn' | 'authCode' | 'newSecret' | 'heldSecret';

export class Vault {
  readonly #secrets = new Map<SecretName, Buffer>();

  /** Keeps a copy of `bytes` under `name`, zeroing what was there. */
  put(name: SecretName, bytes: Uint8Array): void {
    this.#secrets.get(name)?.fill(0);
    this.#secrets.set(name, Buffer.from(bytes));
  }

  /**
   * Runs `use` with copies of the secrets it asks for (`borrow`), all zeroed when it settles. A
   * secret the visit has not been given is an error naming it.
   */
  async lending<T>(use: (borrow: (name: SecretName) => Buffer) => Promise<T>): Promise<T> {
    const copies: Buffer[] = [];
    try {
      return await use((name) => {
        const value = this.#secrets.get(name);
        if (value === undefined) throw new Error(`the visit holds no ${name}`);
        const copy = Buffer.from(value);
        copies.push(copy);
        return copy;
      });
    } finally {
      for (const copy of copies) copy.fill(0);
    }
  }

  has(name: SecretName): boolean {
    return this.#secrets.has(name);
  }

  /** Zeroes and forgets everything. */
  wipe(): void {
    for (const value of this.#secrets.values()) value.fill(0);
    this.#secrets.clear();
  }
}
