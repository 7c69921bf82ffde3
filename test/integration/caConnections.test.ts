import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCa, type RunningCa } from '../support/caServer.js';

// Issue 11 item 7: one client holding ~20,000 half-open connections (one header line each) took
// every descriptor and GET /crl failed. Now one address holds at most ca.maxPerAddress, the whole
// server ca.maxConnections, and a half-sent request is cut off after ca.headersTimeoutMs.

const limits = { maxConnections: 20, maxPerAddress: 8, headersTimeoutMs: 1000 };

/** A connection from `localAddress` that sends one header line and then nothing. */
function halfOpen(server: string, localAddress: string): Promise<Socket> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), localAddress }, () => {
      socket.write('POST /pkix/ HTTP/1.1\r\nHost: ca\r\n');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** What the server sent on the socket before closing it. */
const closed = (socket: Socket): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.once('error', () => undefined);
  });

describe('the CA keeps serving while one client holds connections', () => {
  let ca: RunningCa;
  beforeAll(async () => {
    ca = await startCa('yessign', limits);
  }, 60_000);
  afterAll(async () => ca.stop());

  it('caps one address, serves others, and cuts half-sent requests off', async () => {
    // 127.0.0.2 is the loopback too: the attacker is another address than the test's client.
    const sockets = await Promise.all(
      Array.from({ length: 30 }, () => halfOpen(ca.server, '127.0.0.2').catch(() => undefined)),
    );
    const opened = sockets.filter((s): s is Socket => s !== undefined);
    const answers = opened.map(closed);
    // Another client is served while the attacker holds its share.
    const response = await fetch(`http://${ca.server}/crl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pkix-crl');
    await response.arrayBuffer();

    // Every connection ends: those over the cap at once and unanswered, those held by the
    // header timeout with a 408. No wall-clock race decides which is which.
    const texts = await Promise.all(answers);
    const timedOut = texts.filter((t) => t.startsWith('HTTP/1.1 408'));
    const cut = texts.filter((t) => t === '');
    expect(timedOut.length).toBeGreaterThan(0);
    expect(timedOut.length).toBeLessThanOrEqual(limits.maxPerAddress);
    expect(cut.length).toBe(opened.length - timedOut.length);
    // And the attacker's address may connect again afterwards: the count was released.
    const again = await halfOpen(ca.server, '127.0.0.2');
    again.destroy();
  }, 60_000);
});
