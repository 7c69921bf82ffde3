import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { TellerAccounts } from '../../../src/teller/accounts.js';
import { tellerDatabaseFile } from '../../../src/teller/accountStore.js';
import {
  TellerExistsError,
  TellerNotFoundError,
  TellerPasswordRulesError,
} from '../../../src/teller/errors.js';
import { hashParams } from '../../../src/teller/passwordHash.js';
import { tellerName } from '../../../src/teller/names.js';
import { tempDir } from '../../support/tempDir.js';
import { cheapScrypt } from './tellerApiWorld.js';

const created = new Date('2026-03-02T00:00:00Z');
const pw = (text: string): Buffer => Buffer.from(text, 'utf8');

let open: TellerAccounts[] = [];
afterEach(() => {
  for (const accounts of open) accounts.close();
  open = [];
});
function accountsIn(dir: string, params = cheapScrypt): TellerAccounts {
  const accounts = TellerAccounts.inStateDir(dir, params);
  open.push(accounts);
  return accounts;
}

describe('teller accounts', () => {
  it('adds, lists and disables; the database is owner-only in the state folder', async () => {
    const dir = join(tempDir('state-'), 'state');
    const accounts = accountsIn(dir);
    expect(await accounts.add('kim-teller', pw('correct horse battery'), created)).toEqual({
      name: 'kim-teller',
      created: '2026-03-02T00:00:00.000Z',
      disabled: null,
    });
    await accounts.add(
      '이순신',
      pw('거북선 열두 척이 남았습니다'),
      new Date(created.getTime() + 1),
    );
    expect(statSync(join(dir, tellerDatabaseFile)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(accounts.disable('kim-teller', new Date('2026-03-03T00:00:00Z'))).toMatchObject({
      disabled: '2026-03-03T00:00:00.000Z',
    });
    expect(accounts.list().map((a) => [a.name, a.disabled])).toEqual([
      ['kim-teller', '2026-03-03T00:00:00.000Z'],
      ['이순신', null],
    ]);
    expect(accounts.isActive('kim-teller')).toBe(false);
    expect(accounts.isActive('이순신')).toBe(true);
    expect(accounts.isActive('nobody')).toBe(false);
    // Another process (the CLI) sees the same accounts.
    const again = accountsIn(dir);
    expect(again.list()).toEqual(accounts.list());
  });

  it('names are never reused, not even a disabled account’s', async () => {
    const accounts = accountsIn(tempDir('state-'));
    await accounts.add('kim-teller', pw('correct horse battery'), created);
    await expect(accounts.add('kim-teller', pw('another good password'), created)).rejects.toThrow(
      TellerExistsError,
    );
    accounts.disable('kim-teller', created);
    await expect(accounts.add('kim-teller', pw('another good password'), created)).rejects.toThrow(
      TellerExistsError,
    );
    expect(() => accounts.disable('kim-teller', created)).toThrow(TellerNotFoundError);
    expect(() => accounts.disable('nobody', created)).toThrow(TellerNotFoundError);
  });

  it('refuses a password that breaks the policy, naming each rule', async () => {
    const accounts = accountsIn(tempDir('state-'));
    const error = await accounts
      .add('kim-teller', pw('short\n2nd'), created)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TellerPasswordRulesError);
    expect((error as TellerPasswordRulesError).code).toBe('TELLER_PASSWORD_RULES');
    expect((error as Error).message).toMatch(/12 characters/);
    expect((error as Error).message).toMatch(/control/);
    expect(accounts.list()).toEqual([]);
  });

  it('what a name may be: printable, bounded, NFC and trimmed', () => {
    expect(tellerName('  kim  ')).toBe('kim');
    expect(tellerName('이순신'.normalize('NFD'))).toBe('이순신');
    for (const bad of [
      '',
      '   ',
      'a'.repeat(65),
      'x'.repeat(1_000_000),
      'kim\nteller',
      'kim\u001b[31m',
      'kim\u202e',
      'kim\u200b',
      '\ud800kim',
      42,
      null,
      { toString: () => 'kim' },
    ])
      expect(tellerName(bad)).toBeUndefined();
    expect(tellerName('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('authenticates: right password in; wrong, unknown, disabled out (the why only for the log)', async () => {
    const accounts = accountsIn(tempDir('state-'));
    await accounts.add('kim-teller', pw('correct horse battery'), created);
    await accounts.add('lee-teller', pw('another good password'), created);
    accounts.disable('lee-teller', created);
    expect(await accounts.authenticate('kim-teller', pw('correct horse battery'))).toEqual({
      ok: true,
      name: 'kim-teller',
    });
    expect(await accounts.authenticate('kim-teller', pw('correct horse batterY'))).toEqual({
      ok: false,
      why: 'wrongPassword',
    });
    expect(await accounts.authenticate('nobody', pw('correct horse battery'))).toEqual({
      ok: false,
      why: 'unknown',
    });
    expect(await accounts.authenticate('lee-teller', pw('another good password'))).toEqual({
      ok: false,
      why: 'disabled',
    });
    expect(await accounts.authenticate('x'.repeat(1_000_000), pw('anything'))).toEqual({
      ok: false,
      why: 'unknown',
    });
    expect(await accounts.authenticate('kim-teller', Buffer.from([0xff, 0xfe]))).toEqual({
      ok: false,
      why: 'wrongPassword',
    });
  });

  it('zeroes the password it was given', async () => {
    const accounts = accountsIn(tempDir('state-'));
    await accounts.add('kim-teller', pw('correct horse battery'), created);
    const given = pw('correct horse battery');
    await accounts.authenticate('kim-teller', given);
    expect(given.every((b) => b === 0)).toBe(true);
  });

  it('an unknown name costs a scrypt as a real one does (no timing tell)', async () => {
    const accounts = accountsIn(tempDir('state-'), { ln: 14, r: 8, p: 1 });
    await accounts.add('kim-teller', pw('correct horse battery'), created);
    await accounts.ready();
    const once = async (name: string): Promise<number> => {
      const start = performance.now();
      await accounts.authenticate(name, pw('wrong password guess'));
      return performance.now() - start;
    };
    await once('kim-teller'); // warm-up
    const knownRuns: number[] = [];
    const unknownRuns: number[] = [];
    // Interleaved, so that a busy moment of the machine falls on both.
    for (let i = 0; i < 7; i++) {
      knownRuns.push(await once('kim-teller'));
      unknownRuns.push(await once('nobody-at-all'));
    }
    const median = (runs: number[]): number => runs.sort((a, b) => a - b)[3] ?? 0;
    const known = median(knownRuns);
    const unknown = median(unknownRuns);
    // ln=14 costs tens of milliseconds; a skipped scrypt would cost well under one.
    expect(unknown).toBeGreaterThan(known * 0.5);
    expect(unknown).toBeLessThan(known * 2);
  });

  it('re-makes a hash made with other parameters at the next successful login', async () => {
    const dir = tempDir('state-');
    const old = accountsIn(dir, cheapScrypt);
    await old.add('kim-teller', pw('correct horse battery'), created);
    const stronger = { ln: 11, r: 8, p: 1 };
    const now = accountsIn(dir, stronger);
    const before = now.list();
    expect(await now.authenticate('kim-teller', pw('wrong password guess'))).toMatchObject({
      ok: false,
    });
    expect(await now.authenticate('kim-teller', pw('correct horse battery'))).toMatchObject({
      ok: true,
    });
    expect(now.list()).toEqual(before);
    // Read back through a third handle: the stored hash names the new parameters.
    const store = accountsIn(dir, stronger);
    expect(await store.authenticate('kim-teller', pw('correct horse battery'))).toMatchObject({
      ok: true,
    });
    const { TellerAccountStore } = await import('../../../src/teller/accountStore.js');
    const raw = new TellerAccountStore(join(dir, tellerDatabaseFile));
    try {
      expect(hashParams(raw.get('kim-teller')?.passwordHash ?? '')).toEqual(stronger);
    } finally {
      raw.close();
    }
  });
});
