import type { IncomingMessage } from 'node:http';
import { TellerClientError } from './clientErrors.js';

// The HTTP details of the teller client (client.ts): a bounded answer body and its JSON.

/** An answer: its status, content type (lower case, no parameters) and body. */
export interface Exchange {
  readonly status: number;
  readonly type: string;
  readonly bytes: Buffer;
}

/** The answer's JSON (strict UTF-8), or undefined if it is not JSON. */
export function parseJson(answer: Exchange): unknown {
  if (answer.type !== 'application/json') return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(answer.bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The response's body, or a `malformed` error past `maxBytes` (read no further). */
export function readBounded(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) {
        // Settled first: destroying emits its error on the next tick, before this promise's
        // reactions, and would be reported as a broken connection instead.
        reject(new TellerClientError('malformed', `the answer is over ${String(maxBytes)} bytes`));
        setImmediate(() => response.destroy());
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    response.on('error', reject);
    response.on('aborted', () => {
      reject(new Error('aborted'));
    });
  });
}
