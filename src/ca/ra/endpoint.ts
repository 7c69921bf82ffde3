// `kiosk ca serve`'s second listener: the RA endpoint (server.ts) wired to the CA's files and
// database. Its TLS server certificate is the CA's own, for the names clients reach it by, kept in
// the CA folder and issued again when it no longer fits (other names, another issuing CA, close
// to its end), so an operator never handles it.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:https';
import type { Logger } from '../../log/logger.js';
import { sameBytes } from '../../shared/bytes.js';
import { nodeCrypto, x509 } from '../../shared/x509.js';
import type { CaMaterial } from '../caFiles.js';
import type { CaDatabase } from '../database.js';
import type { ConnectionLimits } from '../server.js';
import { issueRaServerCertificate, subjectAltNames } from './certificates.js';
import { authenticateRaClient } from './clientAuth.js';
import { closeRegistration, holderCertificatesFor, revokeForHolder } from './holderRequests.js';
import { createRaServer } from './server.js';

/** Where the endpoint's certificate and key are kept, in the CA folder. */
export const raServerFiles = {
  certificate: 'ra-server.crt.pem',
  key: 'keys/ra-server.key.pem',
} as const;

/** The server certificate is issued again when it ends within this. */
const renewBeforeMs = 30 * 86_400_000;

export interface RaEndpointOptions {
  readonly material: CaMaterial;
  readonly db: CaDatabase;
  /** Host names and IP addresses clients reach the endpoint by (its certificate's SAN). */
  readonly names: readonly string[];
  readonly now: () => Date;
  readonly log?: Logger;
  readonly limits?: Partial<ConnectionLimits>;
  /**
   * `ca.transactionTimeoutMs`: a close may confirm only what a certConf still could (an enrolment
   * awaiting it longer is voided, as expireTransactions would); absent: the CA's default.
   */
  readonly transactionTimeoutMs?: number;
}

/** The RA endpoint of this CA, not yet listening. */
export async function createRaEndpoint(options: RaEndpointOptions): Promise<Server> {
  const { material, db, now } = options;
  const identity = await raServerIdentity(material, options.names, now(), options.log);
  const pem = (c: x509.X509Certificate): string => c.toString('pem');
  return createRaServer({
    tls: {
      // The chain up to the issuing CA: clients trust the root (`kiosk ca export`).
      cert: `${identity.certPem}\n${pem(material.issuing.certificate)}\n`,
      key: identity.keyPem,
      clientCas: [pem(material.issuing.certificate), pem(material.root.certificate)],
    },
    authenticate: (peer) =>
      authenticateRaClient(peer, material.issuing.certificate, (s) => db.raClient(s), now()),
    register: (ra, r) =>
      db.registerThroughRa(
        ra.serial,
        { name: r.name, idn: r.idn, profile: r.profile, vidRequired: r.vidRequired },
        r.approvedBy,
        r.evidence,
        now().getTime(),
      )?.registration,
    certificates: (ra, ref) => holderCertificatesFor(db, ra.serial, ref, now().getTime()),
    revoke: (ra, body) => revokeForHolder(db, ra.serial, body, now().getTime()),
    close: (ra, body) =>
      closeRegistration(
        db,
        ra.serial,
        body,
        now().getTime(),
        options.transactionTimeoutMs === undefined
          ? {}
          : { transactionTimeoutMs: options.transactionTimeoutMs },
      ),
    now,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
}

/**
 * The endpoint's certificate (PEM) and key for `names`: the one in the CA folder if it still
 * fits, else a new one, written there (the key owner-only) before it is used.
 */
export async function raServerIdentity(
  material: CaMaterial,
  names: readonly string[],
  now: Date,
  log?: Logger,
): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(material.dir, raServerFiles.certificate);
  const keyPath = join(material.dir, raServerFiles.key);
  const kept = await readKept(certPath, keyPath);
  if (kept !== undefined && (await fits(kept, material, names, now))) {
    return { certPem: kept.certificate.toString('pem'), keyPem: kept.keyPem };
  }
  const issued = await issueRaServerCertificate(material, names, now);
  const certPem = issued.certificate.toString('pem');
  await writeOwnerOnly(keyPath, issued.keyPem);
  await writeOwnerOnly(certPath, `${certPem}\n`);
  log?.info({ serial: issued.serial, names: [...names] }, 'RA endpoint certificate issued');
  return { certPem, keyPem: issued.keyPem };
}

interface Kept {
  readonly certificate: x509.X509Certificate;
  readonly keyPem: string;
}

async function readKept(certPath: string, keyPath: string): Promise<Kept | undefined> {
  try {
    const certificate = new x509.X509Certificate(await readFile(certPath, 'utf8'));
    return { certificate, keyPem: await readFile(keyPath, 'utf8') };
  } catch {
    return undefined; // none yet, or damaged: a new one is issued
  }
}

async function fits(
  kept: Kept,
  material: CaMaterial,
  names: readonly string[],
  now: Date,
): Promise<boolean> {
  const { certificate } = kept;
  if (certificate.notAfter.getTime() - now.getTime() < renewBeforeMs) return false;
  if (now < certificate.notBefore) return false;
  const wanted = new x509.SubjectAlternativeNameExtension(subjectAltNames(names), false);
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  if (san === null || !sameBytes(san.value, wanted.value)) return false;
  const issuing = material.issuing.certificate;
  if (!sameBytes(certificate.issuerName.toArrayBuffer(), issuing.subjectName.toArrayBuffer()))
    return false;
  try {
    if (!(await certificate.verify({ publicKey: issuing, signatureOnly: true }, nodeCrypto)))
      return false;
    const spki = createPublicKey(createPrivateKey(kept.keyPem)).export({
      type: 'spki',
      format: 'der',
    });
    return sameBytes(spki, certificate.publicKey.rawData);
  } catch {
    return false;
  }
}

/** Written whole under a temporary name, then renamed: a crash leaves the old file or the new. */
export async function writeOwnerOnly(path: string, data: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await rm(temporary, { force: true }); // a leftover keeps its mode: made afresh, it is 0600
  await writeFile(temporary, data, { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
}
