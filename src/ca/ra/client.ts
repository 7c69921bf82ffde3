// The kiosk's side of the RA endpoint (server.ts): a registration, the holder's certificates, a
// revocation or a registration's close over HTTPS with the branch's RA client certificate, with a
// deadline, a bounded answer and typed errors. Never retried: the CA may have registered the
// visitor before the connection failed, and a second request would be a second reference number;
// the teller decides (the first one expires unused).
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  RaMalformedError,
  RaRefusedError,
  RaTransportError,
  RaUnauthorizedError,
} from '../../errors/index.js';
import { displaySafe } from '../../text/displaySafe.js';
import { referencePattern, type Registration } from '../db/registrations.js';
import type { RaRegistrationRequest } from './registrationRequest.js';
import {
  certificateStatuses,
  maxCertificatesPerRef,
  type CertificateAtCa,
  type CertificateStatusAtCa,
  type CloseRequest,
  type RegistrationClosed,
  type RevokeRequest,
} from './holderRequests.js';
import { raPaths } from './server.js';

/** Where the RA endpoint is and how this RA client proves who it is. */
export interface RaConnection {
  /** The endpoint, `https://host:port` (`kiosk ca serve` prints it); the path is added. */
  readonly url: string;
  /** The RA client certificate (PEM), optionally followed by its chain. */
  readonly cert: string | Buffer;
  /** Its private key (PEM). */
  readonly key: string | Buffer;
  /** The CA certificates (PEM) the endpoint's certificate must chain to. */
  readonly ca: string | Buffer | readonly (string | Buffer)[];
  /** The whole exchange, connection to last byte; 30 s by default. */
  readonly timeoutMs?: number;
}

/** Largest answer read: a registration is some hundred bytes, an error a short line. */
const maxAnswerBytes = 8192;

/** How a registration's authorization code looks (db/registrations.ts newAuthCode). */
const authCodePattern = /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/;

/**
 * Registers an approved visitor at the CA's RA endpoint: the one-time reference number and
 * authorization code. RaUnauthorizedError when the endpoint refuses this RA certificate,
 * RaRefusedError for another refusal (with the endpoint's reason), RaTransportError when it cannot
 * be reached in time or the caller aborts, RaMalformedError for an answer that is no registration.
 */
export function registerOverRa(
  connection: RaConnection,
  request: RaRegistrationRequest,
  signal?: AbortSignal,
): Promise<Registration> {
  const { name, idn, profile, approvedBy, evidence } = request;
  const fields = { name, idn, profile, approvedBy, evidence, vid: request.vid ?? 'required' };
  return postToRa(connection, raPaths.register, fields, registrationOf, signal);
}

/** The registered holder's valid certificates (holderRequests.ts), errors as registerOverRa's. */
export function certificatesOverRa(
  connection: RaConnection,
  ref: string,
  signal?: AbortSignal,
): Promise<CertificateAtCa[]> {
  return postToRa(connection, raPaths.certificates, { ref }, certificatesOf, signal, maxListBytes);
}

/**
 * Revokes one of the registered holder's certificates. Not retried either: a revocation that
 * reached the CA before the connection failed is answered 409 the second time.
 */
export function revokeOverRa(
  connection: RaConnection,
  request: RevokeRequest,
  signal?: AbortSignal,
): Promise<{ serial: string }> {
  const { ref, serial, reason, then } = request;
  // The answer must name the certificate asked for: another serial is no answer to this request.
  const revoked = (json: unknown) => (revokedOf(json)?.serial === serial ? { serial } : undefined);
  return postToRa(connection, raPaths.revoke, { ref, serial, reason, then }, revoked, signal);
}

/**
 * Closes a registration whose visit ended (holderRequests.ts): an enrolment it left open is
 * confirmed if `confirm` names it, else voided. Resolves with every certificate enrolled under
 * the reference and its status at the CA; errors as registerOverRa's. Idempotent, so a caller
 * may send it again after a transport error.
 */
export function closeOverRa(
  connection: RaConnection,
  ref: string,
  signal?: AbortSignal,
  confirm?: CloseRequest['confirm'],
): Promise<RegistrationClosed> {
  const fields =
    confirm === undefined
      ? { ref }
      : { ref, confirm: { serial: confirm.serial, certHash: confirm.certHash } };
  return postToRa(connection, raPaths.close, fields, (json) => closedOf(ref, json), signal);
}

/** One JSON request to the endpoint, the answer read bounded and checked by `answerOf`. */
function postToRa<T>(
  connection: RaConnection,
  path: string,
  fields: Record<string, unknown>,
  answerOf: (json: unknown) => T | undefined,
  signal: AbortSignal | undefined,
  maxBytes = maxAnswerBytes,
): Promise<T> {
  const timeoutMs = connection.timeoutMs ?? 30_000;
  let target: URL;
  try {
    const base = new URL(connection.url);
    if (base.protocol !== 'https:') throw new Error('not https');
    target = new URL(path.slice(1), base.href.endsWith('/') ? base : `${base.href}/`);
  } catch (cause) {
    return Promise.reject(
      new RaTransportError(`${connection.url}: not an https:// URL`, { cause }),
    );
  }
  const url = target.href;
  const body = Buffer.from(JSON.stringify(fields));
  return new Promise<T>((resolve, reject) => {
    const ca =
      typeof connection.ca === 'string' || Buffer.isBuffer(connection.ca)
        ? connection.ca
        : [...connection.ca];
    const outgoing = httpsRequest(target, {
      method: 'POST',
      agent: false,
      cert: connection.cert,
      key: connection.key,
      ca,
      minVersion: 'TLSv1.2',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': body.length,
      },
      ...(signal === undefined ? {} : { signal }),
    });
    let settled = false;
    const settle = (outcome: { value: T } | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome.value);
    };
    const deadline = setTimeout(() => {
      settle(new RaTransportError(`${url}: no answer within ${timeoutMs} ms`));
      outgoing.destroy();
    }, timeoutMs);
    const failed = (what: string, cause: unknown): void => {
      if (cause instanceof RaMalformedError) settle(cause);
      else if (signal?.aborted === true)
        settle(new RaTransportError(`${url}: cancelled`, { cause }));
      else settle(new RaTransportError(`${url}: ${what} (${describe(cause)})`, { cause }));
    };
    // It may hold the IDN: zeroed once the request is over (not before: a refusal may come early).
    outgoing.once('close', () => body.fill(0));
    outgoing.on('error', (cause: Error) => {
      failed('cannot connect', cause);
    });
    outgoing.on('response', (response) => {
      readBounded(response, maxBytes).then(
        (answer) => {
          settle(outcomeOf(url, response, answer, answerOf));
        },
        (cause: unknown) => {
          failed('the answer broke off', cause);
        },
      );
    });
    outgoing.end(body);
  });
}

function outcomeOf<T>(
  url: string,
  response: IncomingMessage,
  answer: Buffer,
  answerOf: (json: unknown) => T | undefined,
): { value: T } | Error {
  const status = response.statusCode ?? 0;
  const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const json = type === 'application/json' ? parse(answer) : undefined;
  if (status === 200) {
    const value = answerOf(json);
    return value === undefined
      ? new RaMalformedError(`${url}: the answer is not what was asked for`)
      : { value };
  }
  const text = errorText(json);
  if (status === 401) return new RaUnauthorizedError(url, text);
  return new RaRefusedError(url, status, text);
}

/** At most this many certificates are read from an answer (the CA lists at most 64). */
const maxCertificates = 64;

/** A list of 64 answers about 180 bytes each (the attack review): room for all, bounded. */
const maxListBytes = 96 * 1024;

/** An instant as the CA writes it (`toISOString`); Date.parse would take comments and words. */
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function certificatesOf(json: unknown): CertificateAtCa[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { certificates } = json as Record<string, unknown>;
  if (!Array.isArray(certificates) || certificates.length > maxCertificates) return undefined;
  const read: CertificateAtCa[] = [];
  for (const entry of certificates as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { serial, subject, notAfter } = entry as Record<string, unknown>;
    if (typeof serial !== 'string' || !/^[0-9a-f]{1,42}$/.test(serial)) return undefined;
    if (typeof subject !== 'string' || subject.length > 1024) return undefined;
    if (typeof notAfter !== 'string' || !isoInstant.test(notAfter)) return undefined;
    if (Number.isNaN(Date.parse(notAfter))) return undefined;
    // The subject is shown to the visitor: made safe for a terminal here, once.
    read.push({ serial, subject: displaySafe(subject), notAfter });
  }
  return read;
}

const knownStatuses: ReadonlySet<string> = new Set(certificateStatuses);

/** A close's answer: for the reference asked, at most the CA's bound, each serial once. */
function closedOf(ref: string, json: unknown): RegistrationClosed | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const answer = json as Record<string, unknown>;
  if (answer.ref !== ref) return undefined;
  const { certificates } = answer;
  if (!Array.isArray(certificates) || certificates.length > maxCertificatesPerRef) return undefined;
  const read: CertificateStatusAtCa[] = [];
  for (const entry of certificates as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { serial, status } = entry as Record<string, unknown>;
    if (typeof serial !== 'string' || !/^[0-9a-f]{1,42}$/.test(serial)) return undefined;
    if (typeof status !== 'string' || !knownStatuses.has(status)) return undefined;
    if (read.some((c) => c.serial === serial)) return undefined;
    read.push({ serial, status: status as CertificateStatusAtCa['status'] });
  }
  return { ref, certificates: read };
}

function revokedOf(json: unknown): { serial: string } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { serial } = json as Record<string, unknown>;
  return typeof serial === 'string' && /^[0-9a-f]{1,42}$/.test(serial) ? { serial } : undefined;
}

function registrationOf(json: unknown): Registration | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { ref, authCode, expires } = json as Record<string, unknown>;
  if (typeof ref !== 'string' || !referencePattern.test(ref)) return undefined;
  if (typeof authCode !== 'string' || !authCodePattern.test(authCode)) return undefined;
  if (typeof expires !== 'string') return undefined;
  const date = new Date(expires);
  return Number.isNaN(date.getTime()) ? undefined : { ref, authCode, expires: date };
}

/** The endpoint's `{error}`, safe for a terminal and a log line, at most 200 characters. */
function errorText(json: unknown): string {
  if (typeof json !== 'object' || json === null) return '';
  const { error } = json as Record<string, unknown>;
  return typeof error === 'string' ? displaySafe(error.slice(0, 200)) : '';
}

function parse(answer: Buffer): unknown {
  try {
    return JSON.parse(answer.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads at most maxAnswerBytes; more is an error, not a memory spike. */
async function readBounded(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      response.destroy();
      throw new RaMalformedError(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function describe(cause: unknown): string {
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : String(cause);
}
