import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueArgs, type RunningCa } from '../support/caServer.js';
import { expectError, json, runKiosk, type KioskRun } from '../support/kiosk.js';
import { startKiosk, type KioskProcess } from '../support/kioskProcess.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// Issue 13 item 3, end to end through the built CLI: the CA operator issues a branch its RA
// client certificate (`ca ra add`), `ca serve --ra-listen` serves the RA endpoint, the branch
// registers with `ca register --url` (printing what the local `--dir` form prints), and the
// reference works for `cert issue`; once revoked (`ca ra revoke`) the branch is refused.

const holder = { name: '홍길동', idn: '9001011234568', password: 'Kiosk-pass-2026!' } as const;

interface RaClientDoc {
  name: string;
  serial: string;
  issued: string;
  notAfter: string;
  revoked: string | null;
}

describe('kiosk ca ra and ca register --url', () => {
  const home = tempDir('ca-home-');
  const dir = join(tempDir('ca-'), 'ca');
  const out = tempDir('ra-');
  const raCert = join(out, 'gangnam.pem');
  const raKey = join(out, 'gangnam.key');
  const chain = join(out, 'chain.pem');
  let serve: KioskProcess;
  let cmp: string;
  let url: string;
  const kiosk = (...args: string[]): KioskRun => runKiosk(args, home);
  const registerArgs = (extra: string[] = []): string[] => [
    'ca',
    'register',
    '--url',
    url,
    '--ra-cert',
    raCert,
    '--ra-key',
    raKey,
    '--name',
    holder.name,
    '--idn-file',
    inputFile(holder.idn),
    '--approved-by',
    'teller-07',
    '--evidence',
    'chipVerified',
    ...extra,
  ];

  beforeAll(async () => {
    expect(kiosk('ca', 'init', '--dir', dir).status).toBe(0);
    expect(kiosk('ca', 'export', '--dir', dir, '--out', chain).status).toBe(0);
    const config = join(home, 'ca-config.json');
    writeFileSync(config, JSON.stringify({ ca: { raListen: '127.0.0.1:0' } }));
    serve = await startKiosk(
      ['--config', config, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'],
      /listening on http:\/\/([\d.]+:\d+)\/pkix\/\nRA listening on (https:\/\/127\.0\.0\.1:\d+\/)/,
      home,
    );
    cmp = serve.ready[1] ?? '';
    url = serve.ready[2] ?? '';
  }, 60_000);
  afterAll(async () => serve.stop());

  it('ca ra add writes the certificate with its chain and an owner-only key, once per name', () => {
    const add = kiosk(
      ...['ca', 'ra', 'add', '--dir', dir, '--name', 'Gangnam'],
      ...['--out-cert', raCert, '--out-key', raKey, '--json'],
    );
    const doc = json<RaClientDoc & { cert: string; key: string }>(add);
    expect(doc).toMatchObject({ name: 'Gangnam', revoked: null, cert: raCert, key: raKey });
    expect(statSync(raKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(raKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(raCert, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(3);

    const again = kiosk(
      ...['ca', 'ra', 'add', '--dir', dir, '--name', 'Gangnam'],
      ...['--out-cert', join(out, 'b.pem'), '--out-key', join(out, 'b.key')],
    );
    expectError(again, 'RA_NAME_IN_USE', /Gangnam is already active/);
    expectError(
      kiosk(
        ...['ca', 'ra', 'add', '--dir', dir, '--name', 'a\u0007b'],
        '--out-cert',
        'x',
        '--out-key',
        'y',
      ),
      'CLI_USAGE',
    );
    const list = json<{ raClients: RaClientDoc[] }>(
      kiosk('ca', 'ra', 'list', '--dir', dir, '--json'),
    );
    const { name, serial, issued, notAfter } = doc;
    expect(list.raClients).toEqual([{ name, serial, issued, notAfter, revoked: null }]);
  });

  it('ca register --url prints what ca register --dir prints, text and JSON', () => {
    const local = kiosk(
      ...['ca', 'register', '--dir', dir, '--name', holder.name],
      ...['--idn-file', inputFile(holder.idn)],
    );
    const remote = kiosk(...registerArgs());
    expect(remote.status, remote.stderr).toBe(0);
    const lines = /^reference number: \d{8}\nauthorization code: [A-Z0-9-]{19}\nexpires: \S+Z\n$/;
    expect(local.stdout).toMatch(lines);
    expect(remote.stdout).toMatch(lines);
    const localJson = json<Record<string, string>>(
      kiosk(
        ...['ca', 'register', '--dir', dir, '--name', holder.name, '--json'],
        '--idn-file',
        inputFile(holder.idn),
      ),
    );
    const remoteJson = json<Record<string, string>>(kiosk(...registerArgs(['--json'])));
    expect(Object.keys(remoteJson)).toEqual(Object.keys(localJson));
    // The CA chain from `kiosk ca export` instead of the one in the RA certificate file.
    expect(kiosk(...registerArgs(['--ca-cert', chain])).status).toBe(0);
  });

  it('the reference registered over the RA endpoint issues a certificate', () => {
    const { ref, authCode } = json<{ ref: string; authCode: string }>(
      kiosk(...registerArgs(['--json'])),
    );
    const ca = { url: `http://${cmp}/pkix/`, chain } as RunningCa;
    const medium = tempDir('medium-');
    const issue = runKiosk(
      [
        ...issueArgs(ca, ref, authCode),
        ...['--password-file', inputFile(holder.password), '--storage', `dir:${medium}`],
        ...['--idn-file', inputFile(holder.idn), '--json'],
      ],
      home,
    );
    expect(issue.status, issue.stderr).toBe(0);
  });

  it('refuses a wrong command line before it sends anything', () => {
    expectError(kiosk(...registerArgs(), '--dir', dir), 'CLI_USAGE', /exactly one of --dir/);
    const noTeller = registerArgs().filter((a) => a !== '--approved-by' && a !== 'teller-07');
    expectError(kiosk(...noTeller), 'CLI_USAGE', /--approved-by/);
    expectError(kiosk(...registerArgs(['--evidence', 'hearsay'])), 'CLI_USAGE', /--evidence/);
    expectError(kiosk(...registerArgs(['--name', 'Hong, Gildong'])), 'CLI_USAGE', /--name/);
    const http = registerArgs().map((a) => (a === url ? url.replace('https', 'http') : a));
    expectError(kiosk(...http), 'RA_TRANSPORT', /https/);
  });

  it('after ca ra revoke, ca register --url is refused: RA_UNAUTHORIZED', () => {
    const revoke = kiosk('ca', 'ra', 'revoke', '--dir', dir, '--name', 'Gangnam', '--json');
    expect(json<RaClientDoc>(revoke).revoked).not.toBeNull();
    expectError(kiosk(...registerArgs()), 'RA_UNAUTHORIZED', /refused this RA certificate/);
    expectError(kiosk('ca', 'ra', 'revoke', '--dir', dir, '--name', 'Gangnam'), 'RA_NOT_FOUND');
    const list = kiosk('ca', 'ra', 'list', '--dir', dir);
    expect(list.stdout).toMatch(/^Gangnam {2}serial [0-9a-f]+ .* revoked \S+Z\n$/);
    // Neither the CLI's log nor the CA's holds the IDN.
    expect(readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8')).not.toContain(holder.idn);
  });
});
