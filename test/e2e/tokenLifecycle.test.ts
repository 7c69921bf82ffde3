import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueArgs, register, startCa, type RunningCa } from '../support/caServer.js';
import { expectError, json, kioskMain, runKiosk, type KioskRun } from '../support/kiosk.js';
import { pkcs11Tool, softhsmModule, softhsmWorld } from '../support/softhsm.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// The rest of a token's life through the CLI (issue 4): kiosk token init on SoftHSM's blank
// slot, issue, check, renew, copy a folder pair onto a token, and the refusal to copy a token key
// off it. pkcs11-tool is the independent reader.
const world = softhsmWorld();
const holder = { name: '홍길동', idn: '9001011234568', password: 'Kiosk-pass-2026!' } as const;
const pin = '246813';
const soPin = '11335577';

/** Every run shares one kiosk home, so one log holds them all; outputs are kept for the check. */
const home = tempDir('home-');
const outputs: string[] = [];
const secrets: string[] = [pin, soPin, '999999', holder.password, holder.idn, '8501012234565'];
function kiosk(args: readonly string[]): KioskRun {
  const run = runKiosk(args, home);
  outputs.push(run.stdout, run.stderr);
  return run;
}

interface Issued {
  id: string;
  facts: { serial: string };
}

describe('tokens through the kiosk CLI against kiosk ca serve', () => {
  let ca: RunningCa;
  beforeAll(async () => {
    // Renewal tests widen the client's window to renew a fresh certificate; the CA keeps its
    // own window (issue 11 item 3), widened here alike.
    ca = await startCa('yessign', {}, { npki: { renewalWindowDays: 365 } });
  });
  const onToken = (label: string): string[] => [
    '--storage',
    `token:${label}`,
    '--pin-file',
    inputFile(pin),
    '--pkcs11-module',
    softhsmModule,
  ];
  const caArgs = (): string[] => ['--ca', ca.url, '--ca-cert', ca.chain];
  const init = (label: string, extra: string[] = []): KioskRun =>
    kiosk([
      'token',
      'init',
      '--label',
      label,
      '--so-pin-file',
      inputFile(soPin),
      '--pin-file',
      inputFile(pin),
      '--pkcs11-module',
      softhsmModule,
      '--json',
      ...extra,
    ]);
  const check = (label: string, extra: readonly string[] = []): KioskRun =>
    kiosk([
      'cert',
      'check',
      ...onToken(label),
      '--idn-file',
      inputFile(holder.idn),
      '--json',
      ...extra,
    ]);

  it('init, issue, check and renew on a token the kiosk initialised', () => {
    const label = `kiosk-init-${String(process.pid)}`;
    const initialised = json<{ token: { label: string; serial: string; initialized: boolean } }>(
      init(label),
    );
    expect(initialised.token).toMatchObject({ label, initialized: true });
    const tokens = json<{ tokens: { label: string; serial: string }[] }>(
      kiosk(['token', 'list', '--pkcs11-module', softhsmModule, '--json']),
    );
    expect(tokens.tokens).toContainEqual(
      expect.objectContaining({ label, serial: initialised.token.serial }),
    );
    // The user PIN can be changed (and back) with the old one; a wrong old one is refused.
    const changePin = (from: string, to: string): KioskRun =>
      kiosk([
        'token',
        'change-pin',
        '--label',
        label,
        '--pin-file',
        inputFile(from),
        '--new-pin-file',
        inputFile(to),
        '--pkcs11-module',
        softhsmModule,
      ]);
    expectError(changePin('000000', '999999'), 'TOKEN_WRONG_PIN');
    expect(changePin(pin, '999999').status).toBe(0);
    expectError(changePin(pin, '999999'), 'TOKEN_WRONG_PIN');
    expect(changePin('999999', pin).status).toBe(0);
    // Wiping a used token needs --yes, whatever else is given.
    expectError(
      init(label, ['--serial', initialised.token.serial]),
      'CLI_USAGE',
      /erases it: add --yes/,
    );

    const { ref, authCode } = register(ca, holder.name, holder.idn);
    secrets.push(authCode);
    const issued = json<Issued>(
      kiosk([
        ...issueArgs(ca, ref, authCode),
        ...onToken(label),
        '--idn-file',
        inputFile(holder.idn),
        '--json',
      ]),
    );
    expect(json(check(label))).toMatchObject({
      serial: issued.facts.serial,
      passwordOk: true,
      keyMatchesCert: true,
      vidOk: true,
      id: issued.id,
    });
    // Another person's IDN: the report says so and the exit status too.
    const otherIdn = kiosk([
      'cert',
      'check',
      ...onToken(label),
      '--idn-file',
      inputFile('8501012234565'),
    ]);
    expectError(otherIdn, 'NPKI_VID_MISMATCH');

    const wideWindow = join(tempDir('conf-'), 'kiosk.yaml');
    writeFileSync(wideWindow, 'npki:\n  renewalWindowDays: 365\n');
    const renewed = json<Issued>(
      kiosk(['--config', wideWindow, 'cert', 'renew', ...caArgs(), ...onToken(label), '--json']),
    );
    expect(renewed.facts.serial).not.toBe(issued.facts.serial);
    expect(renewed.id).not.toBe(issued.id);
    // With the CA's certificates the check asks its OCSP responder too (issue 11 item 10): the
    // renewal is good, and it superseded the first certificate.
    expect(json(check(label, ['--ca-cert', ca.chain]))).toMatchObject({
      serial: renewed.facts.serial,
      keyMatchesCert: true,
      vidOk: true,
      revocation: { status: 'good' },
    });
    // Only the renewed pair is left, born on the token.
    const objects = pkcs11Tool(label, pin, ['--list-objects']).out;
    expect(objects.match(/Private Key Object/g)).toHaveLength(1);
    expect(objects.match(/Certificate Object/g)).toHaveLength(1);
    expect(objects).toContain(`R4VID=${renewed.id}`);
    expect(objects).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
  });

  it('copies a folder pair onto a token (imported sensitive, not extractable); never off a token', () => {
    const label = `kiosk-copy-${String(process.pid)}`;
    json(init(label));
    const medium = tempDir('medium-');
    const { ref, authCode } = register(ca, holder.name, holder.idn);
    secrets.push(authCode);
    json(
      kiosk([
        ...issueArgs(ca, ref, authCode),
        '--password-file',
        inputFile(holder.password),
        '--storage',
        `dir:${medium}`,
        '--idn-file',
        inputFile(holder.idn),
        '--json',
      ]),
    );
    const copy = (from: string, to: string, extra: string[] = []): KioskRun =>
      kiosk([
        'cert',
        'copy',
        '--from',
        from,
        '--to',
        to,
        '--password-file',
        inputFile(holder.password),
        '--pin-file',
        inputFile(pin),
        '--pkcs11-module',
        softhsmModule,
        '--json',
        ...extra,
      ]);
    const copied = json<{ id: string; facts: { serial: string } }>(
      copy(`dir:${medium}`, `token:${label}`),
    );
    expect(json(check(label))).toMatchObject({
      serial: copied.facts.serial,
      keyMatchesCert: true,
      vidOk: true,
    });
    const objects = pkcs11Tool(label, pin, ['--list-objects']).out;
    // Imported: sensitive and not extractable from now on, but not local or always sensitive.
    expect(objects).toMatch(/Private Key Object; RSA[\s\S]*?Access:\s+sensitive\n/);
    expect(objects).not.toMatch(/Access:[^\n]*\bextractable/);
    expect(objects).toContain(`R4VID=${copied.id}`);
    expectError(copy(`dir:${medium}`, `token:${label}`), 'NPKI_EXISTS');

    // A key on a token never leaves it: refused before the token is touched, nothing written.
    const out = tempDir('out-');
    expectError(
      copy(`token:${label}`, `dir:${out}`),
      'TOKEN_KEY_NOT_EXPORTABLE',
      /never leaves the token/,
    );
    expect(existsSync(join(out, 'NPKI'))).toBe(false);
  });

  it('finds the module through the token catalogue when none is named', () => {
    const { label } = world.newToken(pin);
    const configWith = (labelPattern: string): string => {
      const dir = tempDir('catalogue-');
      writeFileSync(
        join(dir, 'tokens.json'),
        JSON.stringify({
          modules: [
            {
              name: 'Test SoftHSM',
              module: softhsmModule,
              manufacturer: '^SoftHSM',
              label: labelPattern,
            },
          ],
        }),
      );
      writeFileSync(join(dir, 'kiosk.yaml'), `pkcs11:\n  catalogue: ${join(dir, 'tokens.json')}\n`);
      return join(dir, 'kiosk.yaml');
    };
    const list = (config: string): KioskRun =>
      kiosk(['--config', config, 'cert', 'list', '--storage', `token:${label}`, '--json']);
    expect(json<{ certificates: unknown[] }>(list(configWith('^kiosk-'))).certificates).toEqual([]);
    const tokens = json<{ tokens: { label: string; catalogueName?: string; module: string }[] }>(
      kiosk(['--config', configWith('^kiosk-'), 'token', 'list', '--json']),
    );
    expect(tokens.tokens).toContainEqual(
      expect.objectContaining({ label, catalogueName: 'Test SoftHSM', module: softhsmModule }),
    );
    // An entry that does not claim the token: no module serves it.
    expectError(list(configWith('^bank-')), 'TOKEN_NOT_FOUND', new RegExp(label));
  });

  it('kiosk token watch reports the token present, and stops cleanly on SIGTERM', async () => {
    const { label } = world.newToken(pin);
    const child = spawn(
      process.execPath,
      [kioskMain, 'token', 'watch', '--pkcs11-module', softhsmModule, '--json'],
      { env: { ...process.env, KIOSK_HOME: tempDir('home-') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const events: { type: string; token: { label: string }; module: string }[] = [];
      for await (const line of lines) {
        events.push(JSON.parse(line) as (typeof events)[number]);
        if (events.some((e) => e.token.label === label)) break;
      }
      const ours = events.find((e) => e.token.label === label);
      expect(ours).toMatchObject({ type: 'present', module: softhsmModule });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('no PIN, SO PIN, password, authorization code or IDN reaches the output or the log', () => {
    const log = readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8');
    expect(log).toContain('token PIN changed');
    expect(log).toContain('certificate renewed');
    const everything = [log, ...outputs].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
