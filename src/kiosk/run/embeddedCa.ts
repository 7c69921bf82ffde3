import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initCa, loadCa, type CaMaterial } from '../../ca/caFiles.js';
import { CaDatabase } from '../../ca/database.js';
import { issueRaClientCertificate, serialOf } from '../../ca/ra/certificates.js';
import { writeOwnerOnly } from '../../ca/ra/endpoint.js';
import type { RaConnection } from '../../ca/ra/client.js';
import { serveCa, type CaServing } from '../../ca/serving.js';
import type { ServiceContext } from '../../service/medium.js';
import { x509 } from '../../shared/x509.js';

/**
 * The demo's CA inside the kiosk process (issue 13 item 2, "embedded defaults"): the embedded CA
 * in `<stateDir>/ca`, made as `kiosk ca init` makes it when missing, serving CMP and the RA
 * endpoint on loopback ports the system picks, exactly as `kiosk ca serve --ra-listen` would, and
 * an RA client certificate for the branch "demo-branch" so the kiosk registers over mutual TLS as
 * a branch does. The CA is never trusted in production (DESIGN §2): a branch configures
 * `kiosk.ca` and `kiosk.ra`, and this is not started.
 */

/** The RA client name the embedded kiosk registers as (its certificate's CN). */
export const demoBranch = 'demo-branch';

/** A certificate closer to its end than this is issued again at start. */
const renewBeforeMs = 7 * 86_400_000;

export interface EmbeddedCa {
  readonly material: CaMaterial;
  /** The CMP URL, `http://127.0.0.1:PORT/pkix/`. */
  readonly cmpUrl: string;
  /** The RA endpoint, with demo-branch's certificate and key. */
  readonly ra: RaConnection & { readonly url: string };
  /** Stops both servers (open connections too) and closes the database; idempotent. */
  close(): Promise<void>;
}

/** Starts the embedded CA of `dir` (created if missing) with the RA client files in `raDir`. */
export async function startEmbeddedCa(
  ctx: ServiceContext,
  dir: string,
  raDir: string,
): Promise<EmbeddedCa> {
  if (!existsSync(join(dir, 'ca.json'))) {
    // What `kiosk ca init` does with its defaults (yessign, RA KIOSK).
    await initCa(dir, 'yessign', 'KIOSK', ctx.now());
    ctx.log.info({ dir }, 'embedded CA created');
  }
  const material = await loadCa(dir);
  const db = new CaDatabase(material.databasePath, material.sealKey);
  let serving: CaServing | undefined;
  const closeAll = async (): Promise<void> => {
    await serving?.close();
  };
  try {
    db.forgetExpiredIdns(ctx.now().getTime());
    // Exactly as `kiosk ca serve --ra-listen` serves, on loopback ports the system picks.
    serving = await serveCa({
      material,
      db,
      config: ctx.config,
      now: ctx.now,
      log: ctx.log,
      cmp: { host: '127.0.0.1', port: 0 },
      ra: { host: '127.0.0.1', port: 0, names: ['127.0.0.1'] },
    });
    const cmp = `${serving.base}/pkix/`;
    const raUrl = `https://127.0.0.1:${String(serving.ra?.port)}/`;
    ctx.log.info(
      { cmp: serving.cmp.port, ra: serving.ra?.port },
      'embedded CA serving on loopback',
    );
    const identity = await branchIdentity(material, db, raDir, ctx);
    const pem = (c: x509.X509Certificate): string => c.toString('pem');
    let closing: Promise<void> | undefined;
    return {
      material,
      cmpUrl: cmp,
      ra: {
        url: raUrl,
        cert: identity.certPem,
        key: identity.keyPem,
        ca: [pem(material.issuing.certificate), pem(material.root.certificate)],
      },
      close: () =>
        (closing ??= closeAll().then(() => {
          db.close();
        })),
    };
  } catch (error) {
    await closeAll();
    db.close();
    throw error;
  }
}

/**
 * demo-branch's RA client certificate (PEM, then the CA chain) and key from `raDir`, issued
 * again (and the old one revoked at the CA) when missing, unreadable, not this CA's active one
 * (revoked, or another CA folder), or within a week of its end.
 */
async function branchIdentity(
  material: CaMaterial,
  db: CaDatabase,
  raDir: string,
  ctx: ServiceContext,
): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(raDir, `${demoBranch}.crt.pem`);
  const keyPath = join(raDir, `${demoBranch}.key.pem`);
  const now = ctx.now();
  const kept = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(
    () => undefined,
  );
  if (kept !== undefined) {
    const [certPem, keyPem] = kept;
    const active = db.activeRaClient(demoBranch);
    const serial = serialOrUndefined(certPem);
    if (
      active !== undefined &&
      serial === active.serial &&
      active.notAfter - now.getTime() > renewBeforeMs
    )
      return { certPem, keyPem };
  }
  // Lost files or an expiring certificate: the one the CA lists must not stay usable.
  if (db.revokeRaClient(demoBranch, now.getTime()) !== undefined)
    ctx.log.info({ ra: demoBranch }, 'embedded RA client certificate revoked for a new one');
  const issued = await issueRaClientCertificate(material, demoBranch, now);
  const chain = [issued.certificate, material.issuing.certificate, material.root.certificate];
  const certPem = chain.map((c) => c.toString('pem')).join('\n') + '\n';
  await mkdir(raDir, { recursive: true, mode: 0o700 });
  // Each written whole and renamed into place: a kiosk stopped half-way keeps no torn file, and a
  // key without its certificate is issued again at the next start.
  await writeOwnerOnly(keyPath, issued.keyPem);
  await writeOwnerOnly(certPath, certPem);
  db.addRaClient({
    name: demoBranch,
    serial: issued.serial,
    issuedAt: now.getTime(),
    notAfter: issued.certificate.notAfter.getTime(),
    revokedAt: undefined,
  });
  ctx.log.info({ ra: demoBranch, serial: issued.serial }, 'embedded RA client certificate issued');
  return { certPem, keyPem: issued.keyPem };
}

/** The serial of the first certificate of a PEM file, as the CA database keys it. */
function serialOrUndefined(pem: string): string | undefined {
  try {
    return serialOf(new x509.X509Certificate(x509.PemConverter.decodeFirst(pem)));
  } catch {
    return undefined; // a damaged file: issued again
  }
}
