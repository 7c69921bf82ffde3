import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OCSPRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { CaDatabase } from '../../../src/ca/database.js';
import { OcspResponder } from '../../../src/ca/ocsp.js';
import { issueEndEntity } from '../../../src/ca/profile.js';
import { hexSerial } from '../../../src/ca/responder.js';
import { ocspStatus } from '../../../src/certificates/revocation.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 11 item 10, attacked: the answer `kiosk cert check` trusts must be the CA's, fresh (its
// nonce), and about this certificate; anything else is "not checked", never "good".

type Mode = 'genuine' | 'forged' | 'replay' | 'silent' | 'garbage' | 'stale' | 'noNonce';

let ca: CaMaterial;
let db: CaDatabase;
let server: Server;
let mode: Mode = 'genuine';
let certificate: Certificate;
let firstRequest: Buffer | undefined;

beforeAll(async () => {
  const [material, other] = await Promise.all([FakeCa.newMaterial(), FakeCa.newMaterial()]);
  ca = material;
  db = new CaDatabase(':memory:', material.sealKey);
  const genuine = new OcspResponder(material, db);
  const forger = new OcspResponder(other, db);
  // Signed by the CA, with our nonce, but made 400 days ago (nextUpdate long past).
  const stale = new OcspResponder(material, db, () => new Date(Date.now() - 400 * 86_400_000));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      firstRequest ??= body;
      if (mode === 'silent') return; // never answers
      const answer =
        mode === 'garbage'
          ? Promise.resolve(Buffer.from('not OCSP'))
          : mode === 'forged'
            ? forger.respond(body)
            : mode === 'stale'
              ? stale.respond(body)
              : genuine.respond(
                  mode === 'replay' ? firstRequest : mode === 'noNonce' ? withoutNonce(body) : body,
                );
      void answer.then((bytes) => {
        res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(bytes);
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const spki = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const issued = await issueEndEntity(material, {
    publicKey: new Uint8Array(spki),
    commonName: '홍길동()001',
    policyOid: '1.2.410.200005.1.1.4',
    ocspUrl: `http://127.0.0.1:${String(port)}/ocsp`,
    now: new Date(),
  });
  certificate = AsnConvert.parse(issued.rawData, Certificate);
  const serial = hexSerial(Buffer.from(issued.serialNumber, 'hex'));
  db.insertCertificate(serial, undefined, new Uint8Array(issued.rawData), 0, 0);
  db.setCertificateStatus(serial, 'issued');
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => {
    server.close(() => {
      done();
    });
  });
  db.close();
});

const status = (m: Mode) => {
  mode = m;
  return ocspStatus(certificate, ca.issuing.certificate, { timeoutMs: 500 });
};

describe('ocspStatus', () => {
  it('trusts the CA’s own fresh answer', async () => {
    expect(await status('genuine')).toEqual({ status: 'good' });
  });

  it('an answer signed by another CA is not checked, not good', async () => {
    expect(await status('forged')).toMatchObject({
      status: 'unchecked',
      why: 'the answer is not signed by the CA or its responder',
    });
  });

  it('a replayed answer (another nonce) is not checked', async () => {
    expect(await status('replay')).toMatchObject({
      status: 'unchecked',
      why: 'the answer carries another nonce (a replay?)',
    });
  });

  it('an answer without our nonce, or an old one, is not checked (a replay after revocation)', async () => {
    expect(await status('noNonce')).toMatchObject({
      status: 'unchecked',
      why: 'the answer does not echo our nonce',
    });
    expect(await status('stale')).toMatchObject({
      status: 'unchecked',
      why: 'the answer is not current (thisUpdate/nextUpdate)',
    });
  });

  it('a responder that says nothing, or garbage, leaves it not checked', async () => {
    expect(await status('silent')).toMatchObject({ status: 'unchecked' });
    expect(await status('garbage')).toMatchObject({ status: 'unchecked' });
  });

  it('the caller cancelling a silent responder: AbortError, not an answer', async () => {
    mode = 'silent';
    const controller = new AbortController();
    const asked = ocspStatus(certificate, ca.issuing.certificate, {
      signal: controller.signal,
      timeoutMs: 60_000,
    });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expect(asked).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/** The same request without its nonce extension (what a replayed, pre-fetched answer answers). */
function withoutNonce(der: Buffer): Buffer {
  const request = AsnConvert.parse(der, OCSPRequest);
  delete request.tbsRequest.requestExtensions;
  delete request.tbsRequestRaw;
  return Buffer.from(AsnConvert.serialize(request));
}
