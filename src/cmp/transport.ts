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
        if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), signal);
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

async function postOnce(
  url: string,
  body: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/pkixcmp', accept: 'application/pkixcmp' },
      body: new Uint8Array(body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
  } catch (cause) {
    if (signal?.aborted === true)
      return { error: new CmpTransportError(`${url}: cancelled`, { cause }), retriable: false };
    const what = timeout.aborted
      ? `no answer within ${timeoutMs} ms`
      : `cannot connect (${describe(cause)})`;
    return { error: new CmpTransportError(`${url}: ${what}`, { cause }), retriable: true };
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (!response.ok || type !== 'application/pkixcmp') {
    const text = (await readBounded(response, 512).catch(() => new Uint8Array(0))).toString();
    const error = new CmpTransportError(
      `${url}: HTTP ${response.status} ${type ?? ''} ${sanitize(text)}`.trim(),
    );
    return { error, retriable: response.status >= 500 };
  }
  try {
    return await readBounded(response, maxPkiMessageBytes);
  } catch (cause) {
    return {
      error: new CmpTransportError(`${url}: ${describe(cause)}`, { cause }),
      retriable: false,
    };
  }
}

/** Reads at most `max` bytes of a response body; more is an error, not a memory spike. */
async function readBounded(response: Response, max: number): Promise<Buffer> {
  const reader = response.body?.getReader();
  if (reader === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`answer larger than ${max} bytes`);
    }
    chunks.push(value);
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
