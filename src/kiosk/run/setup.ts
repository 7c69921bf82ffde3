import { resolve } from 'node:path';
import { loadCscaTrust, type CscaTrust } from '../../../drivers/emrtd/sod.js';
import type { Institution } from '../../../machines/types.js';
import { chainPem } from '../../ca/caFiles.js';
import { caTrustFromPem } from '../../cmp/trust.js';
import { ConfigError, KioskError } from '../../errors/index.js';
import type { CaEndpoint } from '../../service/issue.js';
import type { ServiceContext } from '../../service/medium.js';
import { readBoundedFile } from '../../shared/readBoundedFile.js';
import type { x509 } from '../../shared/x509.js';
import { defaultInstitutions, loadInstitutions } from '../institutions.js';
import type { RaClient } from '../ra.js';
import { raOverNetwork } from '../raOverNetwork.js';
import { startEmbeddedCa } from './embeddedCa.js';

/**
 * What the kiosk works with besides its devices, from the configuration (DESIGN §6): the
 * institutions it offers, its CA (CMP URL and the bundle it trusts), its RA (the CA's RA endpoint
 * over mutual TLS) and the CSCA folder for chips. A branch names its CA and RA (`kiosk.ca`,
 * `kiosk.ra`); without them the embedded CA is started in this process (embeddedCa.ts) and
 * reached over loopback exactly as a branch reaches its own. A file the configuration names that
 * cannot be used is a ConfigError naming the key.
 */
export interface KioskSetup {
  readonly institutions: readonly Institution[];
  readonly ca: CaEndpoint & { readonly raEncryption: x509.X509Certificate };
  readonly ra: RaClient;
  /** The RA endpoint's URL, for the operator (not a secret). */
  readonly raUrl?: string;
  readonly cscaTrust?: CscaTrust;
  /** Lets go of what the setup started (the embedded CA's servers); idempotent. */
  close(): Promise<void>;
}

/** Largest certificate bundle or key file read (a chain is a few kilobytes). */
const maxPemBytes = 256 * 1024;

/**
 * The kiosk's setup from `ctx.config`; relative paths are taken from `home`. `source` names the
 * configuration in errors (its file, when there is one).
 */
export async function prepareKiosk(
  ctx: ServiceContext,
  home: string,
  source = 'configuration',
): Promise<KioskSetup> {
  const { kiosk } = ctx.config;
  const path = (p: string): string => resolve(home, p);
  // No government ID authenticity service is reachable from here, so none is built in: asked for,
  // it is refused rather than silently off (the teller would believe IDs were checked).
  if (kiosk.idAuthenticity.enabled)
    throw problem(
      source,
      'kiosk.idAuthenticity.enabled',
      'true',
      'false: this build has no ID authenticity service (the contract and a fake only)',
    );
  const institutions =
    kiosk.institutions === undefined
      ? defaultInstitutions
      : await loadInstitutions(path(kiosk.institutions));
  const cscaTrust = kiosk.csca === undefined ? undefined : await cscaFrom(path(kiosk.csca), source);
  const csca = cscaTrust === undefined ? {} : { cscaTrust };
  if (kiosk.ca === undefined || kiosk.ra === undefined) {
    const embedded = await startEmbeddedCa(
      ctx,
      path(`${ctx.config.stateDir}/ca`),
      path(`${ctx.config.stateDir}/ra`),
    );
    // What `kiosk ca export` would hand a branch.
    const trust = caTrustFromPem(chainPem(embedded.material));
    const raEncryption = embedded.material.raEncryption.certificate;
    return {
      institutions,
      ca: { url: embedded.cmpUrl, trust, raEncryption },
      ra: raOverNetwork(embedded.ra),
      raUrl: embedded.ra.url,
      ...csca,
      close: () => embedded.close(),
    };
  }
  const bundle = await pemFile(path(kiosk.ca.trust), 'kiosk.ca.trust', source);
  const trust = parsed(() => caTrustFromPem(bundle), 'kiosk.ca.trust', kiosk.ca.trust, source);
  const raEncryption = trust.raEncryption;
  if (trust.anchors.length === 0 || raEncryption === undefined)
    throw problem(
      source,
      'kiosk.ca.trust',
      kiosk.ca.trust,
      'the CA chain with the RA encryption certificate (kiosk ca export)',
    );
  const cert = await pemFile(path(kiosk.ra.cert), 'kiosk.ra.cert', source);
  const key = await pemFile(path(kiosk.ra.key), 'kiosk.ra.key', source);
  const caKey = kiosk.ra.caCert === undefined ? 'kiosk.ra.cert' : 'kiosk.ra.caCert';
  const caFile = kiosk.ra.caCert ?? kiosk.ra.cert;
  const caPem = kiosk.ra.caCert === undefined ? cert : await pemFile(path(caFile), caKey, source);
  const anchors = parsed(() => caTrustFromPem(caPem).anchors, caKey, caFile, source);
  if (anchors.length === 0)
    throw problem(source, caKey, caFile, 'the CA certificates the RA endpoint chains to');
  return {
    institutions,
    ca: { url: kiosk.ca.url, trust, raEncryption },
    ra: raOverNetwork({ url: kiosk.ra.url, cert, key, ca: anchors.map((a) => a.toString('pem')) }),
    raUrl: kiosk.ra.url,
    ...csca,
    close: () => Promise.resolve(),
  };
}

/** A PEM file the configuration names, as text; ConfigError naming `key` if unreadable. */
async function pemFile(file: string, key: string, source: string): Promise<string> {
  const read = await readBoundedFile(file, maxPemBytes);
  if (!read.ok)
    throw problem(source, key, `${file} (${read.problem})`, `a readable PEM file`, read.cause);
  return read.bytes.toString('utf8');
}

function parsed<T>(parse: () => T, key: string, file: string, source: string): T {
  try {
    return parse();
  } catch (cause) {
    throw problem(source, key, file, 'a PEM bundle of certificates', cause);
  }
}

/** The CSCA folder; its own error (which file, what is wrong) kept as the cause. */
async function cscaFrom(dir: string, source: string): Promise<CscaTrust> {
  try {
    return await loadCscaTrust(dir);
  } catch (cause) {
    const what = cause instanceof KioskError ? cause.message : 'unreadable';
    throw problem(source, 'kiosk.csca', what, 'a folder of CSCA certificates', cause);
  }
}

function problem(
  source: string,
  key: string,
  got: string,
  expected: string,
  cause?: unknown,
): ConfigError {
  return new ConfigError(source, [{ key, got, expected }], { cause });
}
