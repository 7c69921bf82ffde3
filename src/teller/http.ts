import type { IncomingMessage, ServerResponse } from 'node:http';
import { noStore, parseJson, readBody, replyJson } from '../ca/server.js';

// The HTTP details of the teller API (server.ts): JSON answers that no cache keeps (they hold
// tokens and personal data), bounded JSON bodies, the bearer token.

/** Largest request body: a login or a decision with its reason is well under 2 KiB. */
export const maxTellerBodyBytes = 16 * 1024;

export { replyJson };

export function replyBytes(res: ServerResponse, type: string, bytes: Buffer): void {
  if (res.headersSent) return;
  res.writeHead(200, { ...noStore, 'content-type': type, 'content-length': bytes.length });
  res.end(bytes);
}

export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly error: string };

/**
 * The request's JSON body: `application/json`, at most maxTellerBodyBytes (more is read and
 * dropped, then 413), valid JSON. An empty body is `{}` (logout, fee-paid). The raw bytes are
 * zeroed once parsed: a login's hold a password.
 */
export async function readJson(req: IncomingMessage): Promise<BodyResult> {
  const body = await readBody(req, maxTellerBodyBytes);
  if (body === undefined)
    return { ok: false, status: 413, error: `at most ${maxTellerBodyBytes} bytes` };
  try {
    if (body.length === 0) return { ok: true, value: {} };
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      return { ok: false, status: 415, error: 'expected application/json' };
    const parsed = parseJson(body);
    return parsed.ok ? parsed : { ok: false, status: 400, error: parsed.error };
  } finally {
    body.fill(0);
  }
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header.length > 512) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match?.[1];
}

/** Seconds for Retry-After (RFC 9110 §10.2.3): whole, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
