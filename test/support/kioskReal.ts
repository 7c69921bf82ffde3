import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, vi } from 'vitest';
import type { CardApplication, PcscDriver } from '../../drivers/pcsc/contract.js';
import { attachToVpcd, type VpcdConnection } from '../../drivers/pcsc/vpcd.js';
import { loadCscaTrust } from '../../drivers/emrtd/sod.js';
import { legacyProviders } from '../../scripts/lib/openssl.mjs';
import { caTrustFromPem } from '../../src/cmp/trust.js';
import { defaultConfig, type Config } from '../../src/config/index.js';
import { defaultInstitutions } from '../../src/kiosk/institutions.js';
import { raOverNetwork } from '../../src/kiosk/raOverNetwork.js';
import { KioskService, type RunningVisit, type VisitSnapshot } from '../../src/kiosk/service.js';
import { createLogger } from '../../src/log/logger.js';
import { realDevices } from '../../src/service/devices.js';
import type { ServiceContext } from '../../src/service/medium.js';
import { loadProfile } from '../../src/virtualDocument/profile.js';
import type { TestPerson } from '../../src/virtualDocument/testProfile.js';
import { VirtualEmrtd } from '../../src/virtualDocument/virtualCard.js';
import { mcopyOut, mdirPaths, mustRun } from './fatImages.js';
import { runKiosk } from './kiosk.js';
import { startKiosk, type KioskProcess } from './kioskProcess.js';
import { softhsmModule } from './softhsm.js';
import { tempDir } from './tempDir.js';

// Issue 13's acceptance tests: the kiosk service in this process with its real peers. The CA is
// `kiosk ca serve --ra-listen` in its own process (the kiosk registers over mutual TLS with an RA
// client certificate from `kiosk ca ra add` and issues over CMP); the ID chip is the project's
// virtual eMRTD attached to the real pcscd through vpcd; the media are SoftHSM2 tokens and FAT
// image files through the real drivers (src/service/devices.ts realDevices). What a visit leaves
// behind is read back by other tools: sqlite on the CA's database, pkcs11-tool, mtools, openssl.
//
// One file for the two test files that share it (over 400 lines for that): the CA process, the
// kiosk over real devices, the card on the vpcd reader, walking a visit, and reading the media
// back with the independent tools.

const mib = 1024 * 1024;

/** The branch name of the kiosk's RA client certificate (CN, recorded with every registration). */
export const raBranch = 'Gangnam';
/** The teller who approves in these tests. */
export const teller = 'teller-07';
/** pcscd's first vpcd slot. */
export const vpcdReader = 'Virtual PCD 00 00';

/** A row of the CA's registrations table, as sqlite reads it (not the CA's own code). */
export interface RegistrationRow {
  readonly name: string;
  readonly profile: string;
  readonly approvedBy: string | null;
  readonly evidence: string | null;
  readonly raName: string | null;
  readonly raSerial: string | null;
  readonly usedAt: number | null;
  /** 1 while the sealed IDN is kept (until the certificate is confirmed), else 0. */
  readonly holdsIdn: number;
}

export interface CertificateRow {
  readonly serial: string;
  readonly ref: string | null;
  readonly status: string;
  readonly predecessor: string | null;
}

/**
 * `kiosk ca serve --ra-listen` of a fresh CA (`ca init`, `ca export`, `ca ra add`), in its own
 * process on loopback. `stop` and `start` take it down and bring it back on the same ports (the
 * kiosk keeps the URLs it was given). Renewal opens 365 days before expiry (npki.renewalWindowDays,
 * the most the configuration allows), so a certificate issued now is renewable.
 */
export class RealCa {
  cmpUrl = '';
  raUrl = '';
  #serve: KioskProcess | undefined;
  #ports = { cmp: 0, ra: 0 };

  private constructor(
    readonly dir: string,
    readonly home: string,
    readonly chainPem: string,
    readonly raClient: { readonly cert: string; readonly key: string },
    private readonly configFile: string,
  ) {}

  static async create(): Promise<RealCa> {
    const home = tempDir('ca-home-');
    const dir = join(tempDir('ca-'), 'ca');
    const out = tempDir('ca-files-');
    const kiosk = (args: string[]): void => {
      const run = runKiosk(args, home);
      if (run.status !== 0) throw new Error(`kiosk ${args.join(' ')} failed: ${run.stderr}`);
    };
    kiosk(['ca', 'init', '--dir', dir]);
    kiosk(['ca', 'export', '--dir', dir, '--out', join(out, 'chain.pem')]);
    kiosk([
      ...['ca', 'ra', 'add', '--dir', dir, '--name', raBranch],
      ...['--out-cert', join(out, 'ra.pem'), '--out-key', join(out, 'ra.key')],
    ]);
    const configFile = join(home, 'ca-config.json');
    writeFileSync(configFile, JSON.stringify({ npki: { renewalWindowDays: 365 } }));
    const ca = new RealCa(
      dir,
      home,
      readFileSync(join(out, 'chain.pem'), 'utf8'),
      {
        cert: readFileSync(join(out, 'ra.pem'), 'utf8'),
        key: readFileSync(join(out, 'ra.key'), 'utf8'),
      },
      configFile,
    );
    await ca.start();
    return ca;
  }

  /** Serves CMP and the RA endpoint (again on the ports of the first start). */
  async start(): Promise<void> {
    if (this.#serve !== undefined) return;
    const serve = await startKiosk(
      [
        ...['--config', this.configFile, 'ca', 'serve', '--dir', this.dir],
        ...['--listen', `127.0.0.1:${this.#ports.cmp}`],
        ...['--ra-listen', `127.0.0.1:${this.#ports.ra}`],
      ],
      /listening on http:\/\/127\.0\.0\.1:(\d+)\/pkix\/[\s\S]*RA listening on https:\/\/127\.0\.0\.1:(\d+)\//,
      this.home,
    );
    this.#serve = serve;
    this.#ports = { cmp: Number(serve.ready[1]), ra: Number(serve.ready[2]) };
    this.cmpUrl = `http://127.0.0.1:${this.#ports.cmp}/pkix/`;
    this.raUrl = `https://127.0.0.1:${this.#ports.ra}/`;
  }

  /** The CA process's JSON-lines log (`var/log/kiosk.jsonl` in its kiosk home). */
  get logFile(): string {
    return join(this.home, 'var', 'log', 'kiosk.jsonl');
  }

  /** Stops the CA process (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    const serve = this.#serve;
    this.#serve = undefined;
    await serve?.stop();
  }

  /** Reads the CA's database read-only, with sqlite (better-sqlite3), beside the running CA. */
  read<T>(query: (db: Database.Database) => T): T {
    const db = new Database(join(this.dir, 'ca.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return query(db);
    } finally {
      db.close();
    }
  }

  registration(ref: string): RegistrationRow | undefined {
    return this.read(
      (db) =>
        db
          .prepare(
            `select name, profile, approved_by as approvedBy, evidence, ra_name as raName,
               ra_serial as raSerial, used_at as usedAt, idn_sealed is not null as holdsIdn
             from registrations where ref = ?`,
          )
          .get(ref) as RegistrationRow | undefined,
    );
  }

  certificatesOf(ref: string): CertificateRow[] {
    return this.read(
      (db) =>
        db
          .prepare('select serial, ref, status, predecessor from certificates where ref = ?')
          .all(ref) as CertificateRow[],
    );
  }

  certificate(serial: string): CertificateRow | undefined {
    return this.read(
      (db) =>
        db
          .prepare('select serial, ref, status, predecessor from certificates where serial = ?')
          .get(serial) as CertificateRow | undefined,
    );
  }

  /** The CRLReason the CA recorded for a revoked certificate (4: superseded). */
  revocationReason(serial: string): number | undefined {
    return this.read(
      (db) =>
        (
          db.prepare('select reason from revocations where serial = ?').get(serial) as
            { reason: number } | undefined
        )?.reason,
    );
  }

  /** The serial of the branch's active RA client certificate. */
  raClientSerial(): string | undefined {
    return this.read(
      (db) =>
        (
          db
            .prepare('select serial from ra_clients where name = ? and revoked_at is null')
            .get(raBranch) as { serial: string } | undefined
        )?.serial,
    );
  }
}

/** The kiosk service over the real devices, registering at `ca` and issuing from it. */
export interface RealKiosk {
  readonly ctx: ServiceContext;
  /** The JSON-lines log of the service (debug level). */
  readonly logFile: string;
  /** The folder image files must be in to count as drives. */
  readonly imageFolder: string;
  /** A kiosk service trusting the CSCA certificates in `cscaDir` (none: nothing verifies). */
  service(cscaDir?: string): Promise<KioskService>;
  close(): Promise<void>;
}

export function realKiosk(ca: RealCa): RealKiosk {
  const imageFolder = tempDir('images-');
  const logFile = join(tempDir('kiosk-log-'), 'kiosk.jsonl');
  const base = defaultConfig();
  const config: Config = {
    ...base,
    npki: { ...base.npki, renewalWindowDays: 365 },
    pkcs11: { ...base.pkcs11, module: softhsmModule },
    usb: { ...base.usb, allowImageFiles: true, imageFolder, maxBytes: 128 * mib },
  };
  const devices = realDevices(config, tempDir('kiosk-home-'));
  const ctx: ServiceContext = {
    devices,
    config,
    log: createLogger({ level: 'debug', destination: logFile }),
    now: () => new Date(),
  };
  const trust = caTrustFromPem(ca.chainPem);
  const raEncryption = trust.raEncryption;
  if (raEncryption === undefined)
    throw new Error('the CA chain holds no RA encryption certificate');
  const services: KioskService[] = [];
  return {
    ctx,
    logFile,
    imageFolder,
    async service(cscaDir) {
      const service = new KioskService({
        ctx,
        institutions: defaultInstitutions,
        ra: raOverNetwork({
          url: ca.raUrl,
          cert: ca.raClient.cert,
          key: ca.raClient.key,
          ca: ca.chainPem,
          timeoutMs: 10_000,
        }),
        ca: { url: ca.cmpUrl, trust, raEncryption },
        ...(cscaDir === undefined ? {} : { cscaTrust: await loadCscaTrust(cscaDir) }),
        delays: { inactivityWarning: 600_000, inactivityWipe: 60_000, tellerApproval: 600_000 },
      });
      services.push(service);
      return service;
    },
    async close() {
      for (const service of services) service.close();
      await devices.close();
    },
  };
}

/**
 * The virtual eMRTD of a profile folder, put on pcscd's vpcd reader from this process (as a
 * visitor lays the document on the reader) and taken off again. `pullAfter` lifts it off the
 * reader before the APDU after that many, mid-read.
 */
export class VpcdCard {
  /** APDUs answered since the last insertion. */
  answered = 0;
  /** APDUs answered before the last pull by `pullAfter`. */
  answeredBeforePull: number | undefined;
  #connection: VpcdConnection | undefined;

  private constructor(
    private readonly chip: VirtualEmrtd,
    private readonly pcsc: PcscDriver,
  ) {}

  static async of(profileDir: string, pcsc: PcscDriver): Promise<VpcdCard> {
    return new VpcdCard(new VirtualEmrtd(await loadProfile(profileDir)), pcsc);
  }

  /** Attaches the card and waits until pcscd shows it in the reader. */
  async insert(options: { pullAfter?: number } = {}): Promise<void> {
    await this.pull();
    this.answered = 0;
    this.answeredBeforePull = undefined;
    let pullAfter = options.pullAfter;
    const chip = this.chip;
    const card: CardApplication = {
      atr: chip.atr,
      reset: () => {
        chip.reset();
      },
      respond: (apdu) => {
        if (pullAfter !== undefined && this.answered >= pullAfter) {
          // Lifted off the reader before this command is answered.
          pullAfter = undefined;
          this.answeredBeforePull = this.answered;
          const connection = this.#connection;
          this.#connection = undefined;
          void connection?.close();
          return Promise.resolve(new Uint8Array(0));
        }
        this.answered++;
        return chip.respond(apdu);
      },
    };
    const connection = attachToVpcd(card);
    await connection.ready;
    this.#connection = connection;
    chip.reset();
    await this.#inReader(true);
  }

  /** Takes the card off the reader and waits until pcscd sees the reader empty. */
  async pull(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    await connection.close();
    await this.#inReader(false);
  }

  /** Waits until pcscd sees the reader empty (after a pull by `pullAfter`). */
  async gone(): Promise<void> {
    await this.#inReader(false);
  }

  async #inReader(present: boolean): Promise<void> {
    await vi.waitFor(
      async () => {
        const reader = (await this.pcsc.readers()).find((r) => r.name === vpcdReader);
        expect(reader, `pcscd shows no reader ${vpcdReader} (is vpcd installed?)`).toBeDefined();
        expect(reader?.atr !== undefined, `card in ${vpcdReader}`).toBe(present);
      },
      { timeout: 10_000, interval: 100 },
    );
  }
}

// --- the visit ---

/** The flow's failure states (machines/visit/failures.ts). */
const failureStates = [
  'caUnreachable',
  'effectFailed',
  'mediumRemoved',
  'mediumUnusable',
  'staffNeeded',
] as const;

export const flowState = (s: VisitSnapshot): unknown => (s.value as { flow: unknown }).flow;

/** A sub-flow's snapshot (`identity`, `storage`, `held`), if it runs. */
export function child(
  s: VisitSnapshot,
  id: string,
): { value: unknown; context: Record<string, unknown> } | undefined {
  const actor = (s.children as Record<string, { getSnapshot(): unknown } | undefined>)[id];
  return actor?.getSnapshot() as { value: unknown; context: Record<string, unknown> } | undefined;
}

/** The teller's request in the identity sub-flow (tellerApproval.ts): `pending` until decided. */
export function tellerRequestState(visit: RunningVisit): unknown {
  const identity = (
    visit.snapshot().children as Record<string, { getSnapshot(): unknown } | undefined>
  ).identity?.getSnapshot() as
    { children: Record<string, { getSnapshot(): { value: unknown } } | undefined> } | undefined;
  return identity?.children.tellerApproval?.getSnapshot().value;
}

function describeVisit(s: VisitSnapshot): string {
  const sub = ['identity', 'storage', 'held'].flatMap((id) => {
    const c = child(s, id);
    return c === undefined
      ? []
      : [`${id}: ${JSON.stringify(c.value)} ${JSON.stringify(c.context.failure ?? null)}`];
  });
  return `flow ${JSON.stringify(flowState(s))}, failure ${JSON.stringify(s.context.failure ?? null)}; ${sub.join('; ')}`;
}

/**
 * Resolves with the visit's snapshot once `ready` holds (looked at on every transition and every
 * 25 ms, as sub-flows change state without the visit's snapshot changing). Rejects, saying where
 * the visit is, when it ends or lands in a failure state `ready` does not accept, or after
 * `timeoutMs`.
 */
export function reach(
  visit: RunningVisit,
  what: string,
  ready: (s: VisitSnapshot) => boolean,
  timeoutMs = 30_000,
): Promise<VisitSnapshot> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (outcome: VisitSnapshot | Error): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      unsubscribe();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const look = (): void => {
      const s = visit.snapshot();
      if (ready(s)) finish(s);
      else if (
        s.status !== 'active' ||
        (failureStates as readonly unknown[]).includes(flowState(s)) ||
        flowState(s) === 'finished'
      )
        finish(new Error(`waiting for ${what}: ${describeVisit(s)}`));
    };
    const poll = setInterval(look, 25);
    const timer = setTimeout(() => {
      finish(new Error(`waiting for ${what}, ${timeoutMs} ms: ${describeVisit(visit.snapshot())}`));
    }, timeoutMs);
    const unsubscribe = visit.subscribe(look);
    look();
  });
}

/** The visitor of a test document: the Hangul name, a resident number of its birth date. */
export interface Visitor {
  readonly name: string;
  readonly idn: string;
}

/**
 * A resident number for `person`: the document's birth date, the gender and century digit (born
 * 1970–99: 1 male, 2 female), serial digits and the check digit (DESIGN §4.3).
 */
export function visitorOf(person: TestPerson, serial = '23456'): Visitor {
  const twelve = `${person.birthDate}${person.sex === 'M' ? '1' : '2'}${serial}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = weights.reduce((total, w, i) => total + w * Number(twelve[i]), 0);
  return { name: person.hangulName, idn: `${twelve}${(11 - (sum % 11)) % 10}` };
}

/** Home → issue → institution and type → the form accepted; resolves in the identity step. */
export async function startIssuance(
  visit: RunningVisit,
  visitor: Visitor,
  certificateType: 'bank' | 'general' = 'bank',
): Promise<void> {
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType });
  const checked = visit.submitForm({
    name: visitor.name,
    idn: Buffer.from(visitor.idn),
    phone: '010-1234-5678',
    ...(certificateType === 'general' ? { account: '123-456-789012' } : {}),
  });
  expect(checked.problems).toMatchObject({ name: [], idn: [], phone: [], account: [] });
  await reach(visit, 'the identity step', (s) => flowState(s) === 'identity');
}

/** The teller's approval as an event, stamped by the kiosk; with the override reason if any. */
export function approve(visit: RunningVisit, extra: { overrideReason?: string } = {}): void {
  visit.send({ type: 'teller.approve', teller, ...extra });
}

/**
 * The teller's in-person approval of a visitor without a chip: the resident card's number as the
 * teller types it, checked and masked by the service (RunningVisit.approveInPerson); the masked
 * document the approval carries.
 */
export async function approveInPerson(
  visit: RunningVisit,
  idn: string,
): Promise<{ type: string; numberMasked: string }> {
  const approval = await visit.approveInPerson({
    teller,
    document: { type: 'residentCard', number: Buffer.from(idn) },
  });
  if (!approval.ok) throw new Error(`in-person approval refused: ${JSON.stringify(approval)}`);
  return approval.document;
}

// --- media, read back by other tools ---

/** A sparse 64 MiB image file in the kiosk's image folder: blank, or FAT32 by mkfs.vfat. */
export function imageFile(kiosk: RealKiosk, name: string, format: boolean): string {
  const path = join(kiosk.imageFolder, name);
  writeFileSync(path, '');
  truncateSync(path, 64 * mib);
  if (format) mustRun('mkfs.vfat', ['-F', '32', '-s', '1', '-I', '-n', 'NPKI', path]);
  return path;
}

/** VID = SHA-256(SHA-256(DER(SEQUENCE { PrintableString idn, BIT STRING R }))) (DESIGN §4.3). */
export function expectedVid(idn: string, r: Buffer): Buffer {
  expect(idn).toMatch(/^\d{13}$/);
  expect(r.length, 'R is 20 bytes').toBe(20);
  const hashContent = Buffer.concat([
    Buffer.from([0x30, 0x26, 0x13, 0x0d]),
    Buffer.from(idn, 'ascii'),
    Buffer.from([0x03, 0x15, 0x00]),
    r,
  ]);
  const once = createHash('sha256').update(hashContent).digest();
  return createHash('sha256').update(once).digest();
}

/** id-VID (1.2.410.200004.10.1.1.1) and the randomNum attribute (…10.1.1.3), DER-encoded. */
const idVidOid = Buffer.from('060a2a831a8c9a440a010101', 'hex');
const randomNumOid = Buffer.from('060a2a831a8c9a440a010103', 'hex');

/**
 * Whether the certificate's identifyData carries `vid`: the id-VID OID, then the virtualID
 * `[0] EXPLICIT OCTET STRING (32)` holding these bytes.
 */
export function certificateCarriesVid(certificate: Buffer, vid: Buffer): boolean {
  const at = certificate.indexOf(idVidOid);
  return (
    at >= 0 &&
    certificate.indexOf(Buffer.concat([Buffer.from([0xa0, 0x22, 0x04, 0x20]), vid]), at) > at
  );
}

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** One DER element at `at` (definite lengths only: DER). */
function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at] ?? -1;
  let length = der[at + 1] ?? 0;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + length > der.length) throw new Error(`DER element at ${at} runs past the end`);
  return { tag, start, end: start + length };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; at = out[out.length - 1]?.end ?? parent.end)
    out.push(tlv(der, at));
  return out;
}

const content = (der: Buffer, t: Tlv | undefined): Buffer =>
  t === undefined ? Buffer.alloc(0) : der.subarray(t.start, t.end);

const hmacDigests: Record<string, string> = {
  '2a864886f70d0207': 'SHA1',
  '2a864886f70d0209': 'SHA256',
};

/**
 * Decrypts a PBES2 signPri.key (PBKDF2, SEED-CBC: DESIGN §4.2) with OpenSSL's primitives
 * (`openssl kdf`, `openssl enc -seed-cbc`), independently of the kiosk's code: the
 * PrivateKeyInfo with its attributes, and R from the randomNum attribute.
 */
export function opensslDecryptWithR(keyFile: Buffer, password: string): { r: Buffer } {
  const top = children(keyFile, tlv(keyFile, 0));
  const [algorithm, encrypted] = top;
  if (algorithm === undefined || encrypted === undefined) throw new Error('not an EPKI');
  const [oid, params] = children(keyFile, algorithm);
  expect(content(keyFile, oid).toString('hex'), 'PBES2').toBe('2a864886f70d01050d');
  const [kdf, cipher] = params === undefined ? [] : children(keyFile, params);
  if (kdf === undefined || cipher === undefined) throw new Error('no PBES2 parameters');
  const [kdfOid, kdfParams] = children(keyFile, kdf);
  expect(content(keyFile, kdfOid).toString('hex'), 'PBKDF2').toBe('2a864886f70d01050c');
  const [salt, iterations, ...rest] = kdfParams === undefined ? [] : children(keyFile, kdfParams);
  const prf = rest.find((t) => t.tag === 0x30);
  const digest =
    prf === undefined
      ? 'SHA1'
      : hmacDigests[content(keyFile, children(keyFile, prf)[0]).toString('hex')];
  if (digest === undefined) throw new Error('an unknown PBKDF2 PRF');
  const [cipherOid, iv] = children(keyFile, cipher);
  expect(content(keyFile, cipherOid).toString('hex'), 'SEED-CBC').toBe('2a831a8c9a440104');
  const key = openssl(
    [
      ...['kdf', '-keylen', '16', '-kdfopt', `digest:${digest}`, '-kdfopt', `pass:${password}`],
      ...['-kdfopt', `hexsalt:${content(keyFile, salt).toString('hex')}`],
      ...['-kdfopt', `iter:${String(parseInt(content(keyFile, iterations).toString('hex'), 16))}`],
      'PBKDF2',
    ],
    Buffer.alloc(0),
  );
  const pki = openssl(
    [
      ...['enc', '-d', '-seed-cbc', '-K', key.toString().trim().replace(/:/g, '')],
      ...['-iv', content(keyFile, iv).toString('hex'), ...legacyProviders],
    ],
    content(keyFile, encrypted),
  );
  const at = pki.indexOf(randomNumOid);
  expect(at, 'the randomNum attribute').toBeGreaterThan(0);
  // SET { BIT STRING (0 unused bits) R } after the attribute's OID.
  const set = tlv(pki, at + randomNumOid.length);
  const bits = children(pki, set)[0];
  expect(set.tag === 0x31 && bits?.tag === 0x03).toBe(true);
  const value = content(pki, bits);
  expect(value[0], 'unused bits').toBe(0);
  return { r: Buffer.from(value.subarray(1)) };
}

/** `openssl ARGS` with `input` on its standard input; what it printed (it must succeed). */
export function openssl(args: readonly string[], input: Buffer): Buffer {
  const run = spawnSync('openssl', args, { input });
  expect(run.status, `openssl ${args.join(' ')}: ${run.stderr.toString()}`).toBe(0);
  return run.stdout;
}

/** What OpenSSL says the public key of a DER certificate is (PEM). */
export const certificatePublicKey = (certificate: Buffer): string =>
  openssl(['x509', '-inform', 'DER', '-noout', '-pubkey'], certificate).toString();

/** `openssl rsa -pubout` of a PKCS#1 private key (what `openssl pkcs8` decrypted). */
export const rsaPublicKey = (pkcs1: Buffer): string =>
  openssl(['rsa', '-inform', 'DER', '-pubout'], pkcs1).toString();

/** `openssl x509 -text` of a DER certificate. */
export const certificateText = (certificate: Buffer): string =>
  openssl(['x509', '-inform', 'DER', '-noout', '-text'], certificate).toString();

/** `openssl x509 -serial` of a DER certificate, lower-case hex without leading zeros. */
export const certificateSerial = (certificate: Buffer): string =>
  sameSerial(
    openssl(['x509', '-inform', 'DER', '-noout', '-serial'], certificate)
      .toString()
      .trim()
      .replace(/^serial=/, ''),
  );

/** A serial as the kiosk or the CA writes it, compared as openssl prints it. */
export const sameSerial = (serial: string): string => serial.toLowerCase().replace(/^0+/, '');

/** One object as `pkcs11-tool --list-objects` prints it: its heading and its attribute lines. */
export interface ListedObject {
  readonly heading: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** `pkcs11-tool --list-objects` on a SoftHSM token, logged in with `pin` or not at all. */
export function tokenObjects(label: string, pin?: string): ListedObject[] {
  const run = spawnSync(
    'pkcs11-tool',
    [
      ...['--module', softhsmModule, '--token-label', label, '--list-objects'],
      ...(pin === undefined ? [] : ['--login', '--pin', pin]),
    ],
    { encoding: 'utf8' },
  );
  expect(run.status, `pkcs11-tool: ${run.stderr}`).toBe(0);
  const objects: { heading: string; attributes: Record<string, string> }[] = [];
  for (const line of run.stdout.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) objects.push({ heading: line.trim(), attributes: {} });
    else {
      const field = /^\s+([^:]+):\s*(.*)$/.exec(line);
      const last = objects[objects.length - 1];
      if (field?.[1] !== undefined && last !== undefined)
        last.attributes[field[1].trim()] = (field[2] ?? '').trim();
    }
  }
  return objects;
}

/** An object's value read with `pkcs11-tool --read-object`, logged in. */
export function readTokenObject(
  label: string,
  pin: string,
  type: 'cert' | 'data' | 'pubkey',
  by: { id: string } | { label: string },
): Buffer {
  const out = join(tempDir('p11-'), 'object');
  const run = spawnSync(
    'pkcs11-tool',
    [
      ...['--module', softhsmModule, '--token-label', label, '--login', '--pin', pin],
      ...['--read-object', '--type', type],
      ...('id' in by ? ['--id', by.id] : ['--label', by.label]),
      ...['-o', out],
    ],
    { encoding: 'utf8' },
  );
  expect(run.status, `pkcs11-tool --read-object: ${run.stderr}`).toBe(0);
  expect(existsSync(out)).toBe(true);
  return readFileSync(out);
}

/** A certificate and key file pair on a drive image, copied out with mcopy. */
export interface DrivePair {
  /** `/NPKI/<CA>/USER/<DN folder>`, as mdir lists it. */
  readonly folder: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Every NPKI pair on a FAT image, found with `mdir` and copied out with `mcopy`. */
export function pairsOnImage(image: string): DrivePair[] {
  const paths = mdirPaths(image);
  return paths
    .filter((p) => /^\/NPKI\/[^/]+\/USER\/[^/]+\/signCert\.der$/i.test(p))
    .map((certPath) => {
      const folder = certPath.slice(0, certPath.lastIndexOf('/'));
      const keyPath = paths.find((p) => p.toLowerCase() === `${folder}/signpri.key`.toLowerCase());
      expect(keyPath, `signPri.key beside ${certPath}`).toBeDefined();
      return {
        folder,
        cert: mcopyOut(image, certPath),
        key: mcopyOut(image, keyPath ?? ''),
      };
    });
}

/**
 * `kiosk cert check --idn-file` on a medium, a second reader of the VID (the built CLI, another
 * process): its JSON report and exit status.
 */
export function cliCheck(
  kiosk: RealKiosk,
  spec: string,
  secret: { password: string } | { pin: string },
  idn: string,
): { status: number | null; report: Record<string, unknown>; stderr: string } {
  const dir = tempDir('check-');
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), `${text}\n`, { mode: 0o600 });
    return join(dir, name);
  };
  const config = file(
    'kiosk.json',
    JSON.stringify({ usb: { allowImageFiles: true, imageFolder: kiosk.imageFolder } }),
  );
  const run = runKiosk([
    ...['--config', config, 'cert', 'check', '--storage', spec, '--idn-file', file('idn', idn)],
    ...('pin' in secret
      ? ['--pin-file', file('pin', secret.pin), '--pkcs11-module', softhsmModule]
      : ['--password-file', file('password', secret.password)]),
    '--json',
  ]);
  return {
    status: run.status,
    report: run.stdout === '' ? {} : (JSON.parse(run.stdout) as Record<string, unknown>),
    stderr: run.stderr,
  };
}

/**
 * The peers these tests need, present or not: a missing one fails the test file with what is
 * missing (scripts/setup.sh installs them), never skips it.
 */
export function requirePeers(needs: { pcscd?: boolean }): void {
  const missing: string[] = [];
  const commands = ['openssl', 'pkcs11-tool', 'softhsm2-util', 'mkfs.vfat', 'mdir', 'mcopy'];
  for (const command of needs.pcscd === true ? [...commands, 'pcscd'] : commands)
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) missing.push(command);
  if (!existsSync(softhsmModule)) missing.push(softhsmModule);
  if (needs.pcscd === true) {
    if (!existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so'))
      missing.push('vpcd (vsmartcard-vpcd: /usr/lib/pcsc/drivers/serial/libifdvpcd.so)');
    if (process.getuid?.() !== 0 && spawnSync('pgrep', ['-x', 'pcscd']).status !== 0)
      missing.push('root, to start pcscd (or a running pcscd)');
  }
  if (missing.length > 0)
    throw new Error(
      `the real peers of this test are missing: ${missing.join(', ')} (bash scripts/setup.sh installs them)`,
    );
}

/**
 * A log after real visits: it recorded them (`marker`, e.g. the kiosk's `"visit step"`), and none
 * of `secrets` (the resident number, with or without its dash, the password, the PIN) appears in
 * it (DESIGN §8).
 */
export function expectLogWithout(file: string, marker: string, secrets: readonly string[]): void {
  const log = readFileSync(file, 'utf8');
  expect(log).toContain(marker);
  for (const secret of secrets) {
    expect(log).not.toContain(secret);
    if (/^\d{13}$/.test(secret))
      expect(log).not.toContain(`${secret.slice(0, 6)}-${secret.slice(6)}`);
  }
}

/**
 * Runs each stop in order, every one even when an earlier one failed (a card still attached, a
 * CA that would not stop), then throws the first failure.
 */
export async function stopInOrder(
  stops: readonly (() => Promise<unknown> | undefined)[],
): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
