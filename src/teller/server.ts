// The teller API (issue 14 item 1; DESIGN §2 "a small authenticated HTTP API on loopback for the
// teller console", §8): JSON over HTTP on loopback, over TLS elsewhere (start.ts decides). A
// teller logs in with name and password and acts with the bearer token; every decision is bound
// to the session's teller and the visit in the path. Bounded like the CA's servers (connection
// caps, timeouts, body size); every refusal a short JSON `{error}`, never a stack; passwords and
// tokens are never logged.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from '../log/logger.js';
import {
  applyConnectionLimits,
  connectionLimits,
  serverOptions,
  type ConnectionLimits,
} from '../ca/server.js';
import type { TellerAccounts } from './accounts.js';
import { DecisionDesk } from './decisions.js';
import type { DecisionKind, DecisionRecord, SessionRecord, TellerDesk } from './desk.js';
import { bearerToken, readJson, replyBytes, replyJson, retryAfterSeconds } from './http.js';
import { LoginThrottle, type ThrottlePolicy } from './loginThrottle.js';
import { tellerName, tellerNameRule } from './names.js';
import { emptySchema, issuesOf, loginSchema } from './requests.js';
import { Sessions, type SessionEnd, type SessionPolicy } from './sessions.js';
import { basisWords } from './verdicts.js';

export interface TellerApiOptions {
  readonly desk: TellerDesk;
  readonly accounts: Pick<TellerAccounts, 'authenticate' | 'isActive'>;
  readonly sessions: SessionPolicy;
  readonly throttle: ThrottlePolicy;
  /** The kiosk's clock; tests pass their own. */
  readonly now?: () => Date;
  readonly log?: Logger;
  /** Certificate chain and key (PEM): served over HTTPS. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly limits?: Partial<ConnectionLimits>;
  /** Each decision, accepted or refused (the audit log). */
  readonly onDecision?: (record: DecisionRecord) => void;
  /** Each login and each session's end (the audit log). */
  readonly onSession?: (record: SessionRecord) => void;
}

export interface TellerApi {
  readonly server: HttpServer | HttpsServer;
  readonly sessions: Sessions;
}

/**
 * Connection bounds: a branch has a handful of tellers, all of them perhaps behind the one
 * loopback address of the kiosk's own console.
 */
export const tellerLimits: Partial<ConnectionLimits> = { maxConnections: 128, maxPerAddress: 64 };

const visitPath = /^\/teller\/visits\/([A-Za-z0-9-]{1,64})(?:\/(photo|approve|reject|fee-paid))?$/;

/** The routes outside /teller/visits/, with their method. */
const simplePaths: Record<string, string> = {
  '/teller/login': 'POST',
  '/teller/logout': 'POST',
  '/teller/session': 'GET',
  '/teller/queue': 'GET',
};

const decisionOf: Record<string, DecisionKind> = {
  approve: 'approve',
  reject: 'reject',
  'fee-paid': 'feePaid',
};

/** The same answer for an unknown name, a wrong password and a disabled account. */
const loginRefused = 'wrong name or password';

/** The teller API's server, not yet listening (listen with ../ca/server.ts listen). */
export function createTellerApi(options: TellerApiOptions): TellerApi {
  const now = options.now ?? (() => new Date());
  const clock = (): number => now().getTime();
  const log = options.log;
  const session = (teller: string, event: SessionRecord['event'], address?: string): void => {
    log?.info({ teller, event, address }, 'teller session');
    try {
      options.onSession?.({
        at: now().toISOString(),
        teller,
        event,
        ...(address === undefined ? {} : { address }),
      });
    } catch (error) {
      log?.error({ err: error, teller, event }, 'session hook failed');
    }
  };
  const sessions = new Sessions(options.sessions, clock, (teller, why: SessionEnd) => {
    // A session replaced by a fifth login ended as a logout would.
    session(teller, why === 'replaced' ? 'logout' : why);
  });
  const throttle = new LoginThrottle(options.throttle, clock);
  const decisions = new DecisionDesk(options.desk, now, options.onDecision, log);
  const limits = connectionLimits({ ...tellerLimits, ...options.limits });

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(req).then(
      (reply) => {
        send(res, reply);
      },
      (error: unknown) => {
        log?.error({ err: error }, 'teller API request failed');
        replyJson(res, 500, { error: 'internal error' });
      },
    );
  };
  const server =
    options.tls === undefined
      ? createHttpServer(serverOptions(limits), handler)
      : createHttpsServer(
          {
            ...serverOptions(limits),
            cert: options.tls.cert,
            key: options.tls.key,
            minVersion: 'TLSv1.2',
            // A connection that never finishes its handshake holds no HTTP parser, so the
            // header timeout does not reach it: this does (as for the RA endpoint).
            handshakeTimeout: limits.headersTimeoutMs,
          },
          handler,
        );
  applyConnectionLimits(server, limits, log);

  async function route(req: IncomingMessage): Promise<Reply> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const visit = visitPath.exec(path);
    const wanted =
      simplePaths[path] ??
      (visit === null
        ? undefined
        : visit[2] === undefined || visit[2] === 'photo'
          ? 'GET'
          : 'POST');
    if (wanted === undefined) return json(404, { error: 'not found' });
    if (method !== wanted) return json(405, { error: `use ${wanted}` }, { allow: wanted });
    if (path === '/teller/login') return login(req);
    const auth = authenticated(req);
    if ('status' in auth) return auth;
    const { teller, token, expires } = auth;

    if (path === '/teller/logout') {
      const body = await readJson(req);
      if (!body.ok) return json(body.status, { error: body.error });
      const parsed = emptySchema.safeParse(body.value);
      if (!parsed.success) return json(400, { error: issuesOf(parsed.error) });
      sessions.end(token);
      return json(200, { loggedOut: true });
    }
    if (path === '/teller/session')
      return json(200, { teller, expires: new Date(expires).toISOString() });
    if (path === '/teller/queue') return json(200, { visits: options.desk.queue() });

    const visitId = visit?.[1] ?? '';
    const action = visit?.[2];
    if (action === undefined) {
      const view = options.desk.view(visitId);
      if (view === undefined) return json(404, { error: 'no such visit waiting' });
      return json(200, {
        ...view,
        basisText: basisWords(view.basis),
        needs: {
          overrideReason: view.basis === 'chipNotVerified',
          document: view.basis === 'noChip',
        },
      });
    }
    if (action === 'photo') {
      const photo = options.desk.photo(visitId);
      if (photo === undefined) return json(404, { error: 'no photo for this visit' });
      return { status: 200, type: photo.type, bytes: photo.bytes };
    }
    const kind = decisionOf[action];
    if (kind === undefined) return json(404, { error: 'not found' });
    const body = await readJson(req);
    if (!body.ok) return json(body.status, { error: body.error });
    // The account may have been disabled while the body arrived.
    const refused = refusedIfInactive(teller);
    if (refused !== undefined) return refused;
    const answer = await decisions.decide(kind, visitId, teller, body.value);
    return json(answer.status, answer.value);
  }

  /**
   * POST /teller/login `{name, password}` → `{token, teller, expires, idleExpires, idleMs}`. Every
   * refusal of the name and password is the same 401 after the same scrypt; a throttled name
   * or address gets 429 with Retry-After before any work.
   */
  async function login(req: IncomingMessage): Promise<Reply> {
    const body = await readJson(req);
    if (!body.ok) return json(body.status, { error: body.error });
    const parsed = loginSchema.safeParse(body.value);
    if (!parsed.success) return json(400, { error: issuesOf(parsed.error) });
    // Not a name any account can have: says nothing about accounts, costs nothing.
    const name = tellerName(parsed.data.name);
    if (name === undefined) return json(400, { error: `name: ${tellerNameRule}` });
    const address = req.socket.remoteAddress ?? 'unknown';
    const gate = throttle.begin(name, address);
    if (!gate.ok) {
      const seconds = retryAfterSeconds(gate.retryAfterMs);
      log?.warn({ address, retryAfterSeconds: seconds }, 'teller login throttled');
      return json(
        429,
        { error: 'too many failed logins; wait', retryAfterSeconds: seconds },
        { 'retry-after': String(seconds) },
      );
    }
    // JavaScript cannot wipe the parsed string; the bytes checked are zeroed by authenticate.
    const password = Buffer.from(parsed.data.password, 'utf8');
    const result = await options.accounts.authenticate(name, password);
    if (!result.ok) {
      // The name is logged only when it is an account's: a name that is none may be a password
      // typed into the wrong field.
      log?.warn(
        result.why === 'unknown'
          ? { address, why: result.why }
          : { address, teller: name, why: result.why },
        'teller login refused',
      );
      return json(401, { error: loginRefused });
    }
    gate.attempt.succeeded();
    const opened = sessions.open(result.name);
    session(result.name, 'login', address);
    return json(200, {
      token: opened.token,
      teller: result.name,
      expires: new Date(opened.expires).toISOString(),
      idleExpires: new Date(opened.idleExpires).toISOString(),
      idleMs: options.sessions.idleMs,
    });
  }

  /** The session's teller, or the 401 to send (no token, an ended session, a disabled account). */
  function authenticated(
    req: IncomingMessage,
  ): { teller: string; token: string; expires: number } | JsonReply {
    const token = bearerToken(req);
    if (token === undefined)
      return json(401, { error: 'log in first' }, { 'www-authenticate': 'Bearer realm="teller"' });
    const found = sessions.use(token);
    if (found === undefined)
      return json(401, { error: 'the session has ended; log in again' }, invalidToken);
    return (
      refusedIfInactive(found.teller) ?? { teller: found.teller, token, expires: found.expires }
    );
  }

  /**
   * A 401 if the teller's account may no longer act: `kiosk teller disable` in another process
   * writes the shared database, read here at each request. A disabled account's sessions all end.
   */
  function refusedIfInactive(teller: string): JsonReply | undefined {
    if (options.accounts.isActive(teller)) return undefined;
    sessions.endAllFor(teller);
    return json(401, { error: 'the account is disabled' }, invalidToken);
  }

  return { server, sessions };
}

type JsonReply = {
  readonly status: number;
  readonly value: unknown;
  readonly headers?: Record<string, string>;
};
/** What a request is answered with: JSON, or the photo's bytes. */
type Reply = JsonReply | { readonly status: 200; readonly type: string; readonly bytes: Buffer };

const invalidToken = { 'www-authenticate': 'Bearer realm="teller", error="invalid_token"' };

function json(status: number, value: unknown, headers?: Record<string, string>): JsonReply {
  return headers === undefined ? { status, value } : { status, value, headers };
}

function send(res: ServerResponse, reply: Reply): void {
  if ('bytes' in reply) replyBytes(res, reply.type, reply.bytes);
  else replyJson(res, reply.status, reply.value, reply.headers);
}
