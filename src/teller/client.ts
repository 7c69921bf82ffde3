import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { isLoopback } from '../config/listen.js';
import type { IdDocumentType } from '../../machines/form/idDocument.js';
import { screenSafe } from '../text/screenSafe.js';
import {
  decidedAnswer,
  loginAnswer,
  queueAnswer,
  refusedAnswer,
  visitAnswer,
  visitIdPattern,
  type DecisionOutcome,
  type QueueItem,
  type VisitDetail,
} from './answers.js';
import type { PhotoType } from './desk.js';
import { TellerClientError } from './clientErrors.js';
import { parseJson, readBounded, type Exchange } from './clientHttp.js';
import { jsonObjectBytes, jsonStringBytes } from './jsonBytes.js';

// The teller console's client of the teller API (issue 15 item 3; the API: server.ts). Typed
// calls, one request each, with a deadline and a bounded answer checked by answers.ts. The
// password and an in-person ID number travel as bytes the client encodes into the JSON body
// itself and zeroes once sent; the bearer token stays inside the client. Plain HTTP only to a
// loopback address: elsewhere the API is served over TLS (src/teller/start.ts) and a password
// must not cross a network in clear.

export interface TellerClientOptions {
  /** The API, `http://127.0.0.1:8830` or `https://host:port` (the kiosk prints it). */
  readonly url: string;
  /** CA certificate(s) (PEM) for an HTTPS API with its own certificate. */
  readonly ca?: string | Buffer;
  /** Per request; 10 s by default. */
  readonly timeoutMs?: number;
}

/** Largest JSON answer read: a visit view is a few kB. */
export const maxAnswerBytes = 256 * 1024;
/** Largest photo read: a chip's DG2 face is a few tens of kB (ICAO 9303-10). */
export const maxPhotoBytes = 1024 * 1024;

/** The session, as the login answered it (the token stays in the client). */
export interface TellerSession {
  readonly teller: string;
  readonly expires: string;
  readonly idleMs: number;
}

export class TellerClient {
  readonly #base: URL;
  readonly #ca: string | Buffer | undefined;
  readonly #timeoutMs: number;
  #token: string | undefined;

  constructor(options: TellerClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (cause) {
      throw new TellerClientError('unreachable', 'the teller API URL is not a URL', { cause });
    }
    const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
    if (base.protocol !== 'https:' && !(base.protocol === 'http:' && isLoopback(host)))
      throw new TellerClientError(
        'unreachable',
        `${base.origin}: use https:// (plain http only to a loopback address)`,
      );
    this.#base = base;
    this.#ca = options.ca;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Whether a session is open (as far as the client knows). */
  get loggedIn(): boolean {
    return this.#token !== undefined;
  }

  /** Logs in. `password` is not kept, and is left for the caller to zero. */
  async login(name: string, password: Buffer): Promise<TellerSession> {
    this.#token = undefined;
    const body = jsonObjectBytes([
      ['name', Buffer.from(JSON.stringify(name))],
      ['password', jsonStringBytes(password)],
    ]);
    const answer = await this.#exchange('POST', '/teller/login', body, maxAnswerBytes, false);
    const value = this.#json(answer, loginAnswer);
    this.#token = value.token;
    return { teller: value.teller, expires: value.expires, idleMs: value.idleMs };
  }

  /** Ends the session (also when the API says it had ended already). */
  async logout(): Promise<void> {
    if (this.#token === undefined) return;
    try {
      await this.#exchange('POST', '/teller/logout', Buffer.from('{}'), maxAnswerBytes, true);
    } catch (error) {
      if (!(error instanceof TellerClientError && error.kind === 'sessionEnded')) throw error;
    } finally {
      this.#token = undefined;
    }
  }

  /** The visits waiting for a teller, oldest first. */
  async queue(): Promise<readonly QueueItem[]> {
    const answer = await this.#exchange('GET', '/teller/queue', undefined, maxAnswerBytes, true);
    return this.#json(answer, queueAnswer).visits;
  }

  /** One waiting visit, or undefined if it waits no more (gone, decided, timed out). */
  async view(visitId: string): Promise<VisitDetail | undefined> {
    const answer = await this.#exchange('GET', visitPath(visitId), undefined, maxAnswerBytes, true);
    if (answer.status === 404) return undefined;
    return this.#json(answer, visitAnswer);
  }

  /** The chip's face image as read, or undefined (no chip, no photo, the visit gone). */
  async photo(visitId: string): Promise<{ type: PhotoType; bytes: Buffer } | undefined> {
    const path = `${visitPath(visitId)}/photo`;
    const answer = await this.#exchange('GET', path, undefined, maxPhotoBytes, true);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw this.#refusal(answer);
    if (answer.type !== 'image/jpeg' && answer.type !== 'image/jp2')
      throw new TellerClientError('malformed', `${this.#base.origin}: the photo is not an image`);
    return { type: answer.type, bytes: answer.bytes };
  }

  /** Approves a visit whose chip verified. */
  approve(visitId: string): Promise<DecisionOutcome> {
    return this.#decide(visitId, 'approve', Buffer.from('{}'));
  }

  /** Approves a visit whose chip did not verify: the override, with why (audit-logged). */
  override(visitId: string, reason: string): Promise<DecisionOutcome> {
    return this.#decide(
      visitId,
      'approve',
      Buffer.from(JSON.stringify({ overrideReason: reason })),
    );
  }

  /**
   * Approves a visit without a chip on the ID the teller holds. `number` (UTF-8, as typed) is
   * encoded into the body and that body zeroed once sent; the caller zeroes its own bytes.
   */
  inPerson(
    visitId: string,
    document: { type: IdDocumentType; number: Buffer; issueDate?: string },
  ): Promise<DecisionOutcome> {
    const fields: [string, Buffer][] = [
      ['type', Buffer.from(JSON.stringify(document.type))],
      ['number', jsonStringBytes(document.number)],
    ];
    if (document.issueDate !== undefined)
      fields.push(['issueDate', Buffer.from(JSON.stringify(document.issueDate))]);
    const inner = jsonObjectBytes(fields);
    const body = jsonObjectBytes([['inPerson', inner]]);
    inner.fill(0);
    return this.#decide(visitId, 'approve', body);
  }

  /** Rejects a visit, with the reason the visitor and the audit log are given. */
  reject(visitId: string, reason: string): Promise<DecisionOutcome> {
    return this.#decide(visitId, 'reject', Buffer.from(JSON.stringify({ reason })));
  }

  /** The fee was taken at the counter. */
  feePaid(visitId: string): Promise<DecisionOutcome> {
    return this.#decide(visitId, 'fee-paid', Buffer.from('{}'));
  }

  async #decide(visitId: string, action: string, body: Buffer): Promise<DecisionOutcome> {
    const path = `${visitPath(visitId)}/${action}`;
    const answer = await this.#exchange('POST', path, body, maxAnswerBytes, true);
    if (answer.status === 200) return { accepted: true, ...this.#json(answer, decidedAnswer) };
    if (answer.status !== 400 && answer.status !== 409 && answer.status !== 422)
      throw this.#refusal(answer);
    const refused = this.#json(answer, refusedAnswer, true);
    const text = refused.error ?? 'refused';
    return {
      accepted: false,
      refusal: refused.refusal ?? 'badRequest',
      message: refused.message ?? { ko: text, en: text },
      ...(refused.problem === undefined ? {} : { problem: refused.problem }),
    };
  }

  /** The answer as `schema` reads it, or the error its status means. */
  #json<S extends z.ZodType>(answer: Exchange, schema: S, refusal = false): z.output<S> {
    if (answer.status !== 200 && !refusal) throw this.#refusal(answer);
    const parsed = schema.safeParse(parseJson(answer));
    if (!parsed.success)
      throw new TellerClientError(
        'malformed',
        `${this.#base.origin}: the answer is not what the teller API answers`,
        { status: answer.status },
      );
    return parsed.data;
  }

  /** The error a non-200 answer means (401, 429, anything else), the API's text bounded. */
  #refusal(answer: Exchange): TellerClientError {
    const read = refusedAnswer.safeParse(parseJson(answer));
    const serverText = read.success ? (read.data.error ?? '') : '';
    const origin = this.#base.origin;
    const details = { status: answer.status, serverText };
    if (answer.status === 401) {
      const hadSession = this.#token !== undefined;
      this.#token = undefined;
      return new TellerClientError(
        hadSession ? 'sessionEnded' : 'loginRefused',
        `${origin}: ${serverText}`,
        details,
      );
    }
    if (answer.status === 429) {
      const wait = read.success ? (read.data.retryAfterSeconds ?? 1) : 1;
      return new TellerClientError('throttled', `${origin}: wait ${String(wait)} s`, {
        ...details,
        retryAfterSeconds: wait,
      });
    }
    return new TellerClientError(
      'refused',
      `${origin}: HTTP ${String(answer.status)}${serverText === '' ? '' : `: ${serverText}`}`,
      details,
    );
  }

  /** One request; the body (which may hold a secret) is zeroed once the request is over. */
  #exchange(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    maxBytes: number,
    withToken: boolean,
  ): Promise<Exchange> {
    const target = new URL(path, this.#base);
    const origin = this.#base.origin;
    const headers: Record<string, string> = { accept: 'application/json, image/*' };
    if (withToken) {
      if (this.#token === undefined)
        return Promise.reject(new TellerClientError('sessionEnded', `${origin}: log in first`));
      headers.authorization = `Bearer ${this.#token}`;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Exchange>((resolve, reject) => {
      const outgoing = send(target, {
        method,
        headers,
        agent: false,
        ...(target.protocol === 'https:'
          ? { minVersion: 'TLSv1.2' as const, ...(this.#ca === undefined ? {} : { ca: this.#ca }) }
          : {}),
      });
      let settled = false;
      const settle = (outcome: Exchange | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        body?.fill(0);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const fail = (what: string, cause?: unknown): void => {
        settle(new TellerClientError('unreachable', `${origin}: ${what}`, { cause }));
        outgoing.destroy();
      };
      const deadline = setTimeout(() => {
        fail(`no answer within ${String(this.#timeoutMs)} ms`);
      }, this.#timeoutMs);
      outgoing.on('error', (cause) => {
        fail(`cannot connect (${screenSafe(cause.message).slice(0, 200)})`, cause);
      });
      outgoing.on('response', (response) => {
        readBounded(response, maxBytes).then(
          (bytes) => {
            const type = (response.headers['content-type'] ?? '').split(';')[0] ?? '';
            settle({ status: response.statusCode ?? 0, type: type.trim().toLowerCase(), bytes });
          },
          (cause: unknown) => {
            if (cause instanceof TellerClientError) {
              settle(cause);
              outgoing.destroy();
            } else fail('the answer broke off', cause);
          },
        );
      });
      outgoing.end(body);
    });
  }
}

function visitPath(visitId: string): string {
  if (!visitIdPattern.test(visitId))
    throw new TellerClientError('refused', 'not a visit id of the teller API');
  return `/teller/visits/${visitId}`;
}
