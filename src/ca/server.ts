import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { maxPkiMessageBytes } from '../cmp/message.js';
import { CmpMalformedError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { CmpResponder } from './responder.js';

/** What the HTTP side needs: a CMP responder and a CRL source. */
export interface CaHttpHandlers {
  readonly responder: Pick<CmpResponder, 'handle'>;
  readonly crl: () => Promise<Buffer>;
  readonly log?: Logger;
  /** Path of the CMP endpoint (DESIGN §5: `/pkix/`, configurable). */
  readonly cmpPath?: string;
}

/** Requests that take longer than this are cut off (a stalled client must not hold a socket). */
const requestTimeoutMs = 30_000;

/**
 * CMP over HTTP (RFC 6712): POST `application/pkixcmp` to the CMP path, answer 200 with the
 * response PKIMessage; `GET /crl` serves the current CRL. Bodies are bounded; bytes that are no
 * PKIMessage get 400, oversized 413, other content types 415.
 */
export function createCaServer(handlers: CaHttpHandlers): Server {
  const cmpPath = (handlers.cmpPath ?? '/pkix/').replace(/\/?$/, '/');
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      handlers.log?.error({ err: error }, 'CA request failed');
      reply(res, 500, 'text/plain', 'internal error\n');
    });
  });
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = requestTimeoutMs;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/crl' && req.method === 'GET') {
      reply(res, 200, 'application/pkix-crl', await handlers.crl());
      return;
    }
    if (path.replace(/\/?$/, '/') !== cmpPath) {
      reply(res, 404, 'text/plain', 'not found\n');
      return;
    }
    if (req.method !== 'POST') {
      reply(res, 405, 'text/plain', 'POST application/pkixcmp\n');
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/pkixcmp') {
      reply(res, 415, 'text/plain', 'expected application/pkixcmp\n');
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      reply(res, 413, 'text/plain', `at most ${maxPkiMessageBytes} bytes\n`);
      return;
    }
    try {
      reply(res, 200, 'application/pkixcmp', await handlers.responder.handle(body));
    } catch (error) {
      if (!(error instanceof CmpMalformedError)) throw error;
      handlers.log?.warn({ err: error }, 'not a PKIMessage');
      reply(res, 400, 'text/plain', `${error.message}\n`);
    }
  }
  return server;
}

/** Starts listening; resolves with the address actually bound (port 0 picks a free one). */
export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxPkiMessageBytes) {
      req.resume();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
