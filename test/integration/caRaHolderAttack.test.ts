// Over 400 lines as one unit (the attack review of commit 761921c): the attacks share one running
// CA, its RA clients, the certificates they issue and the leak check over every answer.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialOf } from '../../src/ca/ra/certificates.js';
import { loadCa } from '../../src/ca/caFiles.js';
import { CaDatabase } from '../../src/ca/database.js';
import { registerOverRa, type RaConnection } from '../../src/ca/ra/client.js';
import type { RaRegistrationRequest } from '../../src/ca/ra/registrationRequest.js';
import { x509 } from '../../src/shared/x509.js';
import { cmpIrArgs } from '../../scripts/lib/openssl.mjs';
import { runKiosk } from '../support/kiosk.js';
import { startKiosk, type KioskProcess } from '../support/kioskProcess.js';
import { tempDir } from '../support/tempDir.js';

// Attack review of the RA's holder requests over the real `kiosk ca serve` (issue 13, commit
// 761921c): `POST /ra/certificates {ref}` and `POST /ra/revoke {ref, serial, reason, then}` over
// mutual TLS, each resting on a registration this RA client made. Other branches' references,
// revoked RA clients (between requests and during one), spent and expired references, a second
// 홍길동, serials and reasons that are not what they should be, two revocations at once, the
// reissue path, the CRL and OCSP afterwards, and what answers and the log say. Certificates are
// issued by `openssl cmp` on registrations made over the RA endpoint (`vid: optional`).

interface Identity {
  readonly cert: string;
  readonly key: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

interface Holder {
  readonly name: string;
  readonly idn: string;
}

const hong = { name: '홍길동', idn: '9001011234568' };
/** The same name, another person. */
const otherHong = { name: '홍길동', idn: '8501011234566' };
const kim = { name: '김철수', idn: '8805051000018' };
const lee = { name: '이영희', idn: '7703032000022' };
const park = { name: '박민수', idn: '9507071000033' };
const choi = { name: '최지우', idn: '6606062000045' };
const jung = { name: '정하늘', idn: '9309091000063' };
const everyone = [hong, otherHong, kim, lee, park, choi, jung];

describe('holder requests at the RA endpoint of kiosk ca serve, attacked', () => {
  const home = tempDir('ca-home-');
  const dir = join(tempDir('ca-'), 'ca');
  const work = tempDir('holder-attack-');
  let chain: string;
  let serve: KioskProcess;
  let cmpServer: string;
  let raUrl: string;
  const ra: Record<'gangnam' | 'seocho' | 'mapo' | 'jongno', Identity> = {
    gangnam: { cert: '', key: '' },
    seocho: { cert: '', key: '' },
    mapo: { cert: '', key: '' },
    jongno: { cert: '', key: '' },
  };
  /** Every authorization code handed out, and every answer of the holder paths, for the leak check. */
  const codes: string[] = [];
  const answers: string[] = [];

  const kiosk = (args: string[]): string => {
    const run = runKiosk(args, home);
    if (run.status !== 0) throw new Error(`kiosk ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  const connection = (identity: Identity): RaConnection => ({
    url: raUrl,
    ...identity,
    ca: readFileSync(chain, 'utf8'),
    timeoutMs: 10_000,
  });
  /** The teller approved `who` at the branch `identity`: a registration over the RA endpoint. */
  async function approve(identity: Identity, who: Holder) {
    const request: RaRegistrationRequest = {
      ...who,
      profile: 'general',
      approvedBy: 'teller-07',
      evidence: 'chipVerified',
      vid: 'optional',
    };
    const registration = await registerOverRa(connection(identity), request);
    codes.push(registration.authCode);
    return registration;
  }
  let issued = 0;
  /** `openssl cmp -cmd ir` with a registration: the certificate file, or the failure. */
  function ir(ref: string, authCode: string): { status: number | null; cert: string } {
    const n = ++issued;
    const key = join(work, `${String(n)}.key.pem`);
    const cert = join(work, `${String(n)}.crt.pem`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const args = cmpIrArgs({ ref, secret: authCode, newKey: key, certOut: cert });
    const run = spawnSync(
      'openssl',
      ['cmp', '-server', cmpServer, '-path', 'pkix/', '-trusted', chain, ...args],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return { status: run.status, cert };
  }
  /** A certificate issued to `who` through the branch `identity`; its serial and file. */
  async function enrol(identity: Identity, who: Holder) {
    const { ref, authCode } = await approve(identity, who);
    const run = ir(ref, authCode);
    expect(run.status).toBe(0);
    const serial = serialOf(new x509.X509Certificate(readFileSync(run.cert, 'utf8')));
    return { serial, ref, cert: run.cert };
  }
  /** A raw POST to the RA endpoint with `identity`'s certificate. */
  function post(identity: Identity, path: string, body: unknown): Promise<Answer> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(`${raUrl}${path.slice(1)}`, {
        method: 'POST',
        agent: false,
        ...identity,
        ca: readFileSync(chain, 'utf8'),
        headers: { 'content-type': 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = Buffer.concat(chunks).toString();
          answers.push(answer);
          resolve({ status: res.statusCode ?? 0, body: answer });
        });
      });
      req.end(text);
    });
  }
  const list = (identity: Identity, ref: string) => post(identity, '/ra/certificates', { ref });
  const revoke = (
    identity: Identity,
    ref: string,
    serial: string,
    more: Record<string, unknown> = {},
  ) => post(identity, '/ra/revoke', { ref, serial, reason: 'keyCompromise', then: 'end', ...more });
  const serialsIn = (answer: Answer): string[] =>
    (JSON.parse(answer.body) as { certificates: { serial: string }[] }).certificates.map(
      (c) => c.serial,
    );
  /** A read of the CA's database file, beside the serving process. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed row
  function read<T>(query: string, ...params: unknown[]): T | undefined {
    const db = new Database(join(dir, 'ca.sqlite'), { readonly: true });
    try {
      return db.prepare(query).get(...params) as T | undefined;
    } finally {
      db.close();
    }
  }
  const statusOf = (serial: string) =>
    read<{ status: string }>('select status from certificates where serial = ?', serial)?.status;
  const revocationsOf = (serial: string) =>
    read<{ n: number }>('select count(*) as n from revocations where serial = ?', serial)?.n;

  beforeAll(async () => {
    kiosk(['ca', 'init', '--dir', dir]);
    chain = join(dir, 'chain.pem');
    kiosk(['ca', 'export', '--dir', dir, '--out', chain]);
    const names = { gangnam: 'Gangnam', seocho: 'Seocho', mapo: 'Mapo', jongno: 'Jongno' };
    for (const [id, name] of Object.entries(names) as [keyof typeof names, string][]) {
      const [cert, key] = [join(work, `${id}.pem`), join(work, `${id}.key`)];
      kiosk([
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
      ra[id] = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    }
    serve = await startKiosk(
      ['ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0', '--ra-listen', '127.0.0.1:0'],
      /listening on http:\/\/([\d.]+:\d+)\/pkix\/\s+RA listening on (https:\/\/127\.0\.0\.1:\d+\/)/,
      home,
    );
    cmpServer = serve.ready[1] ?? '';
    raUrl = serve.ready[2] ?? '';
  }, 60_000);
  afterAll(async () => serve.stop());

  it('another branch can neither list nor revoke under a reference it did not make: 404 as for none', async () => {
    const { serial, ref: spent } = await enrol(ra.gangnam, hong);
    const { ref } = await approve(ra.gangnam, hong);
    const foreign = [await list(ra.seocho, ref), await revoke(ra.seocho, ref, serial)];
    const none = [await list(ra.seocho, '10000000'), await revoke(ra.seocho, '10000000', serial)];
    expect(foreign.map((a) => a.status)).toEqual([404, 404]);
    expect(foreign).toEqual(none);
    expect(statusOf(serial)).toBe('issued');
    // The reference the certificate was issued with is spent: nothing for its own branch either.
    expect((await list(ra.gangnam, spent)).status).toBe(404);
    expect((await revoke(ra.gangnam, spent, serial)).status).toBe(404);
    // Gangnam's own registration is untouched by the attempts.
    const own = await list(ra.gangnam, ref);
    expect(own.status).toBe(200);
    expect(serialsIn(own)).toEqual([serial]);
  });

  it('a second 홍길동 sees none of the first’s certificates; the first’s serial and no serial answer alike', async () => {
    const first = await enrol(ra.gangnam, hong);
    const second = await enrol(ra.gangnam, otherHong);
    const { ref } = await approve(ra.gangnam, otherHong);
    const listed = await list(ra.gangnam, ref);
    expect(serialsIn(listed)).toEqual([second.serial]);
    const theirs = await revoke(ra.gangnam, ref, first.serial);
    const nothing = await revoke(ra.gangnam, ref, 'ab'.repeat(16));
    expect(theirs.status).toBe(403);
    expect(theirs).toEqual(nothing);
    expect(statusOf(first.serial)).toBe('issued');
    expect(
      read('select * from registrations where ref = ? and used_at is null', ref),
    ).toBeDefined();
  });

  it('serials in another form, too long or a million characters are refused and revoke nothing', async () => {
    const { serial } = await enrol(ra.gangnam, kim);
    const { ref } = await approve(ra.gangnam, kim);
    const tries: [unknown, number][] = [
      [serial.toUpperCase(), 400],
      [`00${serial}`, 403],
      [`0${serial}`, 403],
      ['a'.repeat(43), 400],
      ['f'.repeat(42), 403],
      [` ${serial}`, 400],
      [`${serial}\n`, 400],
      ['', 400],
      [Number.parseInt(serial.slice(0, 8), 16), 400],
      [[serial], 400],
    ];
    for (const [value, status] of tries)
      expect((await revoke(ra.gangnam, ref, serial, { serial: value })).status, String(value)).toBe(
        status,
      );
    expect((await revoke(ra.gangnam, ref, 'a'.repeat(1_000_000))).status).toBe(413);
    expect(statusOf(serial)).toBe('issued');
    expect(serialsIn(await list(ra.gangnam, ref))).toEqual([serial]);
  });

  it('reasons a holder may not give, `then` missing or unknown, unknown keys: 400, never echoed, nothing spent', async () => {
    const { serial } = await enrol(ra.gangnam, lee);
    const { ref } = await approve(ra.gangnam, lee);
    const marker = '\u001b[2Jzz-marker';
    const reasons: unknown[] = [
      'certificateHold',
      'removeFromCRL',
      'caCompromise',
      'aACompromise',
      'privilegeWithdrawn',
      'unspecified',
      'KEYCOMPROMISE',
      '__proto__',
      'toString',
      marker,
      0,
      1,
      6,
      8,
      null,
      { keyCompromise: 1 },
    ];
    for (const reason of reasons) {
      const answer = await revoke(ra.gangnam, ref, serial, { reason });
      expect(answer.status, JSON.stringify(reason)).toBe(400);
      expect(answer.body).not.toContain('zz-marker');
    }
    for (const then of [undefined, 'END', 'issue ', 'renew', marker, 1, true])
      expect((await revoke(ra.gangnam, ref, serial, { then })).status, String(then)).toBe(400);
    const keys: Record<string, unknown>[] = [
      { idn: lee.idn },
      { approvedBy: 'zz-marker' },
      { 'zz-marker': 1 },
      { constructor: { prototype: { then: 'issue' } } },
    ];
    for (const extra of keys) {
      const answer = await revoke(ra.gangnam, ref, serial, extra);
      expect(answer.status).toBe(400);
      expect(answer.body).not.toContain('zz-marker');
      expect(answer.body).not.toContain(lee.idn);
    }
    const body = `{"__proto__":{"then":"end"},"ref":"${ref}","serial":"${serial}","reason":"keyCompromise"}`;
    expect((await post(ra.gangnam, '/ra/revoke', body)).status).toBe(400);
    // Were Object.prototype polluted, `then` would now be taken from it.
    const without = await post(ra.gangnam, '/ra/revoke', {
      ref,
      serial,
      reason: 'keyCompromise',
    });
    expect(without.status).toBe(400);
    expect((await list(ra.gangnam, ref)).status).toBe(200);
    expect(statusOf(serial)).toBe('issued');
    expect(
      read('select * from registrations where ref = ? and used_at is null', ref),
    ).toBeDefined();
  });

  it('the same serial revoked twice at once: one 200, one 409 (404 once `end` spent the reference); one revocation', async () => {
    const a = await enrol(ra.gangnam, jung);
    const b = await enrol(ra.gangnam, jung);
    const c = await enrol(ra.gangnam, jung);
    const { ref } = await approve(ra.gangnam, jung);
    const issueTwice = await Promise.all([
      revoke(ra.gangnam, ref, a.serial, { then: 'issue' }),
      revoke(ra.gangnam, ref, a.serial, { then: 'issue', reason: 'superseded' }),
    ]);
    expect(issueTwice.map((x) => x.status).sort()).toEqual([200, 409]);
    expect(revocationsOf(a.serial)).toBe(1);
    // Two branches, each with its registration of the same person, revoke the same certificate.
    const other = await approve(ra.seocho, jung);
    const twoBranches = await Promise.all([
      revoke(ra.gangnam, ref, b.serial, { then: 'issue' }),
      revoke(ra.seocho, other.ref, b.serial, { then: 'end' }),
    ]);
    expect(twoBranches.map((x) => x.status).sort()).toEqual([200, 409]);
    expect(revocationsOf(b.serial)).toBe(1);
    expect(
      read<{ n: number }>('select count(*) as n from ra_revocations where serial = ?', b.serial)?.n,
    ).toBe(1);
    const winner = read<{ ref: string }>(
      'select ref from ra_revocations where serial = ?',
      b.serial,
    );
    // The loser's registration is spent only if it won.
    const seochoSpent = read(
      'select 1 from registrations where ref = ? and used_at is not null',
      other.ref,
    );
    expect(seochoSpent !== undefined).toBe(winner?.ref === other.ref);
    const endTwice = await Promise.all([
      revoke(ra.gangnam, ref, c.serial),
      revoke(ra.gangnam, ref, c.serial),
    ]);
    expect(endTwice.map((x) => x.status).sort()).toEqual([200, 404]);
    expect(revocationsOf(c.serial)).toBe(1);
    for (const { serial } of [a, c])
      expect(
        read<{ n: number }>('select count(*) as n from ra_revocations where serial = ?', serial)?.n,
      ).toBe(1);
  });

  it('revoked, a certificate leaves the list; `end` spends the reference and forgets the IDN; no issuance after', async () => {
    const first = await enrol(ra.gangnam, kim);
    const second = await enrol(ra.gangnam, kim);
    const registration = await approve(ra.gangnam, kim);
    const { ref } = registration;
    const before = serialsIn(await list(ra.gangnam, ref));
    expect(before).toEqual(expect.arrayContaining([first.serial, second.serial]));
    expect((await revoke(ra.gangnam, ref, first.serial, { then: 'issue' })).status).toBe(200);
    const after = serialsIn(await list(ra.gangnam, ref));
    expect(after).not.toContain(first.serial);
    expect(after).toContain(second.serial);
    expect((await revoke(ra.gangnam, ref, first.serial, { then: 'issue' })).status).toBe(409);
    // The reissue path, then a change of mind: a second revocation ends the registration.
    const ended = await revoke(ra.gangnam, ref, second.serial, { reason: 'cessationOfOperation' });
    expect(ended).toEqual({ status: 200, body: JSON.stringify({ serial: second.serial }) });
    expect((await list(ra.gangnam, ref)).status).toBe(404);
    expect((await revoke(ra.gangnam, ref, second.serial)).status).toBe(404);
    const row = read<{ used_at: number | null; idn_sealed: Buffer | null }>(
      'select used_at, idn_sealed from registrations where ref = ?',
      ref,
    );
    expect(row?.used_at).not.toBeNull();
    expect(row?.idn_sealed).toBeNull();
    expect(ir(ref, registration.authCode).status).not.toBe(0);
    expect(read('select 1 from certificates where ref = ?', ref)).toBeUndefined();
  });

  it('a reissue: `issue` keeps the reference for one issuance, after which it lists and revokes nothing', async () => {
    const old = await enrol(ra.gangnam, lee);
    const registration = await approve(ra.gangnam, lee);
    const { ref } = registration;
    expect(
      (await revoke(ra.gangnam, ref, old.serial, { reason: 'superseded', then: 'issue' })).status,
    ).toBe(200);
    const fresh = ir(ref, registration.authCode);
    expect(fresh.status).toBe(0);
    const serial = serialOf(new x509.X509Certificate(readFileSync(fresh.cert, 'utf8')));
    expect(statusOf(serial)).toBe('issued');
    expect((await list(ra.gangnam, ref)).status).toBe(404);
    expect((await revoke(ra.gangnam, ref, serial)).status).toBe(404);
    expect(statusOf(serial)).toBe('issued');
    expect(
      read<{ reason: number }>('select reason from revocations where serial = ?', old.serial)
        ?.reason,
    ).toBe(4);
  });

  it('an expired reference lists and revokes nothing', async () => {
    const { serial } = await enrol(ra.gangnam, park);
    const material = await loadCa(dir);
    const db = new CaDatabase(material.databasePath, material.sealKey);
    let ref: string;
    try {
      const gangnam = db.activeRaClient('Gangnam')?.serial ?? '';
      // Made through Gangnam fourteen days and a minute ago: expired a minute ago.
      const then = Date.now() - 14 * 86_400_000 - 60_000;
      const visitor = { ...park, profile: 'general', vidRequired: false } as const;
      ref =
        db.registerThroughRa(gangnam, visitor, 'teller-07', 'chipVerified', then)?.registration
          .ref ?? '';
    } finally {
      db.close();
    }
    expect((await list(ra.gangnam, ref)).status).toBe(404);
    expect((await revoke(ra.gangnam, ref, serial)).status).toBe(404);
    expect(statusOf(serial)).toBe('issued');
  });

  it('a revoked RA client: 401 on its next request, nothing revoked', async () => {
    const { serial } = await enrol(ra.mapo, park);
    const { ref } = await approve(ra.mapo, park);
    expect((await list(ra.mapo, ref)).status).toBe(200);
    kiosk(['ca', 'ra', 'revoke', '--dir', dir, '--name', 'Mapo']);
    expect((await list(ra.mapo, ref)).status).toBe(401);
    expect((await revoke(ra.mapo, ref, serial)).status).toBe(401);
    expect(statusOf(serial)).toBe('issued');
  });

  it('an RA client revoked during its request (after authentication, before the body ends): 401, nothing revoked', async () => {
    const { serial } = await enrol(ra.jongno, choi);
    const { ref } = await approve(ra.jongno, choi);
    const jongno = read<{ serial: string }>("select serial from ra_clients where name = 'Jongno'");
    const body = Buffer.from(JSON.stringify({ ref, serial, reason: 'keyCompromise', then: 'end' }));
    const half = Math.floor(body.length / 2);
    let connected!: () => void;
    const secure = new Promise<void>((resolve) => (connected = resolve));
    const answer = new Promise<Answer>((resolve, reject) => {
      const req = request(`${raUrl}ra/revoke`, {
        method: 'POST',
        agent: false,
        ...ra.jongno,
        ca: readFileSync(chain, 'utf8'),
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      });
      req.on('error', reject);
      req.on('socket', (socket) => socket.once('secureConnect', connected));
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      });
      req.write(body.subarray(0, half));
      void secure.then(async () => {
        // The headers are in: the server has authenticated the request and waits for the body.
        await new Promise((r) => setTimeout(r, 300));
        kiosk(['ca', 'ra', 'revoke', '--dir', dir, '--name', 'Jongno']);
        req.end(body.subarray(half));
      });
    });
    expect((await answer).status).toBe(401);
    expect(statusOf(serial)).toBe('issued');
    // Refused by the handler's own check, not by the authentication (which it had passed).
    const log = readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8');
    const refusals = log.split('\n').filter((l) => l.includes('"refusal":"revoked"'));
    expect(refusals.some((l) => l.includes(jongno?.serial ?? '-'))).toBe(false);
  });

  it('an RA revocation is on the CRL (`ca crl` and as served) with its reason, and OCSP says revoked', async () => {
    const { serial, cert } = await enrol(ra.gangnam, choi);
    const { ref } = await approve(ra.gangnam, choi);
    expect((await revoke(ra.gangnam, ref, serial, { reason: 'affiliationChanged' })).status).toBe(
      200,
    );
    const out = join(work, 'ca.crl');
    kiosk(['ca', 'crl', '--dir', dir, '--out', out]);
    const served = join(work, 'served.crl');
    writeFileSync(
      served,
      await new Promise<Buffer>((resolve, reject) => {
        get(`http://${cmpServer}/crl`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve(Buffer.concat(chunks));
          });
        }).on('error', reject);
      }),
    );
    for (const file of [out, served]) {
      const text = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text'], {
        encoding: 'utf8',
      }).stdout;
      const entry = new RegExp(
        `Serial Number: 0*${serial.toUpperCase().replace(/^0+/, '')}\\s+Revocation Date:[^\\n]+\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Affiliation Changed`,
      );
      expect(text, file).toMatch(entry);
    }
    const pems =
      readFileSync(chain, 'utf8').match(
        /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
      ) ?? [];
    const issuerName = new x509.X509Certificate(readFileSync(cert, 'utf8')).issuer;
    const issuing = pems.find((p) => new x509.X509Certificate(p).subject === issuerName) ?? '';
    const issuingFile = join(work, 'issuing.pem');
    writeFileSync(issuingFile, issuing);
    const ocsp = spawnSync(
      'openssl',
      [
        'ocsp',
        '-issuer',
        issuingFile,
        '-cert',
        cert,
        '-url',
        `http://${cmpServer}/ocsp`,
        '-noverify',
        '-no_nonce',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(ocsp.stdout, ocsp.stderr).toMatch(/: revoked\s[\s\S]*Reason: affiliationChanged/);
  });

  it('routes by exact path: prototype keys and look-alike paths are 404, nothing revoked', async () => {
    const { serial } = await enrol(ra.gangnam, otherHong);
    const { ref } = await approve(ra.gangnam, otherHong);
    const body = { ref, serial, reason: 'keyCompromise', then: 'end' };
    for (const path of [
      '/__proto__',
      '/constructor',
      '/toString',
      '/ra/revoke/',
      '/RA/REVOKE',
      '/ra//revoke',
      '/ra/revoke%00',
    ])
      expect((await post(ra.gangnam, path, body)).status, path).toBe(404);
    expect(statusOf(serial)).toBe('issued');
  });

  it('no answer and no log line holds an IDN or an authorization code', () => {
    expect(answers.length).toBeGreaterThan(50);
    const log = readFileSync(join(home, 'var', 'log', 'kiosk.jsonl'), 'utf8');
    expect(log).toContain('certificate revoked over the RA endpoint');
    expect(log).toContain('holder certificates listed over the RA endpoint');
    for (const text of [...answers, log]) {
      for (const who of everyone) {
        expect(text).not.toContain(who.idn);
        expect(text).not.toContain(`${who.idn.slice(0, 6)}-${who.idn.slice(6)}`);
        // The last seven digits alone: only in the answers (the log's timestamps are digits too).
        if (text !== log) expect(text).not.toContain(who.idn.slice(6));
      }
      for (const code of codes) {
        expect(text).not.toContain(code);
        expect(text).not.toContain(code.replaceAll('-', ''));
      }
    }
  });
});
