import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, SecretExposedError } from '../../../src/shared/secret.js';

// The Secret wrapper (issue 14 item 2): bytes with no text form, lent out and zeroed.

const pin = '246813';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('Secret', () => {
  it('refuses JSON.stringify, alone and nested, naming no byte', () => {
    const secret = Secret.fromText(pin);
    expect(() => JSON.stringify(secret)).toThrow(SecretExposedError);
    expect(() => JSON.stringify({ visit: { pin: secret } })).toThrow(SecretExposedError);
    const error = thrown(() => JSON.stringify([secret]));
    expect(error).toMatchObject({ code: 'SECRET_EXPOSED', how: 'json' });
    expect((error as Error).message).not.toContain(pin);
  });

  it('refuses String(), template literals and concatenation', () => {
    const secret = Secret.fromText(pin);
    expect(() => String(secret)).toThrow(SecretExposedError);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-template-expression -- the template literal is what is tested
    expect(() => `${secret as unknown as string}`).toThrow(SecretExposedError);
    expect(() => 'x' + (secret as unknown as string)).toThrow(SecretExposedError);
  });

  it('shows [secret] to util.inspect (console.log, crash reports)', () => {
    const secret = Secret.fromText(pin);
    expect(inspect(secret)).toBe('[secret]');
    expect(inspect({ held: secret }, { depth: 5 })).toBe('{ held: [secret] }');
    expect(inspect({ held: secret }, { showHidden: true })).not.toContain(pin);
  });

  it('has nothing for spreads, Object.entries or structuredClone to copy', () => {
    const secret = Secret.fromText(pin);
    expect(Object.keys(secret)).toEqual([]);
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- what a careless copy would do
    expect({ ...secret }).toEqual({});
    expect(JSON.stringify(structuredClone(secret))).toBe('{}');
  });

  it('lends a copy zeroed when the work returns', () => {
    const secret = Secret.fromText(pin);
    let lent: Buffer | undefined;
    const text = secret.use((bytes) => {
      lent = bytes;
      return bytes.toString('utf8');
    });
    expect(text).toBe(pin);
    expect(lent?.every((b) => b === 0)).toBe(true);
    expect(secret.length).toBe(pin.length);
  });

  it('lends a copy zeroed when asynchronous work settles, not before; a wipe meanwhile spares it', async () => {
    const secret = Secret.fromText(pin);
    let lent: Buffer | undefined;
    let release: () => void = () => undefined;
    const work = secret.use(async (bytes) => {
      lent = bytes;
      await new Promise<void>((resolve) => (release = resolve));
      return bytes.toString('utf8');
    });
    secret.wipe();
    expect(lent?.toString('utf8')).toBe(pin);
    release();
    await expect(work).resolves.toBe(pin);
    expect(lent?.every((b) => b === 0)).toBe(true);
  });

  it('zeroes the copy when the work throws', () => {
    const secret = Secret.fromText(pin);
    let lent: Buffer | undefined;
    expect(() =>
      secret.use((bytes) => {
        lent = bytes;
        throw new Error('failed');
      }),
    ).toThrow('failed');
    expect(lent?.every((b) => b === 0)).toBe(true);
  });

  it('keeps a copy of what it is given, and after wipe lends nothing', () => {
    const given = Buffer.from(pin);
    const secret = new Secret(given);
    given.fill(0);
    expect(secret.use((b) => b.toString('utf8'))).toBe(pin);
    secret.wipe();
    secret.wipe();
    expect(secret.wiped).toBe(true);
    expect(secret.length).toBe(0);
    expect(() => secret.use((b) => b.length)).toThrow('wiped');
  });
});
