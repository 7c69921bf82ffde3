import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { startTellerApi } from '../../src/teller/start.js';
import { FakeTellerDesk } from '../support/fakeTellerDesk.js';
import { expectError, json, runKiosk, type KioskRun } from '../support/kiosk.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// `kiosk teller add/disable/list` through the built CLI (issue 14 item 1): accounts in the state
// folder's tellers.sqlite, the password from a file and never printed or logged, names never
// reused; and a teller disabled from the command line is refused by a running teller API at once.

interface TellerDoc {
  name: string;
  created: string;
  disabled: string | null;
}

const password = 'correct horse battery';

describe('kiosk teller', () => {
  it('adds, lists and disables accounts in the state folder', () => {
    const home = tempDir('home-');
    const kiosk = (...args: string[]): KioskRun => runKiosk(args, home);
    expect(kiosk('teller', 'list').stdout).toBe('no teller accounts\n');
    expect(json<{ tellers: TellerDoc[] }>(kiosk('teller', 'list', '--json'))).toEqual({
      tellers: [],
    });

    const added = json<TellerDoc>(
      kiosk(
        'teller',
        'add',
        '--name',
        'kim-teller',
        '--password-file',
        inputFile(password),
        '--json',
      ),
    );
    expect(added).toMatchObject({ name: 'kim-teller', disabled: null });
    const text = kiosk(
      'teller',
      'add',
      '--name',
      '이순신',
      '--password-file',
      inputFile('거북선 열두 척이 남았습니다'),
    );
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toBe('teller 이순신 added\n');
    const database = join(home, 'var/state/tellers.sqlite');
    expect(statSync(database).mode & 0o777).toBe(0o600);

    const disabled = json<TellerDoc>(kiosk('teller', 'disable', 'kim-teller', '--json'));
    expect(disabled.disabled).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const list = json<{ tellers: TellerDoc[] }>(kiosk('teller', 'list', '--json'));
    expect(list.tellers.map((t) => [t.name, t.disabled === null])).toEqual([
      ['kim-teller', false],
      ['이순신', true],
    ]);
    expect(kiosk('teller', 'list').stdout).toMatch(
      /^kim-teller {2}created \S+ {2}disabled \S+\n이순신 {2}created \S+ {2}active\n$/,
    );

    // Neither the output nor the log holds the password or its hash.
    const log = readFileSync(join(home, 'var/log/kiosk.jsonl'), 'utf8');
    expect(log).toMatch(/teller account added/);
    expect(log).not.toContain(password);
    expect(log).not.toContain('$scrypt$');
    expect(JSON.stringify(list)).not.toContain('scrypt');
  });

  it('refuses a taken name (disabled too), a weak password, a bad name, a missing file', () => {
    const home = tempDir('home-');
    const kiosk = (...args: string[]): KioskRun => runKiosk(args, home);
    expect(
      kiosk('teller', 'add', '--name', 'kim', '--password-file', inputFile(password)).status,
    ).toBe(0);
    expectError(
      kiosk('teller', 'add', '--name', 'kim', '--password-file', inputFile('another good one')),
      'TELLER_EXISTS',
      /never reused/,
    );
    expect(kiosk('teller', 'disable', 'kim').stdout).toBe('teller kim disabled\n');
    expectError(kiosk('teller', 'disable', 'kim'), 'TELLER_NOT_FOUND');
    expectError(
      kiosk('teller', 'add', '--name', 'kim', '--password-file', inputFile(password)),
      'TELLER_EXISTS',
    );
    expectError(
      kiosk('teller', 'add', '--name', 'lee', '--password-file', inputFile('short')),
      'TELLER_PASSWORD_RULES',
      /at least 12 characters/,
    );
    expectError(
      kiosk('teller', 'add', '--name', 'lee', '--password-file', inputFile('lee lee lee lee lee')),
      'TELLER_PASSWORD_RULES',
      /name/,
    );
    expectError(
      kiosk('teller', 'add', '--name', 'a\u001b[2Jb', '--password-file', inputFile(password)),
      'CLI_USAGE',
    );
    expectError(
      kiosk('teller', 'add', '--name', 'x'.repeat(65), '--password-file', inputFile(password)),
      'CLI_USAGE',
    );
    expectError(
      kiosk('teller', 'add', '--name', 'lee', '--password-file', join(home, 'no-such-file')),
      'CLI_INPUT_FILE',
    );
    // Secrets never come from arguments.
    expectError(kiosk('teller', 'add', '--name', 'lee', '--password', password), 'CLI_USAGE');
    expect(json<{ tellers: TellerDoc[] }>(kiosk('teller', 'list', '--json')).tellers).toHaveLength(
      1,
    );
  });

  it('honours the configured state folder', () => {
    const home = tempDir('home-');
    const config = join(home, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ stateDir: 'elsewhere' }));
    const run = runKiosk(
      [
        '--config',
        config,
        'teller',
        'add',
        '--name',
        'kim',
        '--password-file',
        inputFile(password),
      ],
      home,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(statSync(join(home, 'elsewhere/tellers.sqlite')).isFile()).toBe(true);
  });

  it('a teller disabled from the command line is refused by the running API at the next request', async () => {
    const home = tempDir('home-');
    expect(
      runKiosk(['teller', 'add', '--name', 'kim', '--password-file', inputFile(password)], home)
        .status,
    ).toBe(0);
    const api = await startTellerApi({
      config: { ...defaultConfig().teller, listen: '127.0.0.1:0' },
      stateDir: 'var/state',
      home,
      desk: new FakeTellerDesk(),
    });
    try {
      const login = await fetch(`${api.url}/teller/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'kim', password }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const queue = (): Promise<Response> =>
        fetch(`${api.url}/teller/queue`, { headers: { authorization: `Bearer ${token}` } });
      expect((await queue()).status).toBe(200);
      expect(runKiosk(['teller', 'disable', 'kim'], home).status).toBe(0);
      const refused = await queue();
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'the account is disabled' });
    } finally {
      await api.close();
    }
  });
});
