import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueArgs, register, startCa, type RunningCa } from '../support/caServer.js';
import { expectError, json, runKiosk, type KioskRun } from '../support/kiosk.js';
import { opensslPublicKeys } from '../support/opensslKeys.js';
import { inputFile, tempDir } from '../support/tempDir.js';

const holder = { name: '홍길동', idn: '9001011234568', password: 'Kiosk-pass-2026!' } as const;

describe('kiosk cert issue, check, renew and revoke against kiosk ca serve', () => {
  let ca: RunningCa;
  let home: string;
  const issue = (
    ref: string,
    authCode: string,
    medium: string,
    extra: string[] = [],
    password: string = holder.password,
  ): KioskRun =>
    runKiosk(
      [
        ...issueArgs(ca, ref, authCode),
        '--password-file',
        inputFile(password),
        '--storage',
        `dir:${medium}`,
        '--json',
        ...extra,
      ],
      home,
    );
  const idnFile = (): string => inputFile(holder.idn);
  /** `kiosk cert check` with the holder's password and IDN. */
  const checkRun = (medium: string, extra: readonly string[] = []) =>
    runKiosk(
      [
        'cert',
        'check',
        '--storage',
        `dir:${medium}`,
        '--password-file',
        inputFile(holder.password),
        '--idn-file',
        idnFile(),
        '--json',
        ...extra,
      ],
      home,
    );
  const checkWithIdn = (medium: string): Record<string, unknown> => json(checkRun(medium));

  beforeAll(async () => {
    // Renewal tests widen the client's window to renew a fresh certificate; the CA keeps its
    // own window (issue 11 item 3), widened here alike.
    ca = await startCa('yessign', {}, { npki: { renewalWindowDays: 365 } });
    home = tempDir('kiosk-home-');
  });

  it('issues an NPKI pair that cert check, openssl pkcs8 and the VID all accept', () => {
    const { ref, authCode } = register(ca, holder.name, holder.idn, 'restricted');
    const medium = tempDir('medium-');
    const issued = json<{
      dir: string;
      facts: {
        serial: string;
        ca: string;
        policy: { oid: string; usage: string };
        realName: string;
      };
    }>(issue(ref, authCode, medium, ['--idn-file', idnFile(), '--profile', 'restricted']));
    expect(issued.facts).toMatchObject({
      ca: 'yessign',
      realName: holder.name,
      policy: { oid: '1.2.410.200005.1.1.4', usage: 'restricted' },
    });
    expect(issued.dir).toContain(join(medium, 'NPKI', 'yessign', 'USER', `cn=${holder.name}()`));
    expect(readdirSync(issued.dir).sort()).toEqual(['signCert.der', 'signPri.key']);

    const check = checkWithIdn(medium);
    expect(check).toMatchObject({
      passwordOk: true,
      keyMatchesCert: true,
      vidOk: true,
      keyFormat: 'pbes2',
      hasRandomNum: true,
    });

    // An independent reader: OpenSSL opens the key, and its public key is the certificate's.
    const { fromKey, fromCert } = opensslPublicKeys(
      join(issued.dir, 'signPri.key'),
      join(issued.dir, 'signCert.der'),
      holder.password,
    );
    expect(fromKey).toContain('BEGIN PUBLIC KEY');
    expect(fromKey).toBe(fromCert);
    const pem = spawnSync(
      'openssl',
      ['x509', '-inform', 'DER', '-in', join(issued.dir, 'signCert.der')],
      {
        encoding: 'utf8',
      },
    ).stdout;
    expect(
      spawnSync('openssl', ['verify', '-CAfile', ca.chain], { input: pem, encoding: 'utf8' })
        .stdout,
    ).toContain(': OK');
  });

  it('a reference number works once: the second issue is refused and the medium keeps one pair', () => {
    const { ref, authCode } = register(ca, '김철수', '8501012234565', 'general');
    const medium = tempDir('medium-');
    json(issue(ref, authCode, medium));
    expectError(issue(ref, authCode, medium), 'CMP_REJECTED', /already used/);
    expect(readdirSync(join(medium, 'NPKI', 'yessign', 'USER'))).toHaveLength(1);
  });

  it('a wrong authorization code is refused, retrying meets the lock, and the RA releases it', () => {
    const { ref, authCode } = register(ca, '이영희', '9505052234563');
    const medium = tempDir('medium-');
    expectError(issue(ref, 'AAAA-BBBB-CCCC-DDDD', medium), 'CMP_REJECTED', /badMessageCheck/);
    // The e2e CA locks for ten minutes (caServer.ts): the right code waits too.
    expectError(issue(ref, authCode, medium), 'CMP_REJECTED', /try again in \d+ s/);
    expect(readdirSync(medium)).toEqual([]);
    // The RA releases the reference; the holder's code then works.
    const unlock = runKiosk(['ca', 'unlock', '--dir', ca.dir, '--ref', ref], ca.home);
    expect(unlock.status, unlock.stderr).toBe(0);
    json(issue(ref, authCode, medium));
    expect(readdirSync(medium)).not.toEqual([]);
  });

  it('a folder name with a bidi override and a C1 control never reaches the terminal raw', () => {
    // Issue 11 item 16: the "stored in" line printed such names unsanitised.
    const crafted = join(tempDir('medium-'), 'evil\u202egpj.exe\u0085\u009b2J');
    mkdirSync(crafted);
    const raw = /[\u202e\u0085\u009b]/;
    const first = register(ca, '정하나', '9202022234560', 'general');
    const text = runKiosk(
      [
        ...issueArgs(ca, first.ref, first.authCode),
        '--password-file',
        inputFile(holder.password),
        '--storage',
        `dir:${crafted}`,
      ],
      home,
    );
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/stored in .*evil\ufffdgpj\.exe\ufffd\ufffd2J/);
    expect(text.stdout).not.toMatch(raw);

    const second = tempDir('medium-');
    const other = join(second, 'x\u202ey');
    mkdirSync(other);
    const { ref, authCode } = register(ca, '정두리', '9303032234568', 'general');
    const run = issue(ref, authCode, other);
    expect(run.stdout).not.toMatch(raw);
    // Escaped, not altered: the JSON still names the real folder.
    expect(JSON.stringify(json(run))).toContain('x\u202ey');
  });

  it('a weak password is refused before the CA is asked; the reference stays usable', () => {
    const { ref, authCode } = register(ca, '최지우', '0103154234567', 'general');
    const medium = tempDir('medium-');
    expectError(issue(ref, authCode, medium, [], 'short1!'), 'NPKI_PASSWORD_RULES', /minLength/);
    json(issue(ref, authCode, medium));
  });

  it('renews within the window keeping the VID, refuses outside it, and revokes onto the CRL', () => {
    const { ref, authCode } = register(ca, holder.name, holder.idn, 'general');
    const medium = tempDir('medium-');
    const first = json<{ facts: { serial: string } }>(
      issue(ref, authCode, medium, ['--idn-file', idnFile()]),
    );
    const lifecycle = (
      command: 'renew' | 'revoke',
      extra: string[] = [],
      config?: string,
    ): KioskRun =>
      runKiosk(
        [
          ...(config === undefined ? [] : ['--config', config]),
          'cert',
          command,
          '--ca',
          ca.url,
          '--ca-cert',
          ca.chain,
          '--storage',
          `dir:${medium}`,
          '--password-file',
          inputFile(holder.password),
          '--json',
          ...extra,
        ],
        home,
      );
    expectError(lifecycle('renew'), 'NPKI_RENEWAL_NOT_OPEN');
    const wideWindow = join(tempDir('cfg-'), 'kiosk.yaml');
    writeFileSync(wideWindow, 'npki:\n  renewalWindowDays: 365\n');
    const renewed = json<{ facts: { serial: string; subject: string } }>(
      lifecycle('renew', [], wideWindow),
    );
    expect(renewed.facts.serial).not.toBe(first.facts.serial);
    const check = checkWithIdn(medium);
    expect(check).toMatchObject({
      serial: renewed.facts.serial,
      keyMatchesCert: true,
      vidOk: true,
    });

    // Issue 11 item 10: with the CA's certificates, cert check asks the OCSP responder too.
    expect(json(checkRun(medium, ['--ca-cert', ca.chain]))).toMatchObject({
      serial: renewed.facts.serial,
      revocation: { status: 'good' },
    });
    const revoked = json<{ serial: string }>(lifecycle('revoke', ['--reason', 'keyCompromise']));
    const afterRevoke = checkRun(medium, ['--ca-cert', ca.chain]);
    expectError(afterRevoke, 'NPKI_CERT_REVOKED');
    expect(JSON.parse(afterRevoke.stdout)).toMatchObject({
      revocation: { status: 'revoked', reason: 1 },
    });
    expect(revoked.serial).toBe(renewed.facts.serial);
    const crl = join(tempDir('crl-'), 'crl.der');
    expect(runKiosk(['ca', 'crl', '--dir', ca.dir, '--out', crl], ca.home).status).toBe(0);
    const text = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout', '-text'], {
      encoding: 'utf8',
    }).stdout;
    expect(text.toLowerCase()).toContain(renewed.facts.serial.replace(/^0+/, ''));
    expect(text).toContain('Key Compromise');
    // The renewal superseded the first certificate once it was confirmed.
    const entry = new RegExp(
      `${first.facts.serial.replace(/^0+/, '')}\\s+Revocation Date:[^\\n]*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Superseded`,
      'i',
    );
    expect(text).toMatch(entry);
  });

  it('no password, authorization code or resident number reaches the kiosk log or the CA log', () => {
    const logs = [
      join(home, 'var', 'log', 'kiosk.jsonl'),
      join(ca.home, 'var', 'log', 'kiosk.jsonl'),
    ]
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    expect(logs).toContain('certificate issued');
    for (const secret of [holder.password, holder.idn, 'AAAA-BBBB-CCCC-DDDD', '8501012234565'])
      expect(logs).not.toContain(secret);
  });
});
