import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import { urlHost } from '../config/listen.js';
import type { Logger } from '../log/logger.js';
import type { CaMaterial } from './caFiles.js';
import { CrlCache } from './crl.js';
import type { CaDatabase } from './database.js';
import { OcspResponder } from './ocsp.js';
import { createRaEndpoint } from './ra/endpoint.js';
import { CmpResponder } from './responder.js';
import { createCaServer, listen } from './server.js';

/**
 * The embedded CA serving (DESIGN §5): CMP with its CRL and OCSP over HTTP, and the RA endpoint
 * over HTTPS with mutual TLS when asked. One wiring for `kiosk ca serve` and the kiosk's embedded
 * defaults (src/kiosk/run/embeddedCa.ts).
 */

export interface CaServingOptions {
  readonly material: CaMaterial;
  readonly db: CaDatabase;
  /** `ca.*` (bounds, lockout, PBM, public URL) and `npki.renewalWindowDays`. */
  readonly config: Pick<Config, 'ca' | 'npki'>;
  readonly now: () => Date;
  readonly log: Logger;
  readonly cmp: { readonly host: string; readonly port: number };
  /** Where the RA endpoint listens and the names its certificate gives it; absent: none. */
  readonly ra?: { readonly host: string; readonly port: number; readonly names: string[] };
}

export interface CaServing {
  readonly cmp: AddressInfo;
  /** What certificates name for the CRL and OCSP: `ca.publicUrl`, else the bound address. */
  readonly base: string;
  readonly ra: AddressInfo | undefined;
  /** Stops both servers, open connections too (the database stays the caller's); idempotent. */
  close(): Promise<void>;
}

/** Binds CMP (and the RA endpoint); if either cannot bind, neither is left serving. */
export async function serveCa(options: CaServingOptions): Promise<CaServing> {
  const { material, db, config, now, log } = options;
  const limits = config.ca;
  // The responder is made once the port is bound: certificates name the CRL at the address
  // clients reach (ca.publicUrl, else the bound one), never a requested port 0.
  const bound: { responder?: CmpResponder } = {};
  const crlCache = new CrlCache(material, db, now);
  const ocsp = new OcspResponder(material, db, now);
  const server = createCaServer({
    responder: {
      handle: (body, source) => {
        if (bound.responder === undefined) throw new Error('the CA is not listening yet');
        return bound.responder.handle(body, source);
      },
    },
    crl: () => {
      // Overdue transactions' certificates belong on the CRL before it is served.
      bound.responder?.expireTransactions();
      return crlCache.crl();
    },
    ocsp: (request) => {
      bound.responder?.expireTransactions();
      return ocsp.respond(request);
    },
    log,
    limits,
  });
  const raAt = options.ra;
  const raServer =
    raAt === undefined
      ? undefined
      : await createRaEndpoint({
          material,
          db,
          names: raAt.names,
          now,
          log,
          limits,
          transactionTimeoutMs: limits.transactionTimeoutMs,
        });
  const servers: (Server | HttpsServer)[] = raServer === undefined ? [server] : [server, raServer];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((done) => {
            s.close(() => {
              done();
            });
            // Idle keep-alive connections would hold close() open for ever.
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined));
  let cmp: AddressInfo;
  let ra: AddressInfo | undefined;
  try {
    cmp = await listen(server, options.cmp.host, options.cmp.port);
    if (raServer !== undefined && raAt !== undefined)
      ra = await listen(raServer, raAt.host, raAt.port);
  } catch (error) {
    await close();
    throw error;
  }
  const base = limits.publicUrl ?? `http://${urlHost(cmp.address)}:${String(cmp.port)}`;
  bound.responder = new CmpResponder(material, db, {
    crlUrl: `${base}/crl`,
    ocspUrl: `${base}/ocsp`,
    lockout: { baseMs: limits.lockoutBaseMs, maxMs: limits.lockoutMaxMs },
    pbmMaxIterations: limits.pbmMaxIterations,
    sourceFreeFailures: limits.sourceFreeFailures,
    renewalWindowDays: config.npki.renewalWindowDays,
    transactionTimeoutMs: limits.transactionTimeoutMs,
    now,
    log,
  });
  return { cmp, base, ra, close };
}
