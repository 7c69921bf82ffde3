// The RA endpoint over HTTPS with mutual TLS (DESIGN §5 "RA over the network"): a branch kiosk
// registers the visitor its teller approved, `POST /ra/register` with JSON, and gets the one-time
// reference number and authorization code. Separate from the CMP listener because it speaks to
// known RA clients only, and bounded like it (the shared connection limits of ../server.ts, plus a
// TLS handshake timeout): a client that opens connections and sends nothing, or a huge body,
// costs the others nothing. Every refusal is a short JSON `{error}`, never a stack; the IDN and
// the authorization code are never logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../../log/logger.js';
import type { RaClientRecord } from '../db/raClients.js';
import type { Registration } from '../db/registrations.js';
import {
  applyConnectionLimits,
  connectionLimits,
  parseJson,
  readBody,
  replyJson,
  serverOptions,
  type ConnectionLimits,
} from '../server.js';
import { peerCertificate, type PeerCertificate, type RaAuthentication } from './clientAuth.js';
import {
  issuesOf,
  refRequestSchema,
  type CertificateAtCa,
  type HolderOutcome,
  type RegistrationClosed,
} from './holderRequests.js';
import { checkRegistrationRequest, type CheckedRegistration } from './registrationRequest.js';

interface Answer {
  readonly status: number;
  readonly value: unknown;
}

/** Which RA client a log line is about. */
const by = (ra: RaClientRecord) => ({ ra: ra.name, raSerial: ra.serial });

/** The paths the endpoint serves, each `POST` with JSON. */
export const raPaths = {
  register: '/ra/register',
  certificates: '/ra/certificates',
  revoke: '/ra/revoke',
  close: '/ra/close',
} as const;

export const raRegisterPath = raPaths.register;

/** Largest request body: a registration is a few hundred bytes. */
export const maxRaBodyBytes = 16 * 1024;

/** What the endpoint needs; the CA's database and files are wired in by endpoint.ts. */
export interface RaHandlers {
  /** The server's certificate chain and key (PEM), and the CA certificates clients chain to. */
  readonly tls: {
    readonly cert: string;
    readonly key: string;
    readonly clientCas: readonly string[];
  };
  /** Whether a connection's peer is an active RA client (clientAuth.ts). */
  readonly authenticate: (peer: PeerCertificate) => Promise<RaAuthentication>;
  /** Registers; undefined, and nothing registered, when the client stopped being active. */
  readonly register: (
    ra: RaClientRecord,
    registration: CheckedRegistration,
  ) => Registration | undefined;
  /** The registered holder's valid certificates (holderRequests.ts). */
  readonly certificates: (ra: RaClientRecord, ref: string) => HolderOutcome<CertificateAtCa[]>;
  /** Revokes one of them (holderRequests.ts checks the body). */
  readonly revoke: (ra: RaClientRecord, body: unknown) => HolderOutcome<{ serial: string }>;
  /**
   * Closes a registration whose visit ended, settling an enrolment it left open, and says what
   * became of its certificates (holderRequests.ts checks the body).
   */
  readonly close: (ra: RaClientRecord, body: unknown) => HolderOutcome<RegistrationClosed>;
  readonly now: () => Date;
  readonly log?: Logger;
  /** Connection bounds (`ca.*` in the configuration), as for the CMP server. */
  readonly limits?: Partial<ConnectionLimits>;
}

const unauthorized = 'an active RA client certificate of this CA is required';

/** The RA endpoint's HTTPS server, not yet listening (listen with ../server.ts listen). */
export function createRaServer(handlers: RaHandlers): Server {
  const limits = connectionLimits(handlers.limits);
  const server = createServer(
    {
      ...serverOptions(limits),
      cert: handlers.tls.cert,
      key: handlers.tls.key,
      ca: [...handlers.tls.clientCas],
      // Ask every client for its certificate, and decide per request (401 in JSON, not a
      // handshake alert a kiosk could not tell from a network fault).
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      // A connection that never finishes its handshake holds no HTTP parser, so the header
      // timeout does not reach it: this does.
      handshakeTimeout: limits.headersTimeoutMs,
    },
    (req, res) => {
      void route(req, res).catch((error: unknown) => {
        handlers.log?.error({ err: error }, 'RA request failed');
        replyJson(res, 500, { error: 'internal error' });
      });
    },
  );
  applyConnectionLimits(server, limits, handlers.log);
  // Nor does the header timeout reach a connection that, handshake done, never sends a byte (Node
  // starts it with the first one): closed after this long of silence. A registration is
  // answered at once, and an idle keep-alive connection ends sooner (keepAliveTimeoutMs).
  server.setTimeout(limits.headersTimeoutMs);
  // One warning per refused connection, not per request: keep-alive must not become a log flood.
  const warned = new WeakSet<object>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket)) throw new Error('the RA endpoint is served over TLS only');
    const auth = await handlers.authenticate(peerCertificate(socket));
    if (!auth.ok) {
      if (!warned.has(socket)) {
        warned.add(socket);
        const { refusal, serial } = auth;
        handlers.log?.warn({ refusal, serial, address: socket.remoteAddress }, 'RA refused');
      }
      replyJson(res, 401, { error: unauthorized });
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handle = routes[path];
    if (handle === undefined) {
      replyJson(res, 404, { error: `not found; POST ${Object.keys(routes).join(', ')}` });
      return;
    }
    if (req.method !== 'POST') {
      replyJson(res, 405, { error: 'POST application/json' }, { allow: 'POST' });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      replyJson(res, 415, { error: 'expected application/json' });
      return;
    }
    const body = await readBody(req, maxRaBodyBytes);
    if (body === undefined) {
      replyJson(res, 413, { error: `at most ${maxRaBodyBytes} bytes` });
      return;
    }
    const parsed = parseJson(body);
    if (!parsed.ok) {
      replyJson(res, 400, { error: parsed.error });
      return;
    }
    const answer = handle(auth.ra, parsed.value);
    replyJson(res, answer.status, answer.value);
  }

  /** Each path's handler: the parsed body in, the status and JSON out. */
  const routes: Record<string, (ra: RaClientRecord, body: unknown) => Answer> = {
    [raPaths.register]: (ra, body) => {
      const checked = checkRegistrationRequest(body, handlers.now());
      if (!checked.ok) return { status: 400, value: { error: checked.error } };
      const registration = handlers.register(ra, checked.registration);
      // Revoked between authentication and registration: nothing was registered.
      if (registration === undefined) return { status: 401, value: { error: unauthorized } };
      const { approvedBy, evidence, profile, vidRequired } = checked.registration;
      const vid = vidRequired ? 'required' : 'optional';
      const what = { ref: registration.ref, ...by(ra), approvedBy, evidence, profile, vid };
      handlers.log?.info(what, 'registered over the RA endpoint');
      return {
        status: 200,
        value: {
          ref: registration.ref,
          authCode: registration.authCode,
          expires: registration.expires.toISOString(),
        },
      };
    },
    [raPaths.certificates]: (ra, body) => {
      const checked = refRequestSchema.safeParse(body);
      if (!checked.success) return { status: 400, value: { error: issuesOf(checked.error) } };
      const found = handlers.certificates(ra, checked.data.ref);
      if (!found.ok) return { status: found.status, value: { error: found.error } };
      handlers.log?.info(
        { ref: checked.data.ref, ...by(ra), count: found.value.length },
        'holder certificates listed over the RA endpoint',
      );
      return { status: 200, value: { certificates: found.value } };
    },
    [raPaths.revoke]: (ra, body) => {
      const revoked = handlers.revoke(ra, body);
      if (!revoked.ok) return { status: revoked.status, value: { error: revoked.error } };
      const { ref, reason, then } = body as Record<string, unknown>;
      handlers.log?.info(
        { ref, serial: revoked.value.serial, reason, then, ...by(ra) },
        'certificate revoked over the RA endpoint',
      );
      return { status: 200, value: revoked.value };
    },
    [raPaths.close]: (ra, body) => {
      const closed = handlers.close(ra, body);
      if (!closed.ok) return { status: closed.status, value: { error: closed.error } };
      const { ref, certificates } = closed.value;
      handlers.log?.info({ ref, certificates, ...by(ra) }, 'registration closed');
      return { status: 200, value: closed.value };
    },
  };
  return server;
}
