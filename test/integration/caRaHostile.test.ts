import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOverRa, type RaConnection } from '../../src/ca/ra/client.js';
import type { RaRegistrationRequest } from '../../src/ca/ra/registrationRequest.js';
import { runKiosk } from '../support/kiosk.js';
import { startKiosk, type KioskProcess } from '../support/kioskProcess.js';
import { tempDir } from '../support/tempDir.js';

// Issue 13 item 3: what an RA client that misbehaves (or a stolen RA certificate) can send the
// RA endpoint: a 10 MB body, a name a million characters long, keys that would pollute a
// prototype, the wrong method, path or type, bytes that are no JSON; and connections left
// half-open before or after the TLS handshake. Each gets a short JSON refusal (or is cut off),
// nothing is registered, and the other clients go on being served.

const visitor = {
  name: '홍길동',
  idn: '9001011234568',
  profile: 'restricted',
  approvedBy: 'teller-07',
  evidence: 'chipVerified',
} as const satisfies RaRegistrationRequest;

const limits = { headersTimeoutMs: 1000, maxPerAddress: 8, maxConnections: 40 };

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

describe('hostile requests at the RA endpoint', () => {
  const home = tempDir('ca-home-');
  const dir = join(tempDir('ca-'), 'ca');
  let serve: KioskProcess;
  let url: string;
  let ra: RaConnection;

  /** A request with the good RA certificate: whatever method, path, type and body. */
  const send = (
    body: string | Buffer,
    options: { method?: string; path?: string; type?: string } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(`${url}${(options.path ?? '/ra/register').slice(1)}`, {
        method: options.method ?? 'POST',
        agent: false,
        cert: ra.cert,
        key: ra.key,
        ca: ra.ca as string,
        headers: { 'content-type': options.type ?? 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const type = res.headers['content-type'] ?? '';
          resolve({ status: res.statusCode ?? 0, type, body: Buffer.concat(chunks).toString() });
        });
      });
      req.end(body);
    });
  const registrations = (): number => {
    const db = new Database(join(dir, 'ca.sqlite'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from registrations').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  /** A refusal: the status, a short JSON `{error}`, no stack, nothing registered. */
  async function expectRefused(answer: Promise<Answer>, status: number): Promise<string> {
    const before = registrations();
    const { status: got, type, body } = await answer;
    expect(got).toBe(status);
    expect(type).toBe('application/json; charset=utf-8');
    expect(body.length).toBeLessThan(300);
    expect(body).not.toMatch(/\n\s+at |node:internal|\.ts:\d/);
    expect(registrations()).toBe(before);
    return (JSON.parse(body) as { error: string }).error;
  }

  beforeAll(async () => {
    const kiosk = (args: string[]): void => {
      const run = runKiosk(args, home);
      if (run.status !== 0) throw new Error(run.stderr);
    };
    kiosk(['ca', 'init', '--dir', dir]);
    const chain = join(dir, 'chain.pem');
    kiosk(['ca', 'export', '--dir', dir, '--out', chain]);
    const [cert, key] = [join(home, 'ra.pem'), join(home, 'ra.key')];
    kiosk([
      'ca',
      'ra',
      'add',
      '--dir',
      dir,
      '--name',
      'Gangnam',
      '--out-cert',
      cert,
      '--out-key',
      key,
    ]);
    const config = join(home, 'ca-config.json');
    writeFileSync(config, JSON.stringify({ ca: { ...limits, raListen: '127.0.0.1:0' } }));
    serve = await startKiosk(
      ['--config', config, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'],
      /RA listening on (https:\/\/127\.0\.0\.1:\d+\/)/,
      home,
    );
    url = serve.ready[1] ?? '';
    const read = (path: string): string => readFileSync(path, 'utf8');
    ra = { url, cert: read(cert), key: read(key), ca: read(chain), timeoutMs: 10_000 };
  }, 60_000);
  afterAll(async () => serve.stop());

  it('a 10 MB body: 413, and the endpoint goes on serving', async () => {
    const huge = `{"name":"${'a'.repeat(10 * 1024 * 1024)}"}`;
    expect(await expectRefused(send(huge), 413)).toMatch(/at most 16384 bytes/);
    await expect(registerOverRa(ra, visitor)).resolves.toMatchObject({
      ref: expect.stringMatching(/^\d{8}$/) as string,
    });
  }, 60_000);

  it('a name a million characters long: 413; one of 65: 400 naming the rule', async () => {
    const long = JSON.stringify({ ...visitor, name: '가'.repeat(1_000_000) });
    await expectRefused(send(long), 413);
    const error = await expectRefused(
      send(JSON.stringify({ ...visitor, name: 'a'.repeat(65) })),
      400,
    );
    expect(error).toMatch(/^name must be 1 to 64 characters/);
  });

  it('prototype-pollution keys are refused, and pollute nothing afterwards', async () => {
    const rest = JSON.stringify({ ...visitor, approvedBy: undefined }).slice(1);
    for (const key of ['__proto__', 'constructor', 'prototype'])
      await expectRefused(send(`{"${key}":{"approvedBy":"ghost"},${rest}`), 400);
    // Were Object.prototype polluted, a request without approvedBy would now pass.
    const error = await expectRefused(send(`{${rest}`), 400);
    expect(error).toMatch(/^approvedBy must be/);
    await expect(registerOverRa(ra, visitor)).resolves.toMatchObject({
      ref: expect.stringMatching(/^\d{8}$/) as string,
    });
  });

  it('wrong method 405, unknown path 404, wrong type 415, bytes no JSON 400', async () => {
    await expectRefused(send('', { method: 'GET' }), 405);
    await expectRefused(send('', { method: 'PUT' }), 405);
    await expectRefused(send(JSON.stringify(visitor), { path: '/ra/other' }), 404);
    await expectRefused(send(JSON.stringify(visitor), { path: '/' }), 404);
    await expectRefused(send(JSON.stringify(visitor), { type: 'text/plain' }), 415);
    await expectRefused(
      send(JSON.stringify(visitor), { type: 'application/x-www-form-urlencoded' }),
      415,
    );
    expect(await expectRefused(send('{"name": '), 400)).toBe('the body is not JSON');
    expect(await expectRefused(send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400)).toBe(
      'the body is not UTF-8',
    );
    await expectRefused(send('[1,2,3]'), 400);
    await expectRefused(send(JSON.stringify({ ...visitor, idn: '9002301234568' })), 400);
  });

  it('connections left half-open do not hold the endpoint, and are cut off', async () => {
    const [host, port] = [new URL(url).hostname, Number(new URL(url).port)];
    /** When a socket closes: watched from its creation, as the server may close it at once. */
    const closes: Promise<void>[] = [];
    const watch = <T extends Socket>(socket: T): T => {
      socket.on('error', () => undefined);
      closes.push(
        new Promise((resolve) => {
          socket.once('close', () => {
            resolve();
          });
        }),
      );
      return socket;
    };
    // From another loopback address: silent TCP connections, and ones that begin a TLS
    // ClientHello (a record header announcing 512 bytes) and stop; more than its share.
    const clientHelloStart = Buffer.from('16030102000100', 'hex');
    for (let i = 0; i < 20; i++) {
      const socket = watch(connect({ host, port, localAddress: '127.0.0.2' }));
      if (i % 2 === 1) socket.write(clientHelloStart);
    }
    // And from the client's own address, one that completes the handshake and sends nothing.
    await new Promise<void>((resolve, reject) => {
      const { cert, key } = ra;
      const socket = watch(tlsConnect({ host, port, cert, key, ca: ra.ca as string }, resolve));
      socket.once('error', reject);
    });
    const started = Date.now();
    await expect(registerOverRa(ra, visitor)).resolves.toMatchObject({
      ref: expect.stringMatching(/^\d{8}$/) as string,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    // The handshake timeout, and the idle timeout after it (ca.headersTimeoutMs both), end
    // every one of them.
    await Promise.all(closes);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
