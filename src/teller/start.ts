// Starting the teller API for the kiosk service (issue 14 item 1): the accounts' database in the
// state folder, the server with the configured sessions and throttling, bound where `teller.*`
// says. The kiosk service calls this with its TellerDesk and the audit log's hooks.
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { listen } from '../ca/server.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import { TellerAccounts } from './accounts.js';
import type { DecisionRecord, SessionRecord, TellerDesk } from './desk.js';
import { apiUrl, isLoopback, parseListen } from '../config/listen.js';
import type { ScryptParams } from './passwordHash.js';
import { createTellerApi } from './server.js';
import type { Sessions } from './sessions.js';

export interface StartTellerApiOptions {
  /** `config.teller`. */
  readonly config: Config['teller'];
  /** The state folder (`config.stateDir`), absolute or relative to `home`. */
  readonly stateDir: string;
  /** The kiosk home: relative paths (`teller.tls.*`) are taken from here. */
  readonly home: string;
  readonly desk: TellerDesk;
  readonly log?: Logger;
  readonly now?: () => Date;
  readonly onDecision?: (record: DecisionRecord) => void;
  readonly onSession?: (record: SessionRecord) => void;
  /** The configuration's name in errors (its file). */
  readonly source?: string;
  /** scrypt's cost for new and re-made hashes (tests); the default otherwise. */
  readonly scrypt?: ScryptParams;
}

export interface RunningTellerApi {
  /** `http://127.0.0.1:8830`, or `https://…`: what was bound. */
  readonly url: string;
  readonly sessions: Sessions;
  /** Stops serving (open connections too) and closes the accounts' database; idempotent. */
  close(): Promise<void>;
}

/** Largest certificate chain or key file read. */
const maxPemBytes = 256 * 1024;

/**
 * Binds the teller API. Refuses (ConfigError) to listen off loopback without TLS: the
 * configuration's schema refuses it already; this holds for callers that build a config by hand.
 */
export async function startTellerApi(options: StartTellerApiOptions): Promise<RunningTellerApi> {
  const { config } = options;
  const source = options.source ?? 'configuration';
  const path = (p: string): string => (isAbsolute(p) ? p : join(options.home, p));
  const address = parseListen(config.listen);
  if (address === undefined)
    throw new ConfigError(source, [
      { key: 'teller.listen', got: config.listen, expected: 'host:port' },
    ]);
  if (!isLoopback(address.host) && config.tls === undefined)
    throw new ConfigError(source, [
      {
        key: 'teller.tls',
        got: '(none)',
        expected: `a certificate and key: teller.listen ${config.listen} is not a loopback address`,
      },
    ]);
  const tls =
    config.tls === undefined
      ? undefined
      : {
          cert: await pemFile(path(config.tls.cert), 'teller.tls.cert', source),
          key: await pemFile(path(config.tls.key), 'teller.tls.key', source),
        };
  const accounts = TellerAccounts.inStateDir(path(options.stateDir), options.scrypt);
  let api;
  try {
    // Not awaited: the kiosk's start does not wait a quarter second of scrypt; logins do.
    accounts.ready().catch((error: unknown) => {
      options.log?.error({ err: error }, 'teller login hash cannot be made');
    });
    api = createTellerApi({
      desk: options.desk,
      accounts,
      sessions: { sessionMs: config.sessionMs, idleMs: config.idleMs },
      throttle: {
        accountFree: config.loginFreeFailures,
        addressFree: config.loginAddressFreeFailures,
        baseMs: config.loginBaseDelayMs,
        maxMs: config.loginMaxDelayMs,
      },
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.log === undefined ? {} : { log: options.log }),
      ...(tls === undefined ? {} : { tls }),
      ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
      ...(options.onSession === undefined ? {} : { onSession: options.onSession }),
    });
  } catch (error) {
    accounts.close();
    throw error;
  } finally {
    tls?.key.fill(0);
  }
  const { server, sessions } = api;
  try {
    const bound = await listen(server, address.host, address.port);
    const url = apiUrl(tls !== undefined, bound.address, bound.port);
    options.log?.info({ url }, 'teller API listening');
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= new Promise<void>((done) => {
        server.close(() => {
          accounts.close();
          done();
        });
        // Idle keep-alive connections would hold close() open for ever.
        server.closeAllConnections();
      }));
    return { url, sessions, close };
  } catch (error) {
    accounts.close();
    throw error;
  }
}

/** A PEM file the configuration names; ConfigError naming `key` if unreadable. */
async function pemFile(file: string, key: string, source: string): Promise<Buffer> {
  const read = await readBoundedFile(file, maxPemBytes);
  if (!read.ok)
    throw new ConfigError(
      source,
      [{ key, got: `${file} (${read.problem})`, expected: 'a readable PEM file' }],
      {
        cause: read.cause,
      },
    );
  return read.bytes;
}
