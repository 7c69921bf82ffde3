import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../src/ca/caFiles.js';
import {
  issueRaClientCertificate,
  issueRaServerCertificate,
} from '../../src/ca/ra/certificates.js';
import { registerOverRa, type RaConnection } from '../../src/ca/ra/client.js';
import {
  RaMalformedError,
  RaRefusedError,
  RaTransportError,
  RaUnauthorizedError,
} from '../../src/errors/index.js';
import { FakeCa } from '../support/fakeCa.js';

// Issue 13 item 3: the kiosk's RA client against endpoints that misbehave: silent, slow, huge,
// wrong, refusing. Each ends in its typed error within the deadline, and a refusal's text
// reaches the operator display-safe and short.

const visitor = {
  name: '홍길동',
  idn: '9001011234568',
  profile: 'restricted',
  approvedBy: 'teller-07',
  evidence: 'inPersonOnly',
} as const;

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

describe('registerOverRa against endpoints that misbehave', () => {
  let material: CaMaterial;
  let server: Server;
  let behaviour: Behaviour = () => undefined;
  let connection: RaConnection;
  /** What the endpoint received last (the body the client sent). */
  let received: unknown;

  beforeAll(async () => {
    material = await FakeCa.newMaterial();
    const now = new Date();
    const [serverId, clientId] = await Promise.all([
      issueRaServerCertificate(material, ['127.0.0.1'], now),
      issueRaClientCertificate(material, 'Gangnam', now),
    ]);
    server = createServer(
      { cert: serverId.certificate.toString('pem'), key: serverId.keyPem },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
          behaviour(req, res);
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    connection = {
      url: `https://127.0.0.1:${port}`,
      cert: clientId.certificate.toString('pem'),
      key: clientId.keyPem,
      ca: [material.issuing.certificate.toString('pem'), material.root.certificate.toString('pem')],
      timeoutMs: 1000,
    };
  }, 60_000);
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const answer =
    (status: number, body: string, type = 'application/json'): Behaviour =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
  const outcome = (signal?: AbortSignal): Promise<unknown> =>
    registerOverRa(connection, visitor, signal).catch((e: unknown) => e);

  it('posts the request to /ra/register and reads the registration', async () => {
    let path = '';
    const expires = '2026-06-01T00:00:00.000Z';
    behaviour = (req, res) => {
      path = req.url ?? '';
      answer(200, JSON.stringify({ ref: '12345678', authCode: 'ABCD-EFGH-JKMN-PQRS', expires }))(
        req,
        res,
      );
    };
    await expect(registerOverRa(connection, visitor)).resolves.toEqual({
      ref: '12345678',
      authCode: 'ABCD-EFGH-JKMN-PQRS',
      expires: new Date(expires),
    });
    expect(path).toBe('/ra/register');
    expect(received).toEqual({ ...visitor, vid: 'required' });
  });

  it('a silent endpoint: RaTransportError at the deadline', async () => {
    behaviour = () => undefined;
    const started = Date.now();
    const error = await outcome();
    expect(error).toBeInstanceOf(RaTransportError);
    expect(String(error)).toMatch(/no answer within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an answer that drips in: cut at the same deadline', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 100);
      res.once('close', () => {
        clearInterval(drip);
      });
    };
    expect(await outcome()).toBeInstanceOf(RaTransportError);
  });

  it('the caller cancels: RaTransportError, cancelled', async () => {
    behaviour = () => undefined;
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    const error = await outcome(controller.signal);
    expect(error).toBeInstanceOf(RaTransportError);
    expect(String(error)).toMatch(/cancelled/);
  });

  it('a huge answer or one that is no registration: RaMalformedError', async () => {
    behaviour = answer(200, JSON.stringify({ ref: '1'.repeat(1_000_000) }));
    expect(await outcome()).toBeInstanceOf(RaMalformedError);
    for (const body of [
      'not json',
      '{}',
      JSON.stringify({ ref: '01234567', authCode: 'ABCD-EFGH-JKMN-PQRS', expires: 'x' }),
      JSON.stringify({ ref: '12345678', authCode: 'short', expires: '2026-06-01' }),
    ]) {
      behaviour = answer(200, body);
      expect(await outcome()).toBeInstanceOf(RaMalformedError);
    }
    behaviour = answer(200, '{"ref":"12345678"}', 'text/html');
    expect(await outcome()).toBeInstanceOf(RaMalformedError);
  });

  it('401: RaUnauthorizedError; another refusal: RaRefusedError, its text safe and short', async () => {
    behaviour = answer(401, '{"error":"no"}');
    expect(await outcome()).toBeInstanceOf(RaUnauthorizedError);
    behaviour = answer(400, JSON.stringify({ error: `bad\u001b[2J\u202e${'x'.repeat(5000)}` }));
    const error = await outcome();
    expect(error).toBeInstanceOf(RaRefusedError);
    const refused = error as RaRefusedError;
    expect(refused.status).toBe(400);
    expect(refused.serverText).not.toContain('\u001b');
    expect(refused.serverText).not.toContain('\u202e');
    expect(refused.serverText.length).toBeLessThanOrEqual(200);
    behaviour = answer(503, '<html>busy</html>', 'text/html');
    expect(await outcome()).toMatchObject({ status: 503, serverText: '' });
  });

  it('an endpoint whose certificate is another CA’s, or a URL that is no https: refused', async () => {
    const other = await FakeCa.newMaterial();
    const error = await registerOverRa(
      { ...connection, ca: other.root.certificate.toString('pem') },
      visitor,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RaTransportError);
    for (const url of ['http://127.0.0.1:1', 'not a url']) {
      const wrong = await registerOverRa({ ...connection, url }, visitor).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(RaTransportError);
    }
  }, 60_000);
});
