import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { listen } from '../../../src/ca/server.js';
import { TellerAccounts } from '../../../src/teller/accounts.js';
import type { DecisionRecord, SessionRecord } from '../../../src/teller/desk.js';
import type { ScryptParams } from '../../../src/teller/passwordHash.js';
import { createTellerApi, type TellerApiOptions } from '../../../src/teller/server.js';
import type { Sessions } from '../../../src/teller/sessions.js';
import { FakeTellerDesk } from '../../support/fakeTellerDesk.js';

// A teller API on a real loopback port with a fake desk, in-memory accounts and a clock the test
// moves (STYLE #11: no test sleeps to wait for time).

/** Cheap scrypt for tests: the cost is not what they check. */
export const cheapScrypt: ScryptParams = { ln: 10, r: 8, p: 1 };

export const alice = { name: 'kim-teller', password: 'correct horse battery' } as const;
export const bob = { name: '이순신', password: '거북선 열두 척이 남았습니다' } as const;

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as JSON (undefined if it is none). */
  readonly json: Record<string, unknown>;
}

export interface RequestOptions {
  readonly method?: string;
  readonly token?: string;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** The client's source address (127.0.0.x: per-address throttling). */
  readonly from?: string;
}

export interface TellerApiWorld {
  readonly desk: FakeTellerDesk;
  readonly accounts: TellerAccounts;
  readonly sessions: Sessions;
  readonly decisions: DecisionRecord[];
  readonly sessionEvents: SessionRecord[];
  readonly url: string;
  /** Moves the clock on. */
  advance(ms: number): void;
  request(path: string, options?: RequestOptions): Promise<Answer>;
  /** Logs in; the token (the test fails on another answer). */
  login(who: { name: string; password: string }, from?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTellerApiWorld(
  overrides: Partial<Pick<TellerApiOptions, 'sessions' | 'throttle' | 'tls' | 'limits'>> = {},
): Promise<TellerApiWorld> {
  const desk = new FakeTellerDesk();
  const accounts = new TellerAccounts(':memory:', cheapScrypt);
  const created = new Date('2026-03-02T00:00:00Z');
  await accounts.add(alice.name, Buffer.from(alice.password), created);
  await accounts.add(bob.name, Buffer.from(bob.password), created);
  await accounts.ready();
  let clock = Date.parse('2026-03-02T01:00:00Z');
  const decisions: DecisionRecord[] = [];
  const sessionEvents: SessionRecord[] = [];
  const api = createTellerApi({
    desk,
    accounts,
    sessions: overrides.sessions ?? { sessionMs: 8 * 3_600_000, idleMs: 15 * 60_000 },
    throttle: overrides.throttle ?? {
      accountFree: 3,
      addressFree: 10,
      baseMs: 1000,
      maxMs: 300_000,
    },
    now: () => new Date(clock),
    ...(overrides.tls === undefined ? {} : { tls: overrides.tls }),
    ...(overrides.limits === undefined ? {} : { limits: overrides.limits }),
    onDecision: (record) => decisions.push(record),
    onSession: (record) => sessionEvents.push(record),
  });
  const bound: AddressInfo = await listen(api.server, '127.0.0.1', 0);
  const tls = overrides.tls !== undefined;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${String(bound.port)}`;

  const request = (path: string, options: RequestOptions = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body =
        options.body === undefined
          ? undefined
          : typeof options.body === 'string' || Buffer.isBuffer(options.body)
            ? Buffer.from(options.body)
            : Buffer.from(JSON.stringify(options.body));
      const headers: Record<string, string> = { ...options.headers };
      if (body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        headers['content-length'] = String(body.length);
      }
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      const send = tls ? httpsRequest : httpRequest;
      const req = send(
        `${url}${path}`,
        {
          method: options.method ?? (body === undefined ? 'GET' : 'POST'),
          headers,
          agent: false,
          ...(options.from === undefined ? {} : { localAddress: options.from }),
          ...(tls ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            let json: Record<string, unknown> = {};
            try {
              json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
            } catch {
              // not JSON (a photo)
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const login = async (who: { name: string; password: string }, from?: string): Promise<string> => {
    const answer = await request('/teller/login', {
      body: { name: who.name, password: who.password },
      ...(from === undefined ? {} : { from }),
    });
    if (answer.status !== 200)
      throw new Error(`login ${String(answer.status)}: ${answer.body.toString()}`);
    return answer.json.token as string;
  };

  return {
    desk,
    accounts,
    sessions: api.sessions,
    decisions,
    sessionEvents,
    url,
    advance: (ms) => {
      clock += ms;
    },
    request,
    login,
    close: () =>
      new Promise<void>((done) => {
        api.server.close(() => {
          accounts.close();
          done();
        });
        api.server.closeAllConnections();
      }),
  };
}
