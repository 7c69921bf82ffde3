// Over 400 lines as one unit (the attack review of commit 761921c): one review's attacks on the
// RA's holder requests, from the database to the visit, share the CA material and its helpers.
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { CaDatabase } from '../../../src/ca/database.js';
import { commonNameFor, issueEndEntity } from '../../../src/ca/profile.js';
import {
  issueRaClientCertificate,
  issueRaServerCertificate,
  serialOf,
} from '../../../src/ca/ra/certificates.js';
import {
  certificatesOverRa,
  registerOverRa,
  revokeOverRa,
  type RaConnection,
} from '../../../src/ca/ra/client.js';
import { createRaEndpoint } from '../../../src/ca/ra/endpoint.js';
import {
  holderCertificatesFor,
  revokeForHolder,
  type RevokeRequest,
} from '../../../src/ca/ra/holderRequests.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import {
  RaMalformedError,
  RaRefusedError,
  RaUnauthorizedError,
} from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';
import { kiosk, until, walkThroughIdentity } from '../../support/kioskWorld.js';

// Attack review of the RA's holder requests (issue 13: revocation and reissue at the kiosk, commit
// 761921c): `POST /ra/certificates` and `POST /ra/revoke` on the authority of a registration, the
// same checks in process (src/kiosk/raInProcess.ts), the kiosk's client of both
// (src/ca/ra/client.ts) reading what a hostile or broken endpoint answers, and the visit around
// them. Each test is named for what it proves; six were breaks when written, fixed since.

const day = 86_400_000;
const restricted = '1.2.410.200005.1.1.4';
const hong = { name: '홍길동', idn: '9001011234568' };

let material: CaMaterial;
beforeAll(async () => {
  material = await FakeCa.newMaterial();
});

/** A certificate the CA really signs for `holder`, recorded as the responder would. */
async function issueTo(
  db: CaDatabase,
  holder: { name: string; idn: string },
  now: number,
  options: { status?: 'pending' | 'issued'; predecessor?: string; ref?: string } = {},
): Promise<{ serial: string; notAfter: number }> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = await issueEndEntity(material, {
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    commonName: commonNameFor(holder.name),
    policyOid: restricted,
    now: new Date(now),
  });
  const serial = serialOf(certificate);
  const notAfter = certificate.notAfter.getTime();
  const der = new Uint8Array(certificate.rawData);
  const tag = db.holderTag(holder.idn);
  db.insertCertificate(serial, options.ref, der, notAfter, now, tag, options.predecessor);
  if (options.status !== 'pending') db.markIssued(serial);
  return { serial, notAfter };
}

const raClient = (serial: string, notAfter = Date.now() + 800 * day) => ({
  name: `branch-${serial}`,
  serial,
  issuedAt: 0,
  notAfter,
  revokedAt: undefined,
});

const visitor = (who: { name: string; idn: string }) => ({
  name: who.name,
  idn: who.idn,
  profile: 'restricted' as const,
  vidRequired: true,
});

const revokeOf = (ref: string, serial: string, more: Partial<RevokeRequest> = {}) =>
  ({ ref, serial, reason: 'keyCompromise', then: 'end', ...more }) satisfies RevokeRequest;

describe('holder requests on the CA database (holderRequests.ts)', () => {
  it('a registration authorises until the instant it expires and not at it', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('0a'));
    const { serial } = await issueTo(db, hong, t0);
    const made = db.registerThroughRa('0a', visitor(hong), 'teller-07', 'chipVerified', t0);
    const ref = made?.registration.ref ?? '';
    const expiresAt = db.registration(ref)?.expiresAt ?? 0;
    expect(expiresAt).toBe(t0 + 14 * day);
    expect(holderCertificatesFor(db, '0a', ref, expiresAt - 1)).toMatchObject({ ok: true });
    expect(holderCertificatesFor(db, '0a', ref, expiresAt)).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(revokeForHolder(db, '0a', revokeOf(ref, serial), expiresAt)).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(db.certificate(serial)?.status).toBe('issued');
    db.close();
  });

  it('an RA client that expired or was revoked after it was authenticated: 401, nothing revoked', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('0b', t0 + day));
    db.addRaClient(raClient('0c'));
    const { serial } = await issueTo(db, hong, t0);
    const refB = db.registerThroughRa('0b', visitor(hong), 't', 'chipVerified', t0)?.registration;
    const refC = db.registerThroughRa('0c', visitor(hong), 't', 'chipVerified', t0)?.registration;
    // 0b's certificate ends while its registration would still be open.
    const later = t0 + day + 1;
    expect(holderCertificatesFor(db, '0b', refB?.ref ?? '', later)).toMatchObject({ status: 401 });
    expect(revokeForHolder(db, '0b', revokeOf(refB?.ref ?? '', serial), later)).toMatchObject({
      status: 401,
    });
    db.revokeRaClient('branch-0c', t0 + 1);
    expect(revokeForHolder(db, '0c', revokeOf(refC?.ref ?? '', serial), t0 + 2)).toMatchObject({
      status: 401,
    });
    expect(db.certificate(serial)?.status).toBe('issued');
    expect(db.revocation(serial)).toBeUndefined();
    db.close();
  });

  it('the network RA, the operator’s in-process RA and `ca register` cannot use each other’s registrations', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('0d'));
    db.addRaClient(raClient('0e'));
    const { serial } = await issueTo(db, hong, t0);
    const network = db.registerThroughRa('0d', visitor(hong), 't', 'chipVerified', t0);
    const networkRef = network?.registration.ref ?? '';
    const cli = db.register(hong.name, hong.idn, 'restricted', t0).ref;
    // Another branch, the operator's RA (no client serial) on a branch's registration, a branch
    // on the operator's: all "no open registration", nothing revoked.
    expect(holderCertificatesFor(db, '0e', networkRef, t0)).toMatchObject({ status: 404 });
    expect(holderCertificatesFor(db, undefined, networkRef, t0)).toMatchObject({ status: 404 });
    expect(holderCertificatesFor(db, '0d', cli, t0)).toMatchObject({ status: 404 });
    expect(revokeForHolder(db, '0e', revokeOf(networkRef, serial), t0)).toMatchObject({
      status: 404,
    });
    expect(revokeForHolder(db, '0d', revokeOf(cli, serial), t0)).toMatchObject({ status: 404 });
    const inProcess = raInProcess(db, () => new Date(t0));
    await expect(inProcess.certificates(networkRef)).rejects.toMatchObject({ status: 404 });
    await expect(inProcess.revoke(revokeOf(networkRef, serial))).rejects.toBeInstanceOf(
      RaRefusedError,
    );
    expect(db.certificate(serial)?.status).toBe('issued');
    // Each on its own: allowed.
    expect(holderCertificatesFor(db, '0d', networkRef, t0)).toMatchObject({ ok: true });
    expect(holderCertificatesFor(db, undefined, cli, t0)).toMatchObject({ ok: true });
    db.close();
  });

  it('a refused revocation with then=end spends nothing: the registration stays open', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('0f'));
    const other = await issueTo(db, { name: '홍길동', idn: '8501011234566' }, t0);
    const mine = await issueTo(db, hong, t0);
    db.revoke(mine.serial, 4, t0);
    const ref = db.registerThroughRa('0f', visitor(hong), 't', 'chipVerified', t0)?.registration
      .ref;
    expect(revokeForHolder(db, '0f', revokeOf(ref ?? '', other.serial), t0)).toMatchObject({
      status: 403,
    });
    expect(revokeForHolder(db, '0f', revokeOf(ref ?? '', mine.serial), t0)).toMatchObject({
      status: 409,
    });
    expect(revokeForHolder(db, '0f', revokeOf(ref ?? '', 'ab'.repeat(21)), t0)).toMatchObject({
      status: 403,
    });
    const record = db.registration(ref ?? '');
    expect(record?.usedAt).toBeUndefined();
    expect(record?.idn).toBe(hong.idn);
    expect(db.certificate(other.serial)?.status).toBe('issued');
    db.close();
  });

  it('another holder’s serial, a revoked or expired one of another holder, and none at all answer alike', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('10'));
    const other = { name: '홍길동', idn: '8501011234566' };
    const valid = await issueTo(db, other, t0);
    const revoked = await issueTo(db, other, t0);
    db.revoke(revoked.serial, 1, t0);
    const old = await issueTo(db, other, t0 - 400 * day);
    const ref = db.registerThroughRa('10', visitor(hong), 't', 'chipVerified', t0)?.registration
      .ref;
    const answers = [valid.serial, revoked.serial, old.serial, '7f'.repeat(16)].map((serial) =>
      revokeForHolder(db, '10', revokeOf(ref ?? '', serial), t0),
    );
    for (const answer of answers) expect(answer).toEqual(answers[3]);
    expect(answers[3]).toMatchObject({ ok: false, status: 403 });
    db.close();
  });

  it('a certificate ending at the instant is neither listed nor revocable; a pending one neither', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('11'));
    const ending = await issueTo(db, hong, t0);
    const pending = await issueTo(db, hong, t0, { status: 'pending' });
    const ref = db.registerThroughRa('11', visitor(hong), 't', 'chipVerified', t0)?.registration
      .ref;
    const at = ending.notAfter;
    const listed = holderCertificatesFor(db, '11', ref ?? '', t0);
    expect(listed.ok && listed.value.map((c) => c.serial)).toEqual([ending.serial]);
    expect(revokeForHolder(db, '11', revokeOf(ref ?? '', pending.serial), t0)).toMatchObject({
      status: 409,
    });
    // A registration made just before the certificate ends, used at the instant it ends.
    const late = db.registerThroughRa('11', visitor(hong), 't', 'chipVerified', at - 1);
    const lateRef = late?.registration.ref ?? '';
    expect(holderCertificatesFor(db, '11', lateRef, at)).toEqual({ ok: true, value: [] });
    expect(revokeForHolder(db, '11', revokeOf(lateRef, ending.serial), at)).toMatchObject({
      status: 409,
    });
    expect(db.certificate(pending.serial)?.status).toBe('pending');
    db.close();
  });

  it('keyCompromise through the RA also revokes the pending renewal the stolen key signed', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('12'));
    const old = await issueTo(db, hong, t0);
    // A kur made with the key the holder reports stolen, signed but not yet confirmed.
    const renewal = await issueTo(db, hong, t0, { status: 'pending', predecessor: old.serial });
    const ref = db.registerThroughRa('12', visitor(hong), 'kim', 'chipVerified', t0)?.registration
      .ref;
    const done = revokeForHolder(db, '12', revokeOf(ref ?? '', old.serial), t0 + 5);
    expect(done).toEqual({ ok: true, value: { serial: old.serial } });
    expect(db.revocation(old.serial)).toMatchObject({ reason: 1, revokedAt: t0 + 5 });
    expect(db.certificate(renewal.serial)?.status).toBe('revoked');
    expect(db.revocation(renewal.serial)).toMatchObject({ reason: 1 });
    // Its confirmation cannot bring it back.
    expect(db.markIssued(renewal.serial)).toBe(false);
    // The RA record is for what the RA asked; the cascade is the CA's own.
    expect(db.raRevocation(old.serial)).toMatchObject({ ref, raSerial: '12', approvedBy: 'kim' });
    expect(db.raRevocation(renewal.serial)).toBeUndefined();
    db.close();
  });

  it('the in-process RA runs the endpoint’s request checks: a reason or `then` outside them revokes nothing', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    const ra = raInProcess(db, () => new Date(t0));
    // What the endpoint's schema refuses with 400 (revokeRequestSchema), sent to the operator's
    // RA as a kiosk with a bad snapshot or a future caller might: it must refuse them too.
    const bad = [
      { reason: 'certificateHold', then: 'end' },
      { reason: 'removeFromCRL', then: 'end' },
      { reason: 'toString', then: 'end' },
      { reason: 'keyCompromise', then: 'later' },
    ] as unknown as Pick<RevokeRequest, 'reason' | 'then'>[];
    for (const fields of bad) {
      const { serial } = await issueTo(db, hong, t0);
      const { ref } = db.register(hong.name, hong.idn, 'restricted', t0);
      const outcome = await ra.revoke({ ref, serial, ...fields }).then(
        () => 'revoked',
        (e: unknown) => e,
      );
      // Today: 'certificateHold' marks the certificate revoked with no revocations row (so off
      // the CRL and OCSP), 'toString' throws a TypeError, 'later' revokes and keeps the reference.
      const state = {
        outcome: outcome instanceof RaRefusedError ? outcome.status : String(outcome),
        status: db.certificate(serial)?.status,
        onCrl: db.revocation(serial) !== undefined,
        spent: db.registration(ref)?.usedAt !== undefined,
      };
      expect(state, JSON.stringify(fields)).toEqual({
        outcome: 400,
        status: 'issued',
        onCrl: false,
        spent: false,
      });
    }
    db.close();
  });

  it('then=issue keeps the registration; a second revocation may then end it, and nothing after', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const t0 = Date.now();
    db.addRaClient(raClient('13'));
    const first = await issueTo(db, hong, t0);
    const second = await issueTo(db, hong, t0);
    const ref =
      db.registerThroughRa('13', visitor(hong), 't', 'chipVerified', t0)?.registration.ref ?? '';
    expect(
      revokeForHolder(db, '13', revokeOf(ref, first.serial, { then: 'issue' }), t0),
    ).toMatchObject({ ok: true });
    expect(db.registration(ref)).toMatchObject({ usedAt: undefined, idn: hong.idn });
    const listed = holderCertificatesFor(db, '13', ref, t0);
    expect(listed.ok && listed.value.map((c) => c.serial)).toEqual([second.serial]);
    expect(revokeForHolder(db, '13', revokeOf(ref, second.serial), t0)).toMatchObject({ ok: true });
    expect(db.registration(ref)).toMatchObject({ usedAt: t0, idn: undefined });
    expect(holderCertificatesFor(db, '13', ref, t0)).toMatchObject({ status: 404 });
    db.close();
  });
});

/** TLS material for a fake endpoint and the kiosk's connection to it. */
async function tlsPair(): Promise<{ server: { cert: string; key: string }; client: RaConnection }> {
  const now = new Date();
  const server = await issueRaServerCertificate(material, ['127.0.0.1'], now);
  const branch = await issueRaClientCertificate(material, 'Gangnam', now);
  const pem = (c: { toString(f: 'pem'): string }) => c.toString('pem');
  return {
    server: {
      cert: `${pem(server.certificate)}\n${pem(material.issuing.certificate)}\n`,
      key: server.keyPem,
    },
    client: {
      url: 'https://127.0.0.1:1',
      cert: pem(branch.certificate),
      key: branch.keyPem,
      ca: [pem(material.issuing.certificate), pem(material.root.certificate)],
      timeoutMs: 5000,
    },
  };
}

describe('the kiosk’s RA client reading a hostile endpoint (client.ts)', () => {
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let server: Server;
  let connection: RaConnection;
  const json = (status: number, value: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  const entry = (over: Record<string, unknown> = {}) => ({
    serial: 'ab12',
    subject: 'CN=홍길동()0012,O=yessign,C=kr',
    notAfter: '2027-01-01T14:59:59.000Z',
    ...over,
  });

  beforeAll(async () => {
    const pair = await tlsPair();
    server = createServer({ ...pair.server }, (req, res) => {
      req.resume();
      req.on('end', () => {
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    connection = { ...pair.client, url: `https://127.0.0.1:${String(port)}` };
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses a 200 that is no JSON, not JSON-typed, a huge body, 65 or 1000 entries, a bad serial', async () => {
    const malformed: ((req: IncomingMessage, res: ServerResponse) => void)[] = [
      json(200, '<html>ok</html>'),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(JSON.stringify({ certificates: [entry()] }));
      },
      json(200, { certificates: [entry({ subject: 'x'.repeat(9000) })] }),
      (_req, res) => {
        // A body without end: the client stops reading at its bound.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"certificates":[${'1,'.repeat(100_000)}`);
      },
      json(200, {
        certificates: Array.from({ length: 65 }, () => ({
          serial: 'a',
          subject: '',
          notAfter: '1',
        })),
      }),
      json(200, { certificates: Array.from({ length: 1000 }, () => entry()) }),
      json(200, { certificates: [entry({ serial: 'AB12' })] }),
      json(200, { certificates: [entry({ serial: '../x' })] }),
      json(200, { certificates: [entry({ subject: 7 })] }),
      json(200, { certificates: [entry({ notAfter: 'soon' })] }),
      json(200, { certificates: {} }),
      json(200, 'null'),
    ];
    for (const bad of malformed) {
      answer = bad;
      await expect(certificatesOverRa(connection, '12345678')).rejects.toBeInstanceOf(
        RaMalformedError,
      );
    }
  });

  it('a subject with terminal escapes reaches the kiosk made safe', async () => {
    answer = json(200, {
      certificates: [entry({ subject: 'CN=\u001b]0;pwned\u0007홍길동\u001b[2J\u202e()\u0085' })],
    });
    const [listed] = await certificatesOverRa(connection, '12345678');
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(listed?.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(listed?.subject).toContain('홍길동');
  });

  it('an error answer with terminal escapes and 6 kB of text: a typed error, safe and bounded', async () => {
    answer = json(403, { error: `\u001b[2J${'가'.repeat(2000)}` });
    const error = (await revokeOverRa(connection, revokeOf('12345678', 'ab')).catch(
      (e: unknown) => e,
    )) as RaRefusedError;
    expect(error).toBeInstanceOf(RaRefusedError);
    expect(error.status).toBe(403);
    expect(error.serverText).not.toContain('\u001b');
    expect(error.serverText.length).toBeLessThanOrEqual(200);
    answer = json(401, { error: 'no' });
    await expect(certificatesOverRa(connection, '12345678')).rejects.toBeInstanceOf(
      RaUnauthorizedError,
    );
  });

  it('a notAfter carrying terminal escapes in a Date.parse comment is refused or made safe', async () => {
    // V8's Date.parse ignores text in parentheses and words before a date: such values must not
    // pass as dates.
    const hostile = [
      'Jan 1 2027 (\u001b]0;pwned\u0007\u001b[2J)',
      '\u001b[31mred 2027-01-01',
      `2027-01-01 (${'x'.repeat(7000)})`,
    ];
    for (const notAfter of hostile) {
      answer = json(200, { certificates: [entry({ notAfter })] });
      const got = await certificatesOverRa(connection, '12345678').catch((e: unknown) => e);
      if (got instanceof Error) expect(got).toBeInstanceOf(RaMalformedError);
      else
        for (const c of got as { notAfter: string }[])
          expect(c.notAfter).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    }
  });

  it('a revocation answered for another certificate than the one asked is refused', async () => {
    answer = json(200, { serial: 'cafe' });
    await expect(revokeOverRa(connection, revokeOf('12345678', 'ab12'))).rejects.toBeInstanceOf(
      RaMalformedError,
    );
  });
});

describe('the real endpoint’s answer read by the real client', () => {
  it('the largest list the CA sends (64 certificates) is one the kiosk can read', async () => {
    const db = new CaDatabase(':memory:', material.sealKey);
    const endpoint = await createRaEndpoint({
      material,
      db,
      names: ['127.0.0.1'],
      now: () => new Date(),
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = endpoint.address() as AddressInfo;
      const t0 = Date.now();
      const branch = await issueRaClientCertificate(material, 'Gangnam', new Date(t0));
      db.addRaClient({ ...raClient(branch.serial), name: 'Gangnam' });
      for (let i = 0; i < 64; i++) await issueTo(db, hong, t0 - 1000 + i);
      const pair = await tlsPair();
      const connection: RaConnection = {
        ...pair.client,
        url: `https://127.0.0.1:${String(port)}`,
        cert: branch.certificate.toString('pem'),
        key: branch.keyPem,
      };
      const request = { ...hong, profile: 'restricted', approvedBy: 't', evidence: 'chipVerified' };
      const { ref } = await registerOverRa(
        connection,
        request as Parameters<typeof registerOverRa>[1],
      );
      expect(holderCertificatesFor(db, branch.serial, ref, Date.now())).toMatchObject({
        ok: true,
        value: { length: 64 },
      });
      const listed = await certificatesOverRa(connection, ref);
      expect(listed).toHaveLength(64);
    } finally {
      endpoint.closeAllConnections();
      endpoint.close();
      db.close();
    }
  });
});

describe('the visit around the holder requests', () => {
  let world: Awaited<ReturnType<typeof kiosk>>;
  beforeAll(async () => {
    world = await kiosk('usb', { ra: 'inProcess' });
  }, 60_000);
  afterAll(() => {
    world.close();
  });

  it('a revocation visit that finds nothing leaves no resident number at the CA', async () => {
    const visit = world.service.startVisit();
    await walkThroughIdentity(visit, world.profile, 'revoke', {
      name: '홍길동',
      idn: '8805051000018',
    });
    const found = await until(visit, (s) => s.matches({ flow: 'nothingAtCa' }));
    const ref = found.context.ref ?? '';
    visit.send({ type: 'visitor.finish' });
    await visit.ended;
    // Nothing follows: the registration is spent and its IDN forgotten, as after a revocation.
    expect(world.world.ca.db.registration(ref)?.idn).toBeUndefined();
  }, 30_000);

  it('a revocation visit cancelled at the pick list leaves no resident number at the CA', async () => {
    const db = world.world.ca.db;
    const who = { name: '홍길동', idn: '7703032000022' };
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const certificate = await issueEndEntity(world.world.ca.material, {
      publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      commonName: commonNameFor(who.name),
      policyOid: restricted,
      now: new Date(),
    });
    const serial = serialOf(certificate);
    const der = new Uint8Array(certificate.rawData);
    const tag = db.holderTag(who.idn);
    db.insertCertificate(serial, undefined, der, certificate.notAfter.getTime(), Date.now(), tag);
    db.markIssued(serial);
    const visit = world.service.startVisit();
    await walkThroughIdentity(visit, world.profile, 'revoke', who);
    const picking = await until(visit, (s) => s.matches({ flow: 'pickingRevocation' }));
    expect(picking.context.atCa.map((c) => c.serial)).toEqual([serial]);
    const ref = picking.context.ref ?? '';
    visit.send({ type: 'visit.cancel' });
    await visit.ended;
    expect(db.certificate(serial)?.status).toBe('issued');
    expect(db.registration(ref)?.idn).toBeUndefined();
  }, 30_000);
});
