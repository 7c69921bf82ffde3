import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { maxPkiMessageBytes } from '../cmp/message.js';
import { CmpMalformedError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { maxOcspRequestBytes } from './ocsp.js';
import type { CmpResponder } from './responder.js';

/** What the HTTP side needs: a CMP responder and a CRL source. */
export interface CaHttpHandlers {
  readonly responder: Pick<CmpResponder, 'handle'>;
  readonly crl: () => Promise<Buffer>;
  /** The OCSP responder (RFC 6960) at `/ocsp`, if served. */
  readonly ocsp?: (request: Uint8Array) => Promise<Buffer>;
  readonly log?: Logger;
  /** Path of the CMP endpoint (DESIGN §5: `/pkix/`, configurable). */
  readonly cmpPath?: string;
  /** Connection bounds (`ca.*` in the configuration); the defaults are the configuration's. */
  readonly limits?: Partial<ConnectionLimits>;
}

/** What one client, or all of them, may hold of the server (issue 11 item 7). */
export interface ConnectionLimits {
  /** Open connections at once; the kernel's descriptor limit must stay above it. */
  readonly maxConnections: number;
  /** Open connections from one address at once. */
  readonly maxPerAddress: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

const defaultLimits: ConnectionLimits = {
  maxConnections: 512,
  maxPerAddress: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
};

/**
 * CMP over HTTP (RFC 6712): POST `application/pkixcmp` to the CMP path, answer 200 with the
 * response PKIMessage; `GET /crl` serves the current CRL. Bodies are bounded; bytes that are no
 * PKIMessage get 400, oversized 413, other content types 415.
 */
export function createCaServer(handlers: CaHttpHandlers): Server {
  const cmpPath = (handlers.cmpPath ?? '/pkix/').replace(/\/?$/, '/');
  const limits = connectionLimits(handlers.limits);
  const server = createServer(serverOptions(limits), (req, res) => {
    void route(req, res).catch((error: unknown) => {
      handlers.log?.error({ err: error }, 'CA request failed');
      reply(res, 500, 'text/plain', 'internal error\n');
    });
  });
  applyConnectionLimits(server, limits, handlers.log);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/crl' && req.method === 'GET') {
      reply(res, 200, 'application/pkix-crl', await handlers.crl());
      return;
    }
    if (handlers.ocsp !== undefined && (path === '/ocsp' || path.startsWith('/ocsp/'))) {
      await ocsp(req, res, path, handlers.ocsp);
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
      reply(
        res,
        200,
        'application/pkixcmp',
        await handlers.responder.handle(body, req.socket.remoteAddress),
      );
    } catch (error) {
      if (!(error instanceof CmpMalformedError)) throw error;
      handlers.log?.warn({ err: error }, 'not a PKIMessage');
      reply(res, 400, 'text/plain', `${error.message}\n`);
    }
  }
  return server;
}

/**
 * OCSP over HTTP (RFC 6960 Appendix A.1): POST `application/ocsp-request` to `/ocsp`, or GET
 * `/ocsp/<base64 of the DER, URL-encoded>`; bounded like CMP requests, far smaller.
 */
async function ocsp(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  respond: (request: Uint8Array) => Promise<Buffer>,
): Promise<void> {
  let body: Buffer | undefined;
  if (req.method === 'GET' && path.startsWith('/ocsp/')) {
    const encoded = path.slice('/ocsp/'.length);
    if (encoded.length > maxOcspRequestBytes * 2) {
      reply(res, 414, 'text/plain', 'request too long\n');
      return;
    }
    try {
      body = Buffer.from(decodeURIComponent(encoded), 'base64');
    } catch {
      body = Buffer.alloc(0); // bad percent-encoding: answered malformedRequest like bad DER
    }
  } else if (req.method === 'POST' && path === '/ocsp') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/ocsp-request') {
      reply(res, 415, 'text/plain', 'expected application/ocsp-request\n');
      return;
    }
    body = await readBody(req, maxOcspRequestBytes);
    if (body === undefined) {
      reply(res, 413, 'text/plain', `at most ${maxOcspRequestBytes} bytes\n`);
      return;
    }
  } else {
    reply(res, 405, 'text/plain', 'POST application/ocsp-request, or GET /ocsp/BASE64\n');
    return;
  }
  reply(res, 200, 'application/ocsp-response', await respond(body));
}

/** The configured bounds over the defaults (the configuration's own). */
export function connectionLimits(partial?: Partial<ConnectionLimits>): ConnectionLimits {
  return { ...defaultLimits, ...partial };
}

/**
 * What an HTTP(S) server must be created with for `limits` to hold: Node checks the header and
 * request timeouts every connectionsCheckingInterval (30 s by default), and a client holding
 * half-sent requests would outlive the timeouts by that much.
 */
export function serverOptions(limits: ConnectionLimits): { connectionsCheckingInterval: number } {
  return {
    connectionsCheckingInterval: Math.max(250, Math.min(1000, limits.headersTimeoutMs / 4)),
  };
}

/**
 * Applies the bounds to a server made with serverOptions (the CMP server, the RA endpoint): the
 * header, request and keep-alive timeouts, the connection cap, and the cap per address.
 */
export function applyConnectionLimits(
  server: Server | HttpsServer,
  limits: ConnectionLimits,
  log: Logger | undefined,
): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Past maxConnections Node closes new connections at once and goes on serving the others.
  server.maxConnections = limits.maxConnections;
  capPerAddress(server, limits.maxPerAddress, log);
}

/**
 * Closes a new connection at once when its address already holds `max`: one client cannot take
 * every connection the server allows and shut the others out. On a TLS server this is the TCP
 * connection, before any handshake.
 */
function capPerAddress(server: NetServer, max: number, log: Logger | undefined): void {
  const open = new Map<string, number>();
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      // Logged once per hundred: a flood must not become a flood of log lines.
      if (refused++ % 100 === 0) log?.warn({ address, refused }, 'connection cap per address');
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** Starts listening; resolves with the address actually bound (port 0 picks a free one). */
export async function listen(server: NetServer, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * A request's body, or undefined past `maxBytes`: then the rest is read and dropped (bounded by
 * the request timeout), so the client still reads the refusal the caller sends.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes = maxPkiMessageBytes,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
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

/**
 * Headers on every JSON or binary answer of the kiosk's HTTPS APIs (the RA endpoint, the teller
 * API): they carry one-time codes, tokens and personal data, so no cache keeps them, and nothing
 * is sniffed into another type.
 */
export const noStore = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** A JSON answer with `noStore`; nothing if the headers went out already. */
export function replyJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...noStore,
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A request body as JSON: UTF-8 (strictly) and JSON, or which of the two it is not. */
export function parseJson(
  body: Buffer,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { ok: false, error: 'the body is not UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
}
