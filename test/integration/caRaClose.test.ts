import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../src/ca/caFiles.js';
import { CaDatabase } from '../../src/ca/database.js';
import { commonNameFor, issueEndEntity } from '../../src/ca/profile.js';
import {
  issueRaClientCertificate,
  issueRaServerCertificate,
  serialOf,
} from '../../src/ca/ra/certificates.js';
import { closeOverRa, type RaConnection } from '../../src/ca/ra/client.js';
import { createRaEndpoint } from '../../src/ca/ra/endpoint.js';
import { RaMalformedError, RaRefusedError } from '../../src/errors/index.js';
import { raOverNetwork } from '../../src/kiosk/raOverNetwork.js';
import { FakeCa } from '../support/fakeCa.js';

// Crash recovery (issue 14 item 3) over the RA endpoint: a kiosk that restarted mid-issuance
// closes the visit's registration with `POST /ra/close {ref, confirm?}` over mutual TLS and learns
// what became of the certificate; and the kiosk's client refuses an answer that is not a close's.

const restricted = '1.2.410.200005.1.1.4';
const visitor = {
  name: '홍길동',
  idn: Buffer.from('9001011234568'),
  profile: 'restricted',
  approvedBy: 'teller-07',
  evidence: 'chipVerified',
} as const;

let material: CaMaterial;
beforeAll(async () => {
  material = await FakeCa.newMaterial();
}, 60_000);

describe('POST /ra/close at the real endpoint, read by the kiosk’s network RA', () => {
  let db: CaDatabase;
  let endpoint: Server;
  let gangnam: RaConnection;
  let seocho: RaConnection;

  beforeAll(async () => {
    db = new CaDatabase(':memory:', material.sealKey);
    endpoint = await createRaEndpoint({
      material,
      db,
      names: ['127.0.0.1'],
      now: () => new Date(),
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as AddressInfo;
    const connection = async (name: string): Promise<RaConnection> => {
      const branch = await issueRaClientCertificate(material, name, new Date());
      db.addRaClient({
        name,
        serial: branch.serial,
        issuedAt: Date.now(),
        notAfter: branch.certificate.notAfter.getTime(),
        revokedAt: undefined,
      });
      return {
        url: `https://127.0.0.1:${String(port)}`,
        cert: branch.certificate.toString('pem'),
        key: branch.keyPem,
        ca: [
          material.issuing.certificate.toString('pem'),
          material.root.certificate.toString('pem'),
        ],
        timeoutMs: 10_000,
      };
    };
    gangnam = await connection('Gangnam');
    seocho = await connection('Seocho');
  }, 60_000);
  afterAll(() => {
    endpoint.closeAllConnections();
    endpoint.close();
    db.close();
  });

  /** An ir answered on `ref` and never confirmed, recorded as the responder does (enrol.ts). */
  async function issuedUnconfirmed(ref: string) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const now = Date.now();
    const certificate = await issueEndEntity(material, {
      publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      commonName: commonNameFor(visitor.name),
      policyOid: restricted,
      now: new Date(now),
    });
    const serial = serialOf(certificate);
    const der = new Uint8Array(certificate.rawData);
    const recorded = db.recordIssued(
      { serial, ref, der, notAfter: certificate.notAfter.getTime() },
      {
        id: randomBytes(16).toString('hex'),
        kind: 'enrol',
        ref,
        protection: 'pbm',
        certSerial: serial,
        senderNonce: randomBytes(16),
        createdAt: now,
      },
      now,
      ref,
    );
    expect(recorded).toBeUndefined();
    return { serial, certHash: createHash('sha256').update(der).digest('hex') };
  }

  it('confirms the certificate the kiosk stored and answers it issued, again on a second close', async () => {
    const ra = raOverNetwork(gangnam);
    const { ref } = await ra.register(visitor);
    const stored = await issuedUnconfirmed(ref);
    const expected = { certificates: [{ serial: stored.serial, status: 'issued' }] };
    await expect(ra.close(ref, undefined, stored)).resolves.toEqual(expected);
    await expect(ra.close(ref)).resolves.toEqual(expected);
    expect(db.transactionFor(stored.serial)).toBeUndefined();
    expect(db.registration(ref)).toMatchObject({
      idn: undefined,
      usedAt: expect.any(Number) as number,
    });
  });

  it('voids an unconfirmed certificate when the kiosk names none: rejected, on the CRL list', async () => {
    const ra = raOverNetwork(gangnam);
    const { ref } = await ra.register(visitor);
    const { serial } = await issuedUnconfirmed(ref);
    await expect(ra.close(ref, AbortSignal.timeout(10_000))).resolves.toEqual({
      certificates: [{ serial, status: 'rejected' }],
    });
    expect(db.revocations().map((r) => r.serial)).toContain(serial);
    expect(db.registration(ref)?.usedAt).toBeDefined();
  });

  it('another branch cannot close the registration: refused, the certificate still pending', async () => {
    const { ref } = await raOverNetwork(gangnam).register(visitor);
    const stored = await issuedUnconfirmed(ref);
    const error = await closeOverRa(seocho, ref, undefined, stored).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaRefusedError);
    expect((error as RaRefusedError).status).toBe(404);
    expect(db.certificate(stored.serial)?.status).toBe('pending');
  });

  it('a confirmation that is not lower-case hex is refused by the endpoint (400)', async () => {
    const { ref } = await raOverNetwork(gangnam).register(visitor);
    const stored = await issuedUnconfirmed(ref);
    const shouted = { serial: stored.serial, certHash: stored.certHash.toUpperCase() };
    const error = await closeOverRa(gangnam, ref, undefined, shouted).catch((e: unknown) => e);
    expect((error as RaRefusedError).status).toBe(400);
    expect(db.certificate(stored.serial)?.status).toBe('pending');
  });
});

describe('the kiosk’s close reading a hostile endpoint (client.ts)', () => {
  let server: Server;
  let connection: RaConnection;
  let answer: (res: ServerResponse) => void = () => undefined;
  let received: unknown;
  const ref = '12345678';
  const json = (value: unknown) => (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };

  beforeAll(async () => {
    const now = new Date();
    const [serverId, clientId] = await Promise.all([
      issueRaServerCertificate(material, ['127.0.0.1'], now),
      issueRaClientCertificate(material, 'Gangnam', now),
    ]);
    server = createServer(
      { cert: serverId.certificate.toString('pem'), key: serverId.keyPem },
      (req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
          answer(res);
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    connection = {
      url: `https://127.0.0.1:${String(port)}`,
      cert: clientId.certificate.toString('pem'),
      key: clientId.keyPem,
      ca: [material.issuing.certificate.toString('pem'), material.root.certificate.toString('pem')],
      timeoutMs: 5000,
    };
  }, 60_000);
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends { ref, confirm: { serial, certHash } } and nothing else of the caller’s object', async () => {
    answer = json({ ref, certificates: [{ serial: 'ab12', status: 'issued' }] });
    const confirm = { serial: 'ab12', certHash: 'c'.repeat(64), der: 'kept at the kiosk' };
    await expect(raOverNetwork(connection).close(ref, undefined, confirm)).resolves.toEqual({
      certificates: [{ serial: 'ab12', status: 'issued' }],
    });
    expect(received).toEqual({ ref, confirm: { serial: 'ab12', certHash: 'c'.repeat(64) } });
    await raOverNetwork(connection).close(ref);
    expect(received).toEqual({ ref });
  });

  it('refuses an unknown status, 10k entries, a serial not hex, another ref, a repeated serial', async () => {
    const entry = (over: Record<string, unknown> = {}) => ({
      serial: 'ab12',
      status: 'issued',
      ...over,
    });
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => entry({ serial: i.toString(16) }));
    const malformed: unknown[] = [
      { ref, certificates: [entry({ status: 'valid' })] },
      { ref, certificates: [entry({ status: 'toString' })] },
      { ref, certificates: [entry({ status: 'ISSUED' })] },
      { ref, certificates: many(10_000) },
      { ref, certificates: many(17) },
      { ref, certificates: [entry({ serial: 'AB12' })] },
      { ref, certificates: [entry({ serial: '../x' })] },
      { ref, certificates: [entry({ serial: 'a'.repeat(43) })] },
      { ref, certificates: [entry({ serial: 12 })] },
      { ref, certificates: [entry(), entry()] },
      { ref, certificates: [null] },
      { ref, certificates: {} },
      { ref: '87654321', certificates: [entry()] },
      { certificates: [entry()] },
      'null',
      '<html>ok</html>',
    ];
    for (const bad of malformed) {
      answer = json(bad);
      await expect(closeOverRa(connection, ref)).rejects.toBeInstanceOf(RaMalformedError);
    }
  });

  it('reads the largest list the CA sends (16) and an empty one', async () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => ({
      serial: (i + 1).toString(16),
      status: (['pending', 'issued', 'rejected', 'revoked'] as const)[i % 4],
    }));
    answer = json({ ref, certificates: sixteen });
    await expect(closeOverRa(connection, ref)).resolves.toEqual({ ref, certificates: sixteen });
    answer = json({ ref, certificates: [] });
    await expect(closeOverRa(connection, ref)).resolves.toEqual({ ref, certificates: [] });
  });
});
