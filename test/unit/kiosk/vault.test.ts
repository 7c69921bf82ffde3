import { describe, expect, it } from 'vitest';
import { Vault } from '../../../src/kiosk/vault.js';

// The vault keeps copies, lends copies, and zeroes everything it holds on a wipe; a wipe while an
// operation runs cannot change the bytes that operation borrowed.

describe('Vault', () => {
  it('keeps a copy: the caller may zero what it gave', async () => {
    const vault = new Vault();
    const given = Buffer.from('Kiosk!2345');
    vault.put('newSecret', given);
    given.fill(0);
    expect(await vault.lending((borrow) => Promise.resolve(borrow('newSecret').toString()))).toBe(
      'Kiosk!2345',
    );
  });

  it('a wipe during an operation zeroes the vault, not the borrowed bytes; those go after', async () => {
    const vault = new Vault();
    vault.put('newSecret', Buffer.from('Kiosk!2345'));
    let borrowed: Buffer | undefined;
    let release: (() => void) | undefined;
    const running = vault.lending(async (borrow) => {
      borrowed = borrow('newSecret');
      await new Promise<void>((r) => (release = r));
      return borrowed.toString();
    });
    await new Promise((r) => setImmediate(r));
    vault.wipe();
    expect(vault.has('newSecret')).toBe(false);
    release?.();
    expect(await running).toBe('Kiosk!2345');
    expect(borrowed?.every((b) => b === 0)).toBe(true);
  });

  it('names a secret it was not given', async () => {
    await expect(vault().lending((borrow) => Promise.resolve(borrow('authCode')))).rejects.toThrow(
      'the visit holds no authCode',
    );
  });
});

const vault = () => new Vault();
