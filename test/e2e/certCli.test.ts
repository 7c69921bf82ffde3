import { copyFileSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runKiosk, type KioskRun } from '../support/kiosk.js';
import { inputFile, tempDir } from '../support/tempDir.js';
import { yessignFixture, yessignR } from '../support/fixtures.js';
import { sampleHolder, writeSampleNpki, type SampleNpki } from '../support/npkiSample.js';

const yessignDn =
  'cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr';

/** An NPKI root holding the yessign fixture pair, with the key file replaced when given. */
function yessignRoot(keyFile?: Uint8Array): string {
  const root = tempDir('npki-root-');
  const dir = join(root, 'NPKI', 'yessign', 'USER', yessignDn);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(yessignFixture, 'signCert.der'), join(dir, 'signCert.der'));
  if (keyFile === undefined)
    copyFileSync(join(yessignFixture, 'signPri.key'), join(dir, 'signPri.key'));
  else writeFileSync(join(dir, 'signPri.key'), keyFile);
  return root;
}

const passwordFile = join(yessignFixture, 'password.txt');
const password = readFileSync(passwordFile, 'utf8');

/** `kiosk cert check --json` on a root with a password file, plus any other arguments. */
function certCheck(
  root: string,
  passwordPath: string,
  extra: string[] = [],
  home?: string,
): KioskRun {
  const args = [
    'cert',
    'check',
    '--storage',
    `dir:${root}`,
    '--password-file',
    passwordPath,
    '--json',
    ...extra,
  ];
  return home === undefined ? runKiosk(args) : runKiosk(args, home);
}

/** The error contract of DESIGN §11: one line `kiosk: CODE: message`, no stack trace. */
function expectError(run: KioskRun, status: number, code: string): void {
  expect(run.status).toBe(status);
  expect(run.stderr).toMatch(new RegExp(`^kiosk: ${code}: [^\\n]+\\n$`));
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('kiosk cert list', () => {
  it('shows the yessign fixture as yessign, bank/insurance, expired (JSON)', () => {
    const run = runKiosk(['cert', 'list', '--storage', `dir:${yessignRoot()}`, '--json']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      certificates: { ok: boolean; hasKey: boolean; facts: Record<string, unknown> }[];
    };
    expect(doc.certificates).toHaveLength(1);
    expect(doc.certificates[0]).toMatchObject({
      ok: true,
      hasKey: true,
      facts: {
        ca: 'yessign',
        serial: '459c75',
        validity: 'expired',
        policy: {
          usage: 'restricted',
          sector: 'bankInsurance',
          label: { en: 'Restricted: bank/insurance' },
        },
      },
    });
  });

  it('says the same in words, Korean by default and English by configuration', () => {
    const root = yessignRoot();
    const ko = runKiosk(['cert', 'list', '--storage', `dir:${root}`]);
    expect(ko.status).toBe(0);
    expect(ko.stdout).toContain('yessign');
    expect(ko.stdout).toContain('은행·보험용');
    expect(ko.stdout).toContain('만료됨 (2020-03-25)');
    const config = join(tempDir('config-'), 'kiosk.yaml');
    writeFileSync(config, 'language: en\n');
    const en = runKiosk(['--config', config, 'cert', 'list', '--storage', `dir:${root}`]);
    expect(en.stdout).toContain('Restricted: bank/insurance');
    expect(en.stdout).toContain('Expired (2020-03-25)');
  });

  it('lists a damaged certificate with its error without hiding the others', () => {
    const root = yessignRoot();
    const broken = join(root, 'NPKI', 'KICA', 'USER', 'cn=broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'signCert.der'), Buffer.from('3082', 'hex'));
    const run = runKiosk(['cert', 'list', '--storage', `dir:${root}`, '--json']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      certificates: { ok: boolean; caFolder: string; error?: { code: string } }[];
    };
    expect(doc.certificates.map((c) => [c.caFolder, c.ok, c.error?.code])).toEqual([
      ['KICA', false, 'NPKI_TRUNCATED'],
      ['yessign', true, undefined],
    ]);
  });

  it('an empty medium lists nothing', () => {
    const run = runKiosk(['cert', 'list', '--storage', `dir:${tempDir('empty-')}`, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ certificates: [] });
  });
});

describe('kiosk cert check on the yessign fixture', () => {
  it('the password opens the key and the key matches the certificate', () => {
    const run = certCheck(yessignRoot(), passwordFile);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      serial: '459c75',
      passwordOk: true,
      keyMatchesCert: true,
      vidOk: null,
      keyFormat: 'seedCbcWithSha1',
      iterations: 2048,
      hasRandomNum: true,
    });
  });

  it('a wrong password: passwordOk false, NPKI_WRONG_PASSWORD, exit 1', () => {
    const run = certCheck(yessignRoot(), inputFile('WrongPassword1!'));
    expectError(run, 1, 'NPKI_WRONG_PASSWORD');
    expect(JSON.parse(run.stdout)).toMatchObject({ passwordOk: false, keyMatchesCert: null });
  });

  const key = readFileSync(join(yessignFixture, 'signPri.key'));
  const unknownOid = Buffer.from(key);
  unknownOid[15] = 0x10; // 1.2.410.200004.1.15 → 1.2.410.200004.1.16

  it.each([
    [
      'a truncated key file',
      key.subarray(0, key.length - 100),
      'NPKI_TRUNCATED',
      /private key file is truncated: 1200 of 1300 bytes/,
    ],
    ['an unknown algorithm', unknownOid, 'NPKI_UNSUPPORTED_ALGORITHM', /1\.2\.410\.200004\.1\.16/],
    [
      'garbage',
      Buffer.from('PK\u0003\u0004 this is a zip file, not a key'),
      'NPKI_MALFORMED',
      /SEQUENCE/,
    ],
    ['an empty file', Buffer.alloc(0), 'NPKI_TRUNCATED', /0 of 2 bytes/],
  ])('%s gives its own typed error', (_what, bytes, code, detail) => {
    const run = certCheck(yessignRoot(bytes), passwordFile);
    expectError(run, 1, code);
    expect(run.stderr).toMatch(detail);
    expect(run.stdout).toBe('');
  });
});

describe('kiosk cert check with a VID', () => {
  let sample: SampleNpki;
  beforeAll(async () => {
    sample = await writeSampleNpki(tempDir('npki-sample-'));
  });

  it('the VID matches the holder’s IDN (with or without the dash)', () => {
    for (const idn of [
      sampleHolder.idn,
      `${sampleHolder.idn.slice(0, 6)}-${sampleHolder.idn.slice(6)}`,
    ]) {
      const run = certCheck(sample.root, inputFile(sampleHolder.password), [
        '--idn-file',
        inputFile(idn),
      ]);
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        passwordOk: true,
        keyMatchesCert: true,
        vidOk: true,
        keyFormat: 'pbes2',
      });
    }
  });

  it('another IDN: vidOk false, NPKI_VID_MISMATCH', () => {
    const run = certCheck(sample.root, inputFile(sampleHolder.password), [
      '--idn-file',
      inputFile('8501011234565'),
    ]);
    expectError(run, 1, 'NPKI_VID_MISMATCH');
    expect(JSON.parse(run.stdout)).toMatchObject({ vidOk: false });
  });

  it('a key from another pair: keyMatchesCert false, NPKI_KEY_MISMATCH', async () => {
    const other = await writeSampleNpki(tempDir('npki-other-'));
    writeFileSync(join(sample.dir, 'signPri.key'), other.keyFile);
    try {
      const run = certCheck(sample.root, inputFile(sampleHolder.password));
      expectError(run, 1, 'NPKI_KEY_MISMATCH');
      expect(JSON.parse(run.stdout)).toMatchObject({ passwordOk: true, keyMatchesCert: false });
    } finally {
      writeFileSync(join(sample.dir, 'signPri.key'), sample.keyFile);
    }
  });

  it('no secret reaches stdout, stderr or the log', () => {
    const home = tempDir('kiosk-home-');
    const runs = [
      certCheck(
        sample.root,
        inputFile(sampleHolder.password),
        ['--idn-file', inputFile(sampleHolder.idn)],
        home,
      ),
      certCheck(sample.root, inputFile(`${sampleHolder.password}x`), [], home),
      certCheck(yessignRoot(), passwordFile, [], home),
    ];
    const log = join(home, 'var', 'log', 'kiosk.jsonl');
    expect(existsSync(log)).toBe(true);
    const everything = [
      readFileSync(log, 'utf8'),
      ...runs.flatMap((r) => [r.stdout, r.stderr]),
    ].join('\n');
    expect(everything).toContain('cert check');
    for (const secret of [
      sampleHolder.password,
      password,
      sampleHolder.idn,
      sampleHolder.idn.slice(6),
      yessignR,
      Buffer.from(sample.r).toString('hex'),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('kiosk command line', () => {
  it('picks a certificate by serial when there are several', async () => {
    const root = tempDir('npki-two-');
    const a = await writeSampleNpki(root);
    const b = await writeSampleNpki(tempDir('npki-b-'));
    const bDir = join(root, 'NPKI', 'yessign', 'USER', 'cn=second');
    mkdirSync(bDir, { recursive: true });
    writeFileSync(join(bDir, 'signCert.der'), b.certificate);
    writeFileSync(join(bDir, 'signPri.key'), b.keyFile);
    const pw = inputFile(sampleHolder.password);
    expectError(certCheck(root, pw), 1, 'NPKI_AMBIGUOUS');
    const list = JSON.parse(
      runKiosk(['cert', 'list', '--storage', `dir:${root}`, '--json']).stdout,
    ) as {
      certificates: { id: string; facts: { serial: string } }[];
    };
    const serialOfB = list.certificates.find((c) => c.id.endsWith('cn=second'))?.facts.serial ?? '';
    const run = certCheck(root, pw, ['--serial', serialOfB]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ serial: serialOfB, keyMatchesCert: true });
    expect(a.dir).not.toBe(bDir);
  });

  it.each([
    [['cert', 'list'], /--storage/],
    [['cert', 'list', '--storage', 'floppy:/dev/fd0'], /dir:PATH/],
    [['cert', 'frobnicate'], /frobnicate/],
    [['cert', 'list', '--storage', 'dir:/tmp', '--no-such-flag'], /no-such-flag/],
  ])('usage error %j exits 2', (args, detail) => {
    const run = runKiosk(args);
    expectError(run, 2, 'CLI_USAGE');
    expect(run.stderr).toMatch(detail);
  });

  it('a drive that does not exist is refused as unsafe, naming why', () => {
    const run = runKiosk(['cert', 'list', '--storage', 'usb:/dev/sdz']);
    expectError(run, 1, 'USB_UNSAFE');
    expect(run.stderr).toContain('refusing /dev/sdz: it does not exist');
  });

  it('a storage folder that does not exist is an input error, not an empty medium', () => {
    const run = runKiosk(['cert', 'list', '--storage', 'dir:/nonexistent/medium']);
    expectError(run, 1, 'CLI_INPUT_FILE');
    expect(run.stderr).toContain('/nonexistent/medium: ENOENT');
  });

  it('a VID check that cannot run is an error, not a pass', async () => {
    const old = await writeSampleNpki(tempDir('npki-old-'), { randomNum: false });
    const run = certCheck(old.root, inputFile(sampleHolder.password), [
      '--idn-file',
      inputFile(sampleHolder.idn),
    ]);
    expectError(run, 1, 'NPKI_VID_UNAVAILABLE');
    expect(run.stderr).toContain('no R (randomNum)');
  });

  it.each([[[]], [['cert']]])('%j without a command is one usage line, exit 2', (args) => {
    const run = runKiosk(args);
    expectError(run, 2, 'CLI_USAGE');
    expect(run.stderr).toContain('a command is missing; see --help');
  });

  it('names from the medium cannot put escape sequences on the terminal', () => {
    const root = yessignRoot();
    const evil = join(root, 'NPKI', '\u001b]0;pwned\u0007', 'USER', 'cn=\u001b[2Jx');
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(evil, 'signCert.der'), 'not a certificate');
    const run = runKiosk(['cert', 'list', '--storage', `dir:${root}`]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('NPKI_MALFORMED');
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).not.toContain('\u0007');
  });

  it('failures are logged with their code and cause, and still no secret', () => {
    const run = certCheck(yessignRoot(), inputFile('WrongPassword1!'));
    expectError(run, 1, 'NPKI_WRONG_PASSWORD');
    const lines = readFileSync(join(run.home, 'var', 'log', 'kiosk.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const failure = JSON.parse(lines.at(-1) ?? '{}') as {
      msg?: string;
      err?: Record<string, unknown>;
    };
    expect(failure.msg).toBe('command failed');
    expect(failure.err).toMatchObject({
      type: 'WrongPasswordError',
      code: 'NPKI_WRONG_PASSWORD',
      reason: 'wrongPassword',
    });
    expect(lines.join('\n')).not.toContain('WrongPassword1!');
  });

  it('an unwritable log stops the command with LOG_UNWRITABLE', () => {
    const run = runKiosk(['cert', 'list', '--storage', `dir:${yessignRoot()}`], '/etc/hostname');
    expectError(run, 1, 'LOG_UNWRITABLE');
    expect(run.stderr).toContain('log.file /etc/hostname/var/log/kiosk.jsonl');
  });

  it('a folder given as the password file is an input error', () => {
    const run = certCheck(yessignRoot(), tempDir('pw-'));
    expectError(run, 1, 'CLI_INPUT_FILE');
    expect(run.stderr).toContain('not a regular file');
  });

  it('a missing password file is an input error naming the file', () => {
    const run = certCheck(yessignRoot(), '/nonexistent/pw');
    expectError(run, 1, 'CLI_INPUT_FILE');
    expect(run.stderr).toContain('/nonexistent/pw');
  });

  it('an invalid configuration names the key, the value and what was expected', () => {
    const config = join(tempDir('config-'), 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({ npki: { iterations: 10, writeFormat: 'des' }, langauge: 'en' }),
    );
    const run = runKiosk(['--config', config, 'cert', 'list', '--storage', `dir:${yessignRoot()}`]);
    expectError(run, 1, 'CONFIG_INVALID');
    expect(run.stderr).toContain('npki.iterations: got 10, expected a number ≥ 1024');
    expect(run.stderr).toContain(
      'npki.writeFormat: got "des", expected one of "pbes2", "seedCbcWithSha1"',
    );
    expect(run.stderr).toContain('langauge: got "en", expected no such key');
  });

  it.each([[[]], [['cert']], [['cert', 'list']], [['cert', 'check']]])(
    '%j --help prints help and exits 0',
    (args) => {
      const run = runKiosk([...args, '--help']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Usage: kiosk/);
    },
  );
});
