import { describe, expect, it } from 'vitest';
import {
  defaultScryptParams,
  hashParams,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../../src/teller/passwordHash.js';
import { cheapScrypt } from './tellerApiWorld.js';

const password = Buffer.from('correct horse battery');

describe('teller password hashes (scrypt, PHC strings)', () => {
  it('the defaults are N = 2^15, r = 8, p = 3, stored with the hash', async () => {
    expect(defaultScryptParams).toEqual({ ln: 15, r: 8, p: 3 });
    const stored = await hashPassword(password);
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hashParams(stored)).toEqual(defaultScryptParams);
    expect(await verifyPassword(password, stored)).toBe(true);
  });

  it('verifies the password it was made from and no other; salts differ', async () => {
    const one = await hashPassword(password, cheapScrypt);
    const two = await hashPassword(password, cheapScrypt);
    expect(one).not.toBe(two);
    expect(await verifyPassword(password, one)).toBe(true);
    expect(await verifyPassword(password, two)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horse batterz'), one)).toBe(false);
    expect(await verifyPassword(Buffer.alloc(0), one)).toBe(false);
  });

  it('stored values that are not ours, or ask for too much, verify nothing', async () => {
    const stored = await hashPassword(password, cheapScrypt);
    const [, , , salt, key] = stored.split('$');
    for (const bad of [
      '',
      'plaintext',
      stored.replace('ln=10', 'ln=25'),
      stored.replace('ln=10', 'ln=9'),
      stored.replace('r=8', 'r=99'),
      stored.replace('p=1', 'p=0'),
      `$scrypt$ln=20,r=32,p=1$${salt ?? ''}$${key ?? ''}`,
      `${stored}x`,
      `$argon2id$v=19$m=65536,t=3,p=4$${salt ?? ''}$${key ?? ''}`,
      'x'.repeat(1_000_000),
    ]) {
      expect(await verifyPassword(password, bad)).toBe(false);
      expect(needsRehash(bad)).toBe(true);
    }
  });

  it('a hash made with other parameters needs re-making; one with the current ones does not', async () => {
    const cheap = await hashPassword(password, cheapScrypt);
    expect(needsRehash(cheap)).toBe(true);
    expect(needsRehash(cheap, cheapScrypt)).toBe(false);
  });

  it('refuses to make a hash with parameters out of bounds', async () => {
    await expect(hashPassword(password, { ln: 30, r: 8, p: 1 })).rejects.toThrow(RangeError);
    await expect(hashPassword(password, { ln: 15, r: 8, p: 0.5 })).rejects.toThrow(RangeError);
  });
});
