import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fromPromise } from 'xstate';

/**
 * Whether the CA answers (the kiosk machine's `checkCa`, machines/kiosk.ts): one GET to its CMP
 * URL. Any HTTP answer means it is up, whatever the status (a CMP endpoint answers a GET with
 * 404 or 405; what matters is that something at that address speaks HTTP); a connection error,
 * a TLS failure or silence for `timeoutMs` means it cannot be reached. Leaving the machine's
 * `checking` state aborts the request (its own caCheckTimeout), so a half-open connection never
 * holds the kiosk.
 */
export function caCheck(url: string, timeoutMs: number) {
  return fromPromise<undefined>(({ signal }) => caAnswers(url, timeoutMs, signal));
}

/** Resolves when the CA at `url` answers anything over HTTP; rejects otherwise. */
export function caAnswers(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<undefined> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    // A connection of its own (no keep-alive pool): nothing stays open between checks.
    const request = send(target, { method: 'GET', agent: false, timeout: timeoutMs, signal });
    request.once('response', (response) => {
      // Only the status line matters: the body is dropped with the connection.
      response.destroy();
      resolve(undefined);
    });
    request.once('timeout', () => {
      request.destroy(new Error(`${target.origin}: no answer within ${String(timeoutMs)} ms`));
    });
    request.once('error', reject);
    request.end();
  });
}
