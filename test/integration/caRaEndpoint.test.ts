import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCa } from '../../src/ca/caFiles.js';
import { CaDatabase } from '../../src/ca/database.js';
import { issueRaClientCertificate } from '../../src/ca/ra/certificates.js';
import { registerOverRa, type RaConnection } from '../../src/ca/ra/client.js';
import type { RaRegistrationRequest } from '../../src/ca/ra/registrationRequest.js';
import { RaTransportError, RaUnauthorizedError } from '../../src/errors/index.js';
import { runKiosk } from '../support/kiosk.js';
import { startKiosk, type KioskProcess } from '../support/kioskProcess.js';
import { tempDir } from '../support/tempDir.js';

// Issue 13 item 3: a branch kiosk registers at `kiosk ca serve`'s RA endpoint over mutual TLS.
// The registration is bound in the CA's database to the RA client, the teller and the evidence;
// without an active RA client certificate of this CA (none, another CA's, a revoked or an expired
// one) the answer is 401 and nothing is registered.

const visitor: RaRegistrationRequest = {
  name: '홍길동',
  idn: '9001011234568',
  profile: 'general',
  approvedBy: 'teller-07',
  evidence: 'chipNotVerifiedOverride',
};

/** `kiosk …` in `home`; throws with its stderr unless it succeeded. */
function kiosk(home: string, args: string[]): string {
  const run = runKiosk(args, home);
  if (run.status !== 0) throw new Error(`kiosk ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** A CA in a fresh folder and an RA client certificate of it (`ca ra add`). */
function newCa(home: string): { dir: string; chain: string } {
  const dir = join(tempDir('ca-'), 'ca');
  kiosk(home, ['ca', 'init', '--dir', dir]);
  const chain = join(dir, 'chain.pem');
  kiosk(home, ['ca', 'export', '--dir', dir, '--out', chain]);
  return { dir, chain };
}

/** `ca ra add`: the certificate (with the CA chain) and key files' contents. */
function addRa(home: string, dir: string, name: string): { cert: string; key: string } {
  const out = tempDir('ra-');
  const [cert, key] = [join(out, 'ra.pem'), join(out, 'ra.key')];
  kiosk(home, [
    'ca',
    'ra',
    'add',
    '--dir',
    dir,
    '--name',
    name,
    '--out-cert',
    cert,
    '--out-key',
    key,
  ]);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

describe('the RA endpoint of kiosk ca serve', () => {
  const home = tempDir('ca-home-');
  let ca: { dir: string; chain: string };
  let serve: KioskProcess;
  let url: string;
  let good: { cert: string; key: string };
  const connection = (identity: { cert: string; key: string }): RaConnection => ({
    url,
    ...identity,
    ca: readFileSync(ca.chain, 'utf8'),
    timeoutMs: 10_000,
  });
  const registrations = (): number => {
    const db = new Database(join(ca.dir, 'ca.sqlite'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from registrations').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    ca = newCa(home);
    good = addRa(home, ca.dir, 'Gangnam');
    const config = join(home, 'ca-config.json');
    writeFileSync(config, JSON.stringify({ ca: { headersTimeoutMs: 1000 } }));
    serve = await startKiosk(
      ['--config', config, 'ca', 'serve', '--dir', ca.dir, '--listen', '127.0.0.1:0'].concat([
        '--ra-listen',
        '127.0.0.1:0',
      ]),
      /RA listening on (https:\/\/127\.0\.0\.1:\d+\/)/,
      home,
    );
    url = serve.ready[1] ?? '';
  }, 60_000);
  afterAll(async () => serve.stop());

  it('registers, bound to the RA client, the teller and the evidence', async () => {
    const registration = await registerOverRa(connection(good), visitor);
    expect(registration.ref).toMatch(/^[1-9]\d{7}$/);
    expect(registration.authCode).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    expect(registration.expires.getTime()).toBeGreaterThan(Date.now());
    const material = await loadCa(ca.dir);
    const db = new CaDatabase(material.databasePath, material.sealKey);
    try {
      const record = db.registration(registration.ref);
      expect(record).toMatchObject({
        name: '홍길동',
        idn: '9001011234568',
        profile: 'general',
        vidRequired: true,
        approval: {
          approvedBy: 'teller-07',
          evidence: 'chipNotVerifiedOverride',
          ra: { name: 'Gangnam', serial: db.activeRaClient('Gangnam')?.serial },
        },
      });
      expect(record?.authCode.toString()).toBe(registration.authCode);
    } finally {
      db.close();
    }
  });

  it('401 without a client certificate, and nothing is registered', async () => {
    const before = registrations();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${url}ra/register`, {
        method: 'POST',
        ca: readFileSync(ca.chain, 'utf8'),
        agent: false,
        headers: { 'content-type': 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.end(JSON.stringify(visitor));
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) as string });
    expect(registrations()).toBe(before);
  });

  it('401 for a certificate of another CA of the same name, and nothing is registered', async () => {
    const other = newCa(home);
    const foreign = addRa(home, other.dir, 'Gangnam');
    const before = registrations();
    const error = await registerOverRa(connection(foreign), visitor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaUnauthorizedError);
    expect(registrations()).toBe(before);
  });

  it('401 once the RA client is revoked, on a certificate that worked before', async () => {
    const branch = addRa(home, ca.dir, 'Seocho');
    await registerOverRa(connection(branch), visitor);
    kiosk(home, ['ca', 'ra', 'revoke', '--dir', ca.dir, '--name', 'Seocho']);
    const before = registrations();
    const error = await registerOverRa(connection(branch), visitor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaUnauthorizedError);
    expect(registrations()).toBe(before);
  });

  it('401 for an expired RA client certificate, and nothing is registered', async () => {
    const material = await loadCa(ca.dir);
    const issuedAt = new Date(Date.now() - 10 * 86_400_000);
    const expired = await issueRaClientCertificate(material, 'Expired', issuedAt, 1);
    const db = new CaDatabase(material.databasePath, material.sealKey);
    db.addRaClient({
      name: 'Expired',
      serial: expired.serial,
      issuedAt: issuedAt.getTime(),
      notAfter: expired.certificate.notAfter.getTime(),
      revokedAt: undefined,
    });
    db.close();
    const before = registrations();
    const identity = { cert: expired.certificate.toString('pem'), key: expired.keyPem };
    const error = await registerOverRa(connection(identity), visitor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaUnauthorizedError);
    expect(registrations()).toBe(before);
  });

  it('the kiosk refuses an endpoint whose certificate is not its CA’s', async () => {
    const other = newCa(home);
    const error = await registerOverRa(
      { ...connection(good), ca: readFileSync(other.chain, 'utf8') },
      visitor,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaTransportError);
  });

  it('logs the registrations and refusals, never an IDN or an authorization code', async () => {
    const registration = await registerOverRa(connection(good), visitor);
    const log = readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8');
    expect(log).toContain('registered over the RA endpoint');
    expect(log).toContain(registration.ref);
    expect(log).toMatch(/"refusal":"(notThisCa|tlsUnverified)"/);
    expect(log).toContain('"refusal":"revoked"');
    expect(log).toContain('"refusal":"expired"');
    expect(log).not.toContain(visitor.idn);
    expect(log).not.toContain(visitor.idn.slice(6));
    expect(log).not.toContain(registration.authCode);
  });
});
