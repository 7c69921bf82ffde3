import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CmpTransportError } from '../errors/index.js';
import { maxPkiMessageBytes } from './message.js';

/** Sends one PKIMessage and returns the answer's bytes (RFC 6712 over HTTP, or a fake). */
export interface CmpTransport {
  send(request: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}

export interface HttpTransportOptions {
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Further attempts after a connection failure or a 5xx (never after an answer was read). */
  readonly retries?: number;
  /** Between attempts, doubled each time. */
  readonly backoffMs?: number;
}

/**
 * CMP over HTTP: POST `application/pkixcmp` to the CA's URL (DESIGN §5). Connection failures and
 * 5xx answers are retried a bounded number of times with backoff (the request is idempotent until
 * the CA has answered it: a transaction the CA completed answers the same way or refuses); every
 * failure ends as a CmpTransportError saying what happened.
 */
export function httpTransport(url: string, options: HttpTransportOptions = {}): CmpTransport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 500;
  return {
    async send(request, signal) {
      let lastError: CmpTransportError | undefined;
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) await abortableSleep(backoffMs * 2 ** (attempt - 1), signal);
        const result = await postOnce(url, request, timeoutMs, signal);
        if (result instanceof Uint8Array) return result;
        lastError = result.error;
        if (!result.retriable) break;
      }
      throw lastError ?? new CmpTransportError(`${url}: no answer`);
    },
  };
}

type Attempt = Uint8Array | { error: CmpTransportError; retriable: boolean };

/**
 * One POST on a connection of its own (no keep-alive): some CMP servers, OpenSSL's among them,
 * serve one message per connection and drop the transaction on a reused one.
 */
function postOnce(
  url: string,
  body: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (cause) {
      resolve({ error: new CmpTransportError(`${url}: not a URL`, { cause }), retriable: false });
      return;
    }
    const send =
      target.protocol === 'https:'
        ? httpsRequest
        : target.protocol === 'http:'
          ? httpRequest
          : undefined;
    if (send === undefined) {
      resolve({
        error: new CmpTransportError(`${url}: only http and https are supported`),
        retriable: false,
      });
      return;
    }
    const request = send(target, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/pkixcmp',
        accept: 'application/pkixcmp',
        'content-length': body.length,
      },
      timeout: timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    request.on('timeout', () =>
      request.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`)),
    );
    request.on('error', (cause: Error) => {
      if (signal?.aborted === true) {
        resolve({ error: new CmpTransportError(`${url}: cancelled`, { cause }), retriable: false });
      } else {
        const what =
          cause instanceof TimeoutError ? cause.message : `cannot connect (${describe(cause)})`;
        resolve({ error: new CmpTransportError(`${url}: ${what}`, { cause }), retriable: true });
      }
    });
    request.on('response', (response) => {
      const type =
        (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300 && type === 'application/pkixcmp';
      readBounded(response, ok ? maxPkiMessageBytes : 512).then(
        (bytes) => {
          if (ok) {
            resolve(bytes);
          } else {
            const text = `${url}: HTTP ${status} ${type} ${sanitize(bytes.toString())}`.trim();
            resolve({ error: new CmpTransportError(text), retriable: status >= 500 });
          }
        },
        (cause: unknown) => {
          resolve({
            error: new CmpTransportError(`${url}: ${describe(cause)}`, { cause }),
            retriable: false,
          });
        },
      );
    });
    request.end(body);
  });
}

class TimeoutError extends Error {}

/** Reads at most `max` bytes of a response body; more is an error, not a memory spike. */
async function readBounded(response: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) {
      response.destroy();
      throw new Error(`answer larger than ${max} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function describe(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string } }).cause?.code;
  return inner ?? (cause instanceof Error ? cause.message : String(cause));
}

function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex -- a CA's error page must not reach a terminal raw
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);
}

/** Waits `ms`, or rejects with CmpTransportError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new CmpTransportError('cancelled'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new CmpTransportError('cancelled'));
      },
      { once: true },
    );
  });
}
