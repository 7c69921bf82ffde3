import { execFileSync, spawnSync } from 'node:child_process';
import {
  linkSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueArgs, register, startCa, type RunningCa } from '../support/caServer.js';
import { expectError, json, runKiosk, type KioskRun } from '../support/kiosk.js';
import { opensslPublicKeys } from '../support/opensslKeys.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// Issue 5 acceptance through the CLI on FAT image files (DESIGN §3.4: in tests the device is an
// image file): kiosk usb format, kiosk cert issue --storage usb:IMAGE against kiosk ca serve, and
// the independent readers fsck.vfat, mdir, mcopy and openssl.
const holder = { name: '홍길동', idn: '9001011234568', password: 'Kiosk-pass-2026!' } as const;
const other = { name: '김철수', idn: '8501012234565' } as const;
const mib = 1024 * 1024;
/** Whether this machine lets us attach loop devices (root with /dev/loop-control). */
const canLoop = spawnSync('losetup', ['-f'], { encoding: 'utf8' }).status === 0;
const mtoolsEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };

/** Every run shares one kiosk home (one log); the config sets the drive size limit to 128 MiB. */
const home = tempDir('home-');
const outputs: string[] = [];
const secrets: string[] = [holder.password, holder.idn, other.idn];
const config = join(tempDir('conf-'), 'kiosk.yaml');
/** The one folder image files may be in (usb.imageFolder). */
const images = tempDir('images-');
writeFileSync(
  config,
  `usb:\n  maxBytes: ${String(128 * mib)}\n  allowImageFiles: true\n  imageFolder: ${images}\nnpki:\n  renewalWindowDays: 365\n`,
);

function kiosk(args: readonly string[]): KioskRun {
  const run = runKiosk(['--config', config, ...args], home);
  outputs.push(run.stdout, run.stderr);
  return run;
}

function image(bytes: number, folder = mkdtempSync(join(images, 'usb-'))): string {
  const path = join(folder, 'stick.img');
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

function mtools(command: string, args: string[]): { status: number | null; out: string } {
  const run = spawnSync(command, args, { encoding: 'utf8', env: mtoolsEnv });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

interface Issued {
  dir: string;
  facts: { serial: string; ca: string; realName: string };
}

describe('kiosk cert issue --storage usb:IMAGE', () => {
  let ca: RunningCa;
  beforeAll(async () => {
    // A renewal here renews a fresh certificate: the CA's own window (issue 11 item 3) allows it.
    ca = await startCa('yessign', {}, { npki: { renewalWindowDays: 365 } });
  });
  const issue = (device: string, who: { name: string; idn: string }, extra: string[] = []) => {
    const { ref, authCode } = register(ca, who.name, who.idn);
    secrets.push(authCode);
    return kiosk([
      ...issueArgs(ca, ref, authCode),
      '--password-file',
      inputFile(holder.password),
      '--idn-file',
      inputFile(who.idn),
      '--storage',
      `usb:${device}`,
      '--json',
      ...extra,
    ]);
  };

  it('format, issue: fsck clean, mdir shows the Korean folder, the key opens in openssl', () => {
    const stick = image(64 * mib);
    expectError(kiosk(['usb', 'format', stick]), 'CLI_USAGE', /add --yes/);
    // Not formatted yet: refused before the CA is asked (the reference stays usable).
    expectError(issue(stick, holder), 'USB_NOT_FAT');
    expect(json<{ label: string }>(kiosk(['usb', 'format', stick, '--yes', '--json'])).label).toBe(
      'NPKI',
    );
    const issued = json<Issued>(issue(stick, holder));
    expect(issued.facts).toMatchObject({ ca: 'yessign', realName: holder.name });

    expect(mtools('fsck.vfat', ['-n', stick]).status).toBe(0);
    const user = '::/NPKI/yessign/USER';
    const folders = mtools('mdir', ['-i', stick, '-b', user]).out.trim().split('\n');
    expect(folders).toHaveLength(1);
    const folder = (folders[0] ?? '').replace(/\/$/, '');
    expect(folder).toMatch(new RegExp(`^${user}/cn=${holder.name}\\(\\)`));
    expect(
      mtools('mdir', ['-i', stick, '-b', folder])
        .out.trim()
        .split('\n')
        .map((line) => line.slice(folder.length + 1))
        .sort(),
    ).toEqual(['signCert.der', 'signPri.key']);
    expect(mtools('mdir', ['-i', stick, '-b', '-/', '::/']).out).not.toContain('.kiosk-');

    const out = tempDir('copied-');
    for (const name of ['signCert.der', 'signPri.key'])
      expect(mtools('mcopy', ['-i', stick, `${folder}/${name}`, join(out, name)]).status).toBe(0);
    const { fromKey, fromCert } = opensslPublicKeys(
      join(out, 'signPri.key'),
      join(out, 'signCert.der'),
      holder.password,
    );
    expect(fromKey).toContain('BEGIN PUBLIC KEY');
    expect(fromKey).toBe(fromCert);

    // The kiosk reads it back: list and check with the holder's IDN.
    const listed = json<{ certificates: { facts: { serial: string } }[] }>(
      kiosk(['cert', 'list', '--storage', `usb:${stick}`, '--json']),
    );
    expect(listed.certificates.map((c) => c.facts.serial)).toEqual([issued.facts.serial]);
    expect(
      json(
        kiosk([
          'cert',
          'check',
          '--storage',
          `usb:${stick}`,
          '--password-file',
          inputFile(holder.password),
          '--idn-file',
          inputFile(holder.idn),
          '--json',
        ]),
      ),
    ).toMatchObject({ passwordOk: true, keyMatchesCert: true, vidOk: true });
  });

  it('keeps the certificates already on a drive when adding one, and renews one in place', () => {
    const stick = image(64 * mib);
    json(kiosk(['usb', 'format', stick, '--yes', '--json']));
    const first = json<Issued>(issue(stick, holder));
    const otherSerial = json<Issued>(issue(stick, other)).facts.serial;
    const serialsOfOther = (): string[] => [otherSerial];
    const serials = (): string[] =>
      json<{ certificates: { facts: { serial: string } }[] }>(
        kiosk(['cert', 'list', '--storage', `usb:${stick}`, '--json']),
      )
        .certificates.map((c) => c.facts.serial)
        .sort();
    expect(serials()).toHaveLength(2);
    // The same holder again: a new certificate (its own subject folder) beside the others.
    const second = json<Issued>(issue(stick, holder));
    expect(serials()).toEqual(
      [first.facts.serial, second.facts.serial, ...serialsOfOther()].sort(),
    );

    const renewed = json<Issued>(
      kiosk([
        'cert',
        'renew',
        '--ca',
        ca.url,
        '--ca-cert',
        ca.chain,
        '--storage',
        `usb:${stick}`,
        '--password-file',
        inputFile(holder.password),
        '--serial',
        second.facts.serial,
        '--json',
      ]),
    );
    expect(serials()).toContain(renewed.facts.serial);
    expect(serials()).not.toContain(second.facts.serial);
    expect(serials()).toHaveLength(3);
    expect(mtools('fsck.vfat', ['-n', stick]).status).toBe(0);
  });

  it('copies a folder pair onto a drive', () => {
    const medium = tempDir('medium-');
    const { ref, authCode } = register(ca, holder.name, holder.idn);
    secrets.push(authCode);
    const issued = json<Issued>(
      kiosk([
        ...issueArgs(ca, ref, authCode),
        '--password-file',
        inputFile(holder.password),
        '--storage',
        `dir:${medium}`,
        '--json',
      ]),
    );
    const stick = image(64 * mib);
    json(kiosk(['usb', 'format', stick, '--yes', '--json']));
    const copy = (extra: string[] = []): KioskRun =>
      kiosk([
        'cert',
        'copy',
        '--from',
        `dir:${medium}`,
        '--to',
        `usb:${stick}`,
        '--password-file',
        inputFile(holder.password),
        '--json',
        ...extra,
      ]);
    expect(json<{ facts: { serial: string } }>(copy()).facts.serial).toBe(issued.facts.serial);
    // The same certificate is already there: replaced only when asked.
    expectError(copy(), 'NPKI_EXISTS');
    expect(json<{ facts: { serial: string } }>(copy(['--replace'])).facts.serial).toBe(
      issued.facts.serial,
    );
    const onStick = join(tempDir('out-'), 'signPri.key');
    const folder = mtools('mdir', ['-i', stick, '-b', '::/NPKI/yessign/USER']).out.trim();
    expect(
      mtools('mcopy', ['-i', stick, `${folder.replace(/\/$/, '')}/signPri.key`, onStick]).status,
    ).toBe(0);
    expect(readFileSync(onStick).equals(readFileSync(join(issued.dir, 'signPri.key')))).toBe(true);
  });

  it('an oversized device is refused by format and by issue, with a clear message', () => {
    // Without usb.allowImageFiles (the default in a branch), no file is a drive.
    expectError(
      runKiosk(['usb', 'format', image(64 * mib), '--yes']),
      'USB_UNSAFE',
      /usb\.allowImageFiles is off/,
    );
    const disk = image(512 * mib);
    expectError(
      kiosk(['usb', 'format', disk, '--yes']),
      'USB_UNSAFE',
      /larger than the configured limit/,
    );
    expectError(issue(disk, holder), 'USB_UNSAFE', /larger than the configured limit/);
    // Whatever the flags: a missing device, a folder.
    expectError(
      kiosk(['usb', 'format', join(tempDir('x-'), 'nothing'), '--yes']),
      'USB_UNSAFE',
      /does not exist/,
    );
    expectError(
      kiosk(['usb', 'format', tempDir('folder-'), '--yes']),
      'USB_UNSAFE',
      /neither a block device nor a regular image file/,
    );
  });

  it('an image outside usb.imageFolder, a hard link and a symlink are never formatted', () => {
    // Issue 11 item 15, its reproduction: a hard link to a database was formatted as a drive.
    const database = join(tempDir('state-'), 'kiosk.sqlite');
    writeFileSync(database, randomBytes(64 * 1024));
    const before = readFileSync(database);
    const outside = image(64 * mib, tempDir('elsewhere-'));
    expectError(
      kiosk(['usb', 'format', outside, '--yes']),
      'USB_UNSAFE',
      /outside usb\.imageFolder/,
    );
    const hardLink = join(mkdtempSync(join(images, 'link-')), 'stick.img');
    linkSync(database, hardLink);
    expectError(
      kiosk(['usb', 'format', hardLink, '--yes']),
      'USB_UNSAFE',
      /another name too \(a hard link\)/,
    );
    const symlink = join(mkdtempSync(join(images, 'sym-')), 'stick.img');
    symlinkSync(image(64 * mib), symlink);
    expectError(
      kiosk(['usb', 'format', symlink, '--yes']),
      'USB_UNSAFE',
      /neither a block device nor a regular image file/,
    );
    expect(readFileSync(database).equals(before)).toBe(true);
  });

  it.skipIf(!canLoop)(
    `a non-removable block device (a loop device) is refused by format and by issue${canLoop ? '' : ' (skipped: losetup cannot attach loop devices here)'}`,
    () => {
      const loop = execFileSync('losetup', ['-f', '--show', image(64 * mib)], {
        encoding: 'utf8',
      }).trim();
      try {
        const before = readFileSync(loop).subarray(0, 4096);
        expectError(
          kiosk(['usb', 'format', loop, '--yes']),
          'USB_UNSAFE',
          /not a USB device.*not removable/,
        );
        expectError(issue(loop, holder), 'USB_UNSAFE', /not removable/);
        // Untouched: still blank.
        expect(readFileSync(loop).subarray(0, 4096).equals(before)).toBe(true);
      } finally {
        spawnSync('losetup', ['-d', loop]);
      }
    },
  );

  it('kiosk usb list answers, with no drive on a machine without USB', () => {
    expect(json<{ drives: unknown[] }>(kiosk(['usb', 'list', '--json'])).drives).toEqual([]);
  });

  it('no password, authorization code or IDN reaches the output or the log', () => {
    const log = readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8');
    expect(log).toContain('certificate issued');
    const everything = [log, ...outputs].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
