// `kiosk ca register` and `kiosk ca ra …`: the RA's commands (DESIGN §5, §11). A registration is
// made in the CA's database directly (`--dir`, the CA operator at the CA) or over the network at
// the CA's RA endpoint (`--url`, a branch kiosk with the RA client certificate `ca ra add` issued
// it); both print the same. `ca ra add/revoke/list` manage those RA client certificates.
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadCa } from '../../ca/caFiles.js';
import {
  CaDatabase,
  evidenceKinds,
  type Approval,
  type RaClientRecord,
  type Registration,
} from '../../ca/database.js';
import { defaultRaClientDays, issueRaClientCertificate } from '../../ca/ra/certificates.js';
import { registerOverRa } from '../../ca/ra/client.js';
import type { RaRegistrationRequest } from '../../ca/ra/registrationRequest.js';
import { holderName, holderNameRule, labelName, labelNameRule } from '../../ca/ra/names.js';
import { caTrustFromPem } from '../../cmp/trust.js';
import {
  InputFileError,
  RaNameInUseError,
  RaNotFoundError,
  UsageError,
} from '../../errors/index.js';
import { readBoundedFile } from '../../shared/readBoundedFile.js';
import type { CliContext } from '../context.js';
import { readCaTrust } from '../cmpOptions.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';

type ContextFactory = () => Promise<CliContext>;

interface RegisterOptions {
  dir?: string;
  url?: string;
  raCert?: string;
  raKey?: string;
  caCert?: string;
  name: string;
  idnFile: string;
  profile: string;
  vid: string;
  approvedBy?: string;
  evidence?: string;
  json?: boolean;
}

/** Adds `register` and `ra …` to `kiosk ca`. */
export function registerCaRaCommands(ca: Command, context: ContextFactory): void {
  ca.command('register')
    .description(
      'RA registration after the identity check: a one-time reference number and authorization code',
    )
    .option('--dir <dir>', 'the CA folder: register in its database (the CA operator)')
    .option('--url <url>', 'the CA’s RA endpoint, https://HOST:PORT: register over mutual TLS')
    .option('--ra-cert <file>', 'with --url: this RA client’s certificate (ca ra add --out-cert)')
    .option('--ra-key <file>', 'with --url: its private key (ca ra add --out-key)')
    .option(
      '--ca-cert <file>',
      'with --url: CA certificates the endpoint must chain to (default: those in --ra-cert)',
    )
    .requiredOption('--name <name>', 'the holder’s name as on the ID document')
    .requiredOption(
      '--idn-file <file>',
      'file holding the resident registration number (for the VID)',
    )
    .option('--profile <profile>', 'restricted (bank/insurance) or general', 'restricted')
    .option(
      '--vid <need>',
      'required (the kiosk sends R) or optional (standard CMP clients such as openssl cmp)',
      'required',
    )
    .option('--approved-by <teller>', 'the teller who approved (required with --url)')
    .option('--evidence <kind>', `${evidenceKinds.join(', ')} (required with --url)`)
    .option('--json', 'print one JSON document')
    .action(async (options: RegisterOptions) => {
      const ctx = await context();
      const target = targetOf(options);
      const profile = options.profile;
      if (profile !== 'restricted' && profile !== 'general')
        throw new UsageError(`--profile must be restricted or general, not ${profile}`);
      const vid = options.vid;
      if (vid !== 'required' && vid !== 'optional')
        throw new UsageError(`--vid must be required or optional, not ${vid}`);
      const name = holderName(options.name);
      if (name === undefined) throw new UsageError(`--name must be ${holderNameRule}`);
      let registration: Registration;
      let approval: Approval | undefined;
      if ('url' in target) {
        const { approvedBy, evidence } = (approval = requiredApproval(options));
        const connection = await raConnection(target.url, options);
        const idn = await readIdnFile(options.idnFile);
        const request: RaRegistrationRequest = { name, idn, profile, vid, approvedBy, evidence };
        registration = await registerOverRa(connection, request);
      } else {
        approval = optionalApproval(options);
        const idn = await readIdnFile(options.idnFile);
        const material = await loadCa(resolve(target.dir));
        const db = new CaDatabase(material.databasePath, material.sealKey);
        try {
          const now = ctx.now().getTime();
          registration = db.register(name, idn, profile, now, vid === 'required', approval);
        } finally {
          db.close();
        }
      }
      const { evidence } = approval ?? {};
      ctx.log.info({ ref: registration.ref, profile, vid, evidence, ...target }, 'registered');
      const doc = {
        ref: registration.ref,
        authCode: registration.authCode,
        expires: registration.expires.toISOString(),
      };
      if (options.json === true) writeJson(ctx.stdout, doc);
      else
        writeLines(ctx.stdout, [
          `reference number: ${doc.ref}`,
          `authorization code: ${doc.authCode}`,
          `expires: ${doc.expires}`,
        ]);
    });

  const ra = ca
    .command('ra')
    .description('RA clients: the TLS client certificates branch kiosks register with');

  ra.command('add')
    .description('issue an RA client certificate and key for a branch kiosk')
    .requiredOption('--dir <dir>', 'the CA folder')
    .requiredOption('--name <name>', `the RA client’s name, its certificate’s CN: ${labelNameRule}`)
    .requiredOption('--out-cert <file>', 'new file for the certificate (PEM, then the CA chain)')
    .requiredOption('--out-key <file>', 'new file for its private key (PEM, owner-only)')
    .option('--days <days>', 'validity in days', String(defaultRaClientDays))
    .option('--json', 'print one JSON document')
    .action(
      async (options: {
        dir: string;
        name: string;
        outCert: string;
        outKey: string;
        days: string;
        json?: boolean;
      }) => {
        const ctx = await context();
        const name = raNameOf(options.name);
        const days = Number(options.days);
        if (!/^\d{1,4}$/.test(options.days) || days < 1 || days > 3650)
          throw new UsageError(`--days must be a whole number from 1 to 3650, not ${options.days}`);
        const material = await loadCa(resolve(options.dir));
        const db = new CaDatabase(material.databasePath, material.sealKey);
        try {
          const active = db.activeRaClient(name);
          if (active !== undefined) throw new RaNameInUseError(name, active.serial);
          const now = ctx.now();
          const issued = await issueRaClientCertificate(material, name, now, days);
          const chain = [
            issued.certificate,
            material.issuing.certificate,
            material.root.certificate,
          ];
          const certPem = chain.map((c) => c.toString('pem')).join('\n') + '\n';
          const written = await writeNewFiles([
            [options.outKey, issued.keyPem],
            [options.outCert, certPem],
          ]);
          const record: RaClientRecord = {
            name,
            serial: issued.serial,
            issuedAt: now.getTime(),
            notAfter: issued.certificate.notAfter.getTime(),
            revokedAt: undefined,
          };
          // Files the CA did not record are no RA client's: they go if the record fails.
          const removeWritten = () => Promise.all(written.map((p) => rm(p, { force: true })));
          let added: boolean;
          try {
            added = db.addRaClient(record);
          } catch (error) {
            await removeWritten();
            throw error;
          }
          if (!added) {
            // Another `ca ra add` of the name won the race: its certificate is the one in use.
            await removeWritten();
            throw new RaNameInUseError(name, db.activeRaClient(name)?.serial ?? 'unknown');
          }
          ctx.log.info({ ra: name, serial: record.serial }, 'RA client added');
          const doc = { ...describeClient(record), cert: written[1], key: written[0] };
          if (options.json === true) writeJson(ctx.stdout, doc);
          else
            writeLines(ctx.stdout, [
              `RA client ${name}: serial ${doc.serial}, valid until ${doc.notAfter}`,
              `certificate: ${doc.cert}`,
              `key: ${doc.key}`,
            ]);
        } finally {
          db.close();
        }
      },
    );

  ra.command('revoke')
    .description('revoke the active RA client of a name: the RA endpoint refuses it at once')
    .requiredOption('--dir <dir>', 'the CA folder')
    .requiredOption('--name <name>', 'the RA client’s name')
    .option('--json', 'print one JSON document')
    .action(async (options: { dir: string; name: string; json?: boolean }) => {
      const ctx = await context();
      const name = raNameOf(options.name);
      const material = await loadCa(resolve(options.dir));
      const db = new CaDatabase(material.databasePath, material.sealKey);
      try {
        const revoked = db.revokeRaClient(name, ctx.now().getTime());
        if (revoked === undefined) throw new RaNotFoundError(name);
        ctx.log.info({ ra: name, serial: revoked.serial }, 'RA client revoked');
        if (options.json === true) writeJson(ctx.stdout, describeClient(revoked));
        else writeLines(ctx.stdout, [`RA client ${name} revoked (serial ${revoked.serial})`]);
      } finally {
        db.close();
      }
    });

  ra.command('list')
    .description('the RA clients this CA issued certificates to, revoked ones too')
    .requiredOption('--dir <dir>', 'the CA folder')
    .option('--json', 'print one JSON document')
    .action(async (options: { dir: string; json?: boolean }) => {
      const ctx = await context();
      const material = await loadCa(resolve(options.dir));
      const db = new CaDatabase(material.databasePath, material.sealKey);
      let clients: RaClientRecord[];
      try {
        clients = db.raClients();
      } finally {
        db.close();
      }
      const docs = clients.map(describeClient);
      if (options.json === true) writeJson(ctx.stdout, { raClients: docs });
      else if (docs.length === 0) writeLines(ctx.stdout, ['no RA clients']);
      else
        writeLines(
          ctx.stdout,
          docs.map(
            (d) =>
              `${d.name}  serial ${d.serial}  issued ${d.issued}  until ${d.notAfter}  ` +
              (d.revoked === null ? 'active' : `revoked ${d.revoked}`),
          ),
        );
    });
}

/** Where to register: exactly one of --dir and --url, with only the flags that go with it. */
function targetOf(options: RegisterOptions): { dir: string } | { url: string } {
  const { dir, url } = options;
  if (url !== undefined && dir === undefined) return { url };
  if (dir === undefined || url !== undefined)
    throw new UsageError('give exactly one of --dir (the CA folder) and --url (its RA endpoint)');
  if (options.raCert !== undefined || options.raKey !== undefined || options.caCert !== undefined)
    throw new UsageError('--ra-cert, --ra-key and --ca-cert go with --url, not --dir');
  return { dir };
}

/** The teller and evidence from the flags, which --url requires. */
function requiredApproval(options: RegisterOptions): Approval {
  const approval = optionalApproval(options);
  if (approval === undefined) throw new UsageError('--url needs --approved-by and --evidence');
  return approval;
}

/** The teller and evidence from the flags: both or neither. */
function optionalApproval(options: RegisterOptions): Approval | undefined {
  const { approvedBy: teller, evidence } = options;
  if (teller === undefined && evidence === undefined) return undefined;
  if (teller === undefined || evidence === undefined)
    throw new UsageError('--approved-by and --evidence go together');
  const approvedBy = labelName(teller);
  if (approvedBy === undefined) throw new UsageError(`--approved-by must be ${labelNameRule}`);
  const kind = evidenceKinds.find((k) => k === evidence);
  if (kind === undefined)
    throw new UsageError(`--evidence must be one of ${evidenceKinds.join(', ')}, not ${evidence}`);
  return { approvedBy, evidence: kind };
}

/** The RA endpoint, this RA client's certificate and key, and the CA certificates to trust. */
async function raConnection(
  url: string,
  options: RegisterOptions,
): Promise<{ url: string; cert: string; key: string; ca: string[] }> {
  if (options.raCert === undefined || options.raKey === undefined)
    throw new UsageError('--url needs --ra-cert and --ra-key');
  const read = await readBoundedFile(options.raCert, 64 * 1024);
  if (!read.ok)
    throw new InputFileError(options.raCert, `cannot read the RA certificate (${read.problem})`, {
      cause: read.cause,
    });
  const cert = read.bytes.toString('utf8');
  let anchors;
  if (options.caCert !== undefined) {
    anchors = (await readCaTrust(options.caCert)).anchors;
  } else {
    try {
      anchors = caTrustFromPem(cert).anchors;
    } catch (cause) {
      throw new InputFileError(options.raCert, 'is not a PEM bundle of certificates', { cause });
    }
    if (anchors.length === 0)
      throw new InputFileError(options.raCert, 'holds no CA certificate: give --ca-cert');
  }
  const keyBytes = await readSecretFile(options.raKey, 'RA key');
  const key = keyBytes.toString('utf8');
  keyBytes.fill(0);
  return { url, cert, key, ca: anchors.map((a) => a.toString('pem')) };
}

function raNameOf(text: string): string {
  const name = labelName(text);
  if (name === undefined) throw new UsageError(`--name must be ${labelNameRule}`);
  return name;
}

function describeClient(record: RaClientRecord): {
  name: string;
  serial: string;
  issued: string;
  notAfter: string;
  revoked: string | null;
} {
  return {
    name: record.name,
    serial: record.serial,
    issued: new Date(record.issuedAt).toISOString(),
    notAfter: new Date(record.notAfter).toISOString(),
    revoked: record.revokedAt === undefined ? null : new Date(record.revokedAt).toISOString(),
  };
}

/**
 * Writes each [path, data] to a new file, owner-only (a key among them), never over an existing
 * one; on a failure removes those written and throws. Returns the absolute paths.
 */
async function writeNewFiles(files: readonly (readonly [string, string])[]): Promise<string[]> {
  const written: string[] = [];
  for (const [file, data] of files) {
    const path = resolve(file);
    try {
      await writeFile(path, data, { mode: 0o600, flag: 'wx' });
    } catch (cause) {
      await Promise.all(written.map((p) => rm(p, { force: true })));
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      throw new InputFileError(path, `cannot write a new file (${code})`, { cause });
    }
    written.push(path);
  }
  return written;
}
