import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TokenDriver } from '../../../drivers/pkcs11/contract.js';
import { FakeTokenDriver } from '../../../drivers/pkcs11/fake.js';
import { TokenModuleError, TokenNotFoundError } from '../../../src/errors/index.js';
import { parseCatalogue } from '../../../src/tokens/catalogue.js';
import {
  driverForToken,
  listAllTokens,
  moduleSource,
} from '../../../src/tokens/moduleResolution.js';

// Which module serves a token (DESIGN §3.3), with fake modules: each path is a FakeTokenDriver
// holding its own tokens, or a library that cannot be loaded.
const catalogue = parseCatalogue(
  JSON.stringify({
    modules: [
      { name: 'Broken vendor', module: '/lib/broken.so' },
      { name: 'Vendor A', module: '/lib/a.so', manufacturer: '^Vendor A' },
      { name: 'Vendor B', module: '/lib/b.so', label: '^bank-' },
    ],
  }),
  'test catalogue',
);

function modules(): { open: (module: string) => TokenDriver; opened: string[]; closed: string[] } {
  const opened: string[] = [];
  const closed: string[] = [];
  const tokens: Record<string, { label: string; manufacturer: string }[]> = {
    '/lib/a.so': [
      { label: 'alice', manufacturer: 'Vendor A Inc.' },
      { label: 'bank-carol', manufacturer: 'Someone else' },
    ],
    '/lib/b.so': [
      { label: 'bank-bob', manufacturer: 'Vendor B' },
      { label: 'dave', manufacturer: 'Vendor B' },
    ],
  };
  return {
    opened,
    closed,
    open(module) {
      const held = tokens[module];
      if (held === undefined) throw new TokenModuleError(module);
      opened.push(module);
      const driver = new FakeTokenDriver();
      for (const t of held)
        driver.addToken({ ...t, serial: randomBytes(4).toString('hex'), pin: '1234' });
      const close = driver.close.bind(driver);
      driver.close = () => {
        closed.push(module);
        return close();
      };
      return driver;
    },
  };
}

const source = moduleSource(undefined, undefined, catalogue, () => true);

describe('finding the module that serves a token', () => {
  it('an explicit or configured module wins, in that order, without looking further', async () => {
    expect(moduleSource('/x.so', '/y.so', catalogue)).toEqual({ kind: 'fixed', module: '/x.so' });
    expect(moduleSource(undefined, '/y.so', catalogue)).toEqual({ kind: 'fixed', module: '/y.so' });
    const m = modules();
    await driverForToken('anything', { kind: 'fixed', module: '/lib/b.so' }, m.open);
    expect(m.opened).toEqual(['/lib/b.so']);
  });

  it('skips a module that cannot load and picks the first whose entry claims the token', async () => {
    const m = modules();
    const driver = await driverForToken('bank-bob', source, m.open);
    expect((await driver.listTokens()).map((t) => t.label)).toContain('bank-bob');
    // a.so was tried and closed: it has no bank-bob.
    expect(m.opened).toEqual(['/lib/a.so', '/lib/b.so']);
    expect(m.closed).toEqual(['/lib/a.so']);
  });

  it('a token its module reports but no entry claims is not found', async () => {
    // bank-carol is on a.so, whose entry claims only Vendor A tokens.
    const error = await driverForToken('bank-carol', source, modules().open).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenNotFoundError);
    expect((error as Error).message).toContain('/lib/a.so, /lib/b.so');
  });

  it('lists every claimed token with its module and entry name', async () => {
    const m = modules();
    const found = await listAllTokens(source, m.open);
    expect(found.map((t) => [t.label, t.catalogueName])).toEqual([
      ['alice', 'Vendor A'],
      ['bank-bob', 'Vendor B'],
    ]);
    expect(m.closed.sort()).toEqual(['/lib/a.so', '/lib/b.so']);
  });

  it('only modules present on this machine are candidates', () => {
    const present = moduleSource(undefined, undefined, catalogue, (p) => p === '/lib/b.so');
    expect(present).toMatchObject({ kind: 'catalogue', modules: ['/lib/b.so'] });
  });
});
