import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueArgs, register, startCa, type RunningCa } from '../support/caServer.js';
import { runKiosk, type KioskRun } from '../support/kiosk.js';
import { pkcs11Tool as pkcs11ToolAs, softhsmModule, softhsmWorld } from '../support/softhsm.js';
import { inputFile, tempDir } from '../support/tempDir.js';

// Issuance onto a token (DESIGN §3.3): SoftHSM2 as the token, kiosk ca serve as the CA, and
// OpenSC's pkcs11-tool as the independent reader of what ended up on the token.
const world = softhsmWorld();
const pin = '135790';

const pkcs11Tool = (label: string, args: readonly string[]) => pkcs11ToolAs(label, pin, args);

describe('kiosk cert issue --storage token:LABEL', () => {
  let ca: RunningCa;
  beforeAll(async () => {
    ca = await startCa();
  });
  const issue = (
    label: string,
    ref: string,
    authCode: string,
    pinValue = pin,
    idn = '9001011234568',
  ): KioskRun =>
    runKiosk([
      ...issueArgs(ca, ref, authCode),
      '--storage',
      `token:${label}`,
      '--pin-file',
      inputFile(pinValue),
      '--pkcs11-module',
      softhsmModule,
      '--idn-file',
      inputFile(idn),
      '--json',
    ]);

  it('generates the key on the token and stores the certificate and R beside it', () => {
    const { label } = world.newToken(pin);
    const { ref, authCode } = register(ca, '홍길동', '9001011234568');
    const run = issue(label, ref, authCode);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const issued = JSON.parse(run.stdout) as { id: string; facts: { serial: string } };
    const objects = pkcs11Tool(label, ['--list-objects']).out;
    // The private key: born on the token and never extractable (pkcs11-tool reads the attributes;
    // it never reads a private key's value, so trying that would prove nothing).
    expect(objects).toMatch(
      /Private Key Object; RSA[\s\S]*?Access:\s+sensitive, always sensitive, never extractable, local/,
    );
    expect(objects.toLowerCase()).toContain(`id:         ${issued.id}`);
    expect(objects).toMatch(/Certificate Object; type = X\.509 cert/);
    expect(objects).toContain(`R4VID=${issued.id}`);
    const dir = tempDir('pub-');
    // The certificate's public key is the token's.
    expect(
      pkcs11Tool(label, [
        '--read-object',
        '--type',
        'pubkey',
        '--id',
        issued.id,
        '-o',
        join(dir, 'pub.der'),
      ]).status,
    ).toBe(0);
    expect(
      pkcs11Tool(label, [
        '--read-object',
        '--type',
        'cert',
        '--id',
        issued.id,
        '-o',
        join(dir, 'cert.der'),
      ]).status,
    ).toBe(0);
    const fromToken = spawnSync(
      'openssl',
      ['pkey', '-pubin', '-inform', 'DER', '-in', join(dir, 'pub.der')],
      { encoding: 'utf8' },
    ).stdout;
    const fromCert = spawnSync(
      'openssl',
      ['x509', '-inform', 'DER', '-in', join(dir, 'cert.der'), '-noout', '-pubkey'],
      { encoding: 'utf8' },
    ).stdout;
    expect(fromToken).not.toBe('');
    expect(fromToken).toBe(fromCert);

    // The certificate on the token, read without the PIN.
    const certs = JSON.parse(
      runKiosk([
        'cert',
        'list',
        '--storage',
        `token:${label}`,
        '--pkcs11-module',
        softhsmModule,
        '--json',
      ]).stdout,
    ) as {
      certificates: { id: string; hasKey: boolean; facts: { serial: string; realName: string } }[];
    };
    expect(certs.certificates).toMatchObject([
      { id: issued.id, hasKey: true, facts: { serial: issued.facts.serial, realName: '홍길동' } },
    ]);

    const list = JSON.parse(
      runKiosk(['token', 'list', '--pkcs11-module', softhsmModule, '--json']).stdout,
    ) as { tokens: { label: string }[] };
    expect(list.tokens.map((t) => t.label)).toContain(label);

    // Revocation signed by the key on the token; the serial lands on the CRL.
    const revoke = runKiosk([
      'cert',
      'revoke',
      '--ca',
      ca.url,
      '--ca-cert',
      ca.chain,
      '--storage',
      `token:${label}`,
      '--pin-file',
      inputFile(pin),
      '--pkcs11-module',
      softhsmModule,
      '--reason',
      'cessationOfOperation',
      '--json',
    ]);
    expect(revoke.stderr).toBe('');
    expect(JSON.parse(revoke.stdout)).toMatchObject({ serial: issued.facts.serial, revoked: true });
    const crl = join(tempDir('crl-'), 'crl.der');
    expect(runKiosk(['ca', 'crl', '--dir', ca.dir, '--out', crl], ca.home).status).toBe(0);
    const crlText = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout', '-text'], {
      encoding: 'utf8',
    }).stdout;
    expect(crlText.toLowerCase()).toContain(issued.facts.serial.replace(/^0+/, ''));
  });

  it('a wrong PIN stops before the CA is asked; a refused certificate leaves nothing on the token', () => {
    const { label } = world.newToken(pin);
    const { ref, authCode } = register(ca, '김철수', '8501012234565');
    const wrong = issue(label, ref, authCode, '000000', '8501012234565');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^kiosk: TOKEN_WRONG_PIN: /);
    expect(pkcs11Tool(label, ['--list-objects']).out).not.toContain('Private Key Object');
    // The reference was not spent. With another person's IDN the VID check refuses the
    // certificate: certConf rejects it and the key pair made for it is removed from the token.
    const mismatch = issue(label, ref, authCode, pin, '9001011234568');
    expect(mismatch.stderr).toMatch(/^kiosk: CMP_MISMATCH: vid: /);
    const left = pkcs11Tool(label, ['--list-objects']).out;
    expect(left).not.toMatch(/Private Key Object|Public Key Object|Certificate Object|R4VID=/);
  });
});
