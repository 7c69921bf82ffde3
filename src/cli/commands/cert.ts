import type { Command } from 'commander';
import { checkCertificate, selectCertificate } from '../../certificates/check.js';
import { listCertificates, type InventoryItem } from '../../certificates/inventory.js';
import { openStore, parseStorageSpec } from '../../storage/spec.js';
import { displaySafe } from '../../text/displaySafe.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';
import {
  InputFileError,
  KeyMismatchError,
  UsageError,
  VidMismatchError,
  WrongPasswordError,
} from '../../errors/index.js';
import { CRLReasons } from '@peculiar/asn1-x509';
import { issueToFolder } from '../../certificates/issue.js';
import { issueToToken } from '../../certificates/issueToToken.js';
import { openTokenDriver } from '../tokens.js';
import { renewInFolder } from '../../certificates/renew.js';
import { revokeStored } from '../../certificates/revoke.js';
import { revokeOnToken } from '../../certificates/revokeOnToken.js';
import { CmpClient } from '../../cmp/client.js';
import { httpTransport } from '../../cmp/transport.js';
import { caTrustFromPem, type CaTrust } from '../../cmp/trust.js';
import type { x509 } from '../../crypto/x509.js';
import { readBoundedFile } from '../../io/readBoundedFile.js';

type ContextFactory = () => Promise<CliContext>;

/** `kiosk cert …`: certificates on a medium. */
export function registerCertCommands(program: Command, context: ContextFactory): void {
  const cert = program.command('cert').description('certificates on a storage medium');
  registerIssue(cert, context);
  registerLifecycle(cert, context);

  cert
    .command('list')
    .description(
      'list the certificates on a medium: CA, subject, serial, validity, policy and usage',
    )
    .requiredOption('--storage <spec>', 'dir:PATH (a folder that contains NPKI/) or token:LABEL')
    .option('--pkcs11-module <path>', 'token: the PKCS#11 library (default: config pkcs11.module)')
    .option('--json', 'print one JSON document')
    .action(async (options: { storage: string; pkcs11Module?: string; json?: boolean }) => {
      const ctx = await context();
      const store = openStore(parseStorageSpec(options.storage), {
        openTokenDriver: () => openTokenDriver(options.pkcs11Module ?? ctx.config.pkcs11.module),
      });
      const items = await listCertificates(store, ctx.now(), ctx.config.npki.renewalWindowDays);
      ctx.log.info({ storage: store.spec, count: items.length }, 'cert list');
      if (options.json === true) {
        writeJson(ctx.stdout, { storage: store.spec, certificates: items });
      } else {
        writeLines(ctx.stdout, describeItems(items, ctx.config.language));
      }
    });

  cert
    .command('check')
    .description(
      'check that the password opens the key, the key matches the certificate and the VID matches',
    )
    .requiredOption('--storage <spec>', 'dir:PATH (a folder that contains NPKI/)')
    .requiredOption('--password-file <file>', 'file holding the certificate password')
    .option(
      '--idn-file <file>',
      'file holding the holder’s resident registration number, to check the VID',
    )
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option('--json', 'print one JSON document')
    .action(
      async (options: {
        storage: string;
        passwordFile: string;
        idnFile?: string;
        serial?: string;
        json?: boolean;
      }) => {
        const ctx = await context();
        const store = openStore(parseStorageSpec(options.storage));
        const stored = await selectCertificate(store, options.serial);
        const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
        const password = await readSecretFile(options.passwordFile, 'password');
        let result;
        try {
          result = await checkCertificate(store, stored, password, idn);
        } finally {
          password.fill(0);
        }
        ctx.log.info({ storage: store.spec, ...result }, 'cert check');
        if (options.json === true) {
          writeJson(ctx.stdout, result);
        } else {
          const mark = (v: boolean | null): string => (v === null ? '-' : v ? 'ok' : 'FAILED');
          writeLines(ctx.stdout, [
            `serial ${result.serial}`,
            `password: ${mark(result.passwordOk)}`,
            `key matches certificate: ${mark(result.keyMatchesCert)}`,
            `VID: ${mark(result.vidOk)}`,
          ]);
        }
        // The report is printed either way; the exit status and error line say what failed.
        if (!result.passwordOk) throw new WrongPasswordError();
        if (result.keyMatchesCert === false) throw new KeyMismatchError();
        if (result.vidOk === false) throw new VidMismatchError();
      },
    );
}

/** `kiosk cert issue`, registered with the other cert commands. */
function registerIssue(cert: Command, context: ContextFactory): void {
  cert
    .command('issue')
    .description(
      'generate a key on the medium, enrol over CMP (ir), check, store the NPKI pair, confirm',
    )
    .requiredOption('--ca <url>', 'the CA’s CMP URL, e.g. http://127.0.0.1:8829/pkix/')
    .requiredOption(
      '--ca-cert <file>',
      'PEM bundle of the CA certificates trusted and the RA encryption certificate',
    )
    .requiredOption('--ref <ref>', 'the RA’s reference number')
    .requiredOption('--auth-code-file <file>', 'file holding the authorization code')
    .requiredOption(
      '--storage <spec>',
      'dir:PATH (a folder that contains or will contain NPKI/) or token:LABEL',
    )
    .option('--password-file <file>', 'dir: file holding the new certificate password')
    .option('--pin-file <file>', 'token: file holding the token user PIN')
    .option('--pkcs11-module <path>', 'token: the PKCS#11 library (default: config pkcs11.module)')
    .option(
      '--idn-file <file>',
      'file holding the holder’s resident registration number, to check the VID',
    )
    .option('--profile <profile>', 'check that the certificate is restricted or general')
    .option('--json', 'print one JSON document')
    .action(async (options: IssueOptions) => {
      const ctx = await context();
      const spec = parseStorageSpec(options.storage);
      if (
        options.profile !== undefined &&
        options.profile !== 'restricted' &&
        options.profile !== 'general'
      ) {
        throw new UsageError(`--profile must be restricted or general, not ${options.profile}`);
      }
      if (spec.kind === 'token') {
        await issueToTokenCommand(ctx, spec.label, options);
        return;
      }
      if (spec.kind !== 'dir')
        throw new UsageError(
          `cert issue supports dir: and token: storage in this build, not ${spec.kind}:`,
        );
      if (options.passwordFile === undefined)
        throw new UsageError('--password-file is required for dir: storage');
      const trust = await readCaTrust(options.caCert);
      const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
      const authCode = await readSecretFile(options.authCodeFile, 'authorization code');
      const password = await readSecretFile(options.passwordFile, 'password');
      try {
        const client = new CmpClient({
          transport: httpTransport(options.ca),
          anchors: trust.anchors,
          log: ctx.log,
          now: ctx.now,
        });
        const issued = await issueToFolder({
          client,
          raEncryption: raEncryptionOf(trust, options.caCert),
          root: spec.path,
          ref: options.ref,
          authCode,
          password,
          ...(idn === undefined ? {} : { idn }),
          ...(options.profile === 'restricted' || options.profile === 'general'
            ? { profile: options.profile }
            : {}),
          config: ctx.config,
          now: ctx.now(),
        });
        ctx.log.info(
          { storage: options.storage, serial: issued.facts.serial },
          'certificate issued',
        );
        if (options.json === true)
          writeJson(ctx.stdout, {
            storage: `dir:${spec.path}`,
            dir: issued.dir,
            facts: issued.facts,
          });
        else
          writeLines(ctx.stdout, [
            `issued ${issued.facts.name} (serial ${issued.facts.serial})`,
            `stored in ${issued.dir}`,
          ]);
      } finally {
        authCode.fill(0);
        password.fill(0);
      }
    });
}

/** `kiosk cert renew` and `kiosk cert revoke`: CMP kur and rr with the key on the medium. */
function registerLifecycle(cert: Command, context: ContextFactory): void {
  cert
    .command('renew')
    .description(
      'renew within the renewal window: a new key on the same medium, CMP kur signed with the current key',
    )
    .requiredOption('--ca <url>', 'the CA’s CMP URL')
    .requiredOption('--ca-cert <file>', 'PEM bundle of the CA certificates trusted')
    .requiredOption('--storage <spec>', 'dir:PATH (a folder that contains NPKI/)')
    .requiredOption('--password-file <file>', 'file holding the certificate password')
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option('--json', 'print one JSON document')
    .action(async (options: LifecycleOptions) => {
      const ctx = await context();
      const { spec, store, stored } = await selectOnDir(options);
      const trust = await readCaTrust(options.caCert);
      const password = await readSecretFile(options.passwordFile, 'password');
      try {
        const renewed = await renewInFolder({
          client: cmpClient(options.ca, trust, ctx),
          store,
          root: spec.path,
          stored,
          password,
          config: ctx.config,
          now: ctx.now(),
        });
        ctx.log.info(
          { storage: options.storage, serial: renewed.facts.serial },
          'certificate renewed',
        );
        if (options.json === true)
          writeJson(ctx.stdout, { storage: store.spec, dir: renewed.dir, facts: renewed.facts });
        else
          writeLines(ctx.stdout, [
            `renewed ${renewed.facts.name} (serial ${renewed.facts.serial})`,
            `stored in ${renewed.dir}`,
          ]);
      } finally {
        password.fill(0);
      }
    });

  cert
    .command('revoke')
    .description('revoke a certificate with CMP rr, signed by its own key')
    .requiredOption('--ca <url>', 'the CA’s CMP URL')
    .requiredOption('--ca-cert <file>', 'PEM bundle of the CA certificates trusted')
    .requiredOption('--storage <spec>', 'dir:PATH (a folder that contains NPKI/) or token:LABEL')
    .option('--password-file <file>', 'dir: file holding the certificate password')
    .option('--pin-file <file>', 'token: file holding the token user PIN')
    .option('--pkcs11-module <path>', 'token: the PKCS#11 library (default: config pkcs11.module)')
    .option(
      '--reason <reason>',
      `RFC 5280 reason: ${Object.keys(revocationReasons).join(', ')}`,
      'unspecified',
    )
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option('--json', 'print one JSON document')
    .action(async (options: RevokeOptions) => {
      const ctx = await context();
      const reason = revocationReasons[options.reason];
      if (reason === undefined)
        throw new UsageError(
          `--reason must be one of ${Object.keys(revocationReasons).join(', ')}`,
        );
      const spec = parseStorageSpec(options.storage);
      if (spec.kind === 'token') {
        await revokeOnTokenCommand(ctx, spec.label, reason, options);
        return;
      }
      if (options.passwordFile === undefined)
        throw new UsageError('--password-file is required for dir: storage');
      const { store, stored } = await selectOnDir(options);
      const trust = await readCaTrust(options.caCert);
      const password = await readSecretFile(options.passwordFile, 'password');
      try {
        const { serial } = await revokeStored(
          cmpClient(options.ca, trust, ctx),
          store,
          stored,
          password,
          reason,
        );
        ctx.log.info(
          { storage: options.storage, serial, reason: options.reason },
          'certificate revoked',
        );
        if (options.json === true)
          writeJson(ctx.stdout, { serial, revoked: true, reason: options.reason });
        else writeLines(ctx.stdout, [`revoked serial ${serial} (${options.reason})`]);
      } finally {
        password.fill(0);
      }
    });
}

type RevokeOptions = Omit<LifecycleOptions, 'passwordFile'> & {
  reason: string;
  passwordFile?: string;
  pinFile?: string;
  pkcs11Module?: string;
};

/** `kiosk cert revoke --storage token:LABEL`: rr signed by the key on the token. */
async function revokeOnTokenCommand(
  ctx: CliContext,
  label: string,
  reason: CRLReasons,
  options: RevokeOptions,
): Promise<void> {
  if (options.pinFile === undefined)
    throw new UsageError('--pin-file is required for token: storage');
  const trust = await readCaTrust(options.caCert);
  const pin = await readSecretFile(options.pinFile, 'PIN');
  const driver = openTokenDriver(options.pkcs11Module ?? ctx.config.pkcs11.module);
  try {
    const { serial } = await revokeOnToken(
      cmpClient(options.ca, trust, ctx),
      driver,
      { label },
      pin,
      reason,
      options.serial,
    );
    ctx.log.info(
      { storage: `token:${label}`, serial, reason: options.reason },
      'certificate revoked',
    );
    if (options.json === true)
      writeJson(ctx.stdout, { serial, revoked: true, reason: options.reason });
    else writeLines(ctx.stdout, [`revoked serial ${serial} (${options.reason})`]);
  } finally {
    pin.fill(0);
    await driver.close();
  }
}

interface LifecycleOptions {
  ca: string;
  caCert: string;
  storage: string;
  passwordFile: string;
  serial?: string;
  json?: boolean;
}

/** RFC 5280 §5.3.1 reason names the CLI accepts. */
const revocationReasons: Readonly<Record<string, CRLReasons>> = {
  unspecified: CRLReasons.unspecified,
  keyCompromise: CRLReasons.keyCompromise,
  affiliationChanged: CRLReasons.affiliationChanged,
  superseded: CRLReasons.superseded,
  cessationOfOperation: CRLReasons.cessationOfOperation,
};

async function selectOnDir(options: { storage: string; serial?: string }) {
  const spec = parseStorageSpec(options.storage);
  if (spec.kind !== 'dir')
    throw new UsageError(`this build supports dir: storage here, not ${spec.kind}:`);
  const store = openStore(spec);
  return { spec, store, stored: await selectCertificate(store, options.serial) };
}

function cmpClient(
  url: string,
  trust: { anchors: x509.X509Certificate[] },
  ctx: CliContext,
): CmpClient {
  return new CmpClient({
    transport: httpTransport(url),
    anchors: trust.anchors,
    log: ctx.log,
    now: ctx.now,
  });
}

interface IssueOptions {
  ca: string;
  caCert: string;
  ref: string;
  authCodeFile: string;
  passwordFile?: string;
  pinFile?: string;
  pkcs11Module?: string;
  storage: string;
  idnFile?: string;
  profile?: string;
  json?: boolean;
}

/** The CA bundle: trust anchors and the RA encryption certificate, both required to issue. */
/** `kiosk cert issue --storage token:LABEL`: the key is generated on the token and stays there. */
async function issueToTokenCommand(
  ctx: CliContext,
  label: string,
  options: IssueOptions,
): Promise<void> {
  if (options.pinFile === undefined)
    throw new UsageError('--pin-file is required for token: storage');
  const trust = await readCaTrust(options.caCert);
  const raEncryption = raEncryptionOf(trust, options.caCert);
  const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
  const authCode = await readSecretFile(options.authCodeFile, 'authorization code');
  const pin = await readSecretFile(options.pinFile, 'PIN');
  const driver = openTokenDriver(options.pkcs11Module ?? ctx.config.pkcs11.module);
  try {
    const issued = await issueToToken({
      client: cmpClient(options.ca, trust, ctx),
      raEncryption,
      driver,
      token: { label },
      pin,
      ref: options.ref,
      authCode,
      ...(idn === undefined ? {} : { idn }),
      config: ctx.config,
      now: ctx.now(),
    });
    ctx.log.info({ storage: `token:${label}`, serial: issued.facts.serial }, 'certificate issued');
    if (options.json === true)
      writeJson(ctx.stdout, { storage: `token:${label}`, id: issued.id, facts: issued.facts });
    else
      writeLines(ctx.stdout, [
        `issued ${issued.facts.name} (serial ${issued.facts.serial})`,
        `on token ${label}, key id ${issued.id}`,
      ]);
  } finally {
    authCode.fill(0);
    pin.fill(0);
    await driver.close();
  }
}

/** The CA bundle: the trust anchors (required) and the RA encryption certificate. */
async function readCaTrust(path: string): Promise<CaTrust> {
  const read = await readBoundedFile(path, 256 * 1024);
  if (!read.ok) {
    throw new InputFileError(path, `cannot read the CA certificates (${read.problem})`, {
      cause: read.cause,
    });
  }
  let trust: CaTrust;
  try {
    trust = caTrustFromPem(read.bytes.toString('utf8'));
  } catch (cause) {
    throw new InputFileError(path, 'is not a PEM bundle of certificates', { cause });
  }
  if (trust.anchors.length === 0) throw new InputFileError(path, 'holds no CA certificate');
  return trust;
}

/** The RA encryption certificate, which issuance cannot do without (R travels to it). */
function raEncryptionOf(trust: CaTrust, path: string): x509.X509Certificate {
  if (trust.raEncryption === undefined) {
    throw new InputFileError(path, 'holds no RA encryption certificate (keyEncipherment)');
  }
  return trust.raEncryption;
}

function describeItems(items: readonly InventoryItem[], language: 'ko' | 'en'): string[] {
  if (items.length === 0) return [language === 'ko' ? '인증서가 없습니다.' : 'No certificates.'];
  return items.flatMap((item) => {
    if (!item.ok) {
      // The folder names and messages come from the medium: nothing raw reaches the terminal.
      return [
        displaySafe(`${item.caFolder}  ${item.id}`),
        displaySafe(`  ${item.error.code}: ${item.error.message}`),
      ];
    }
    const f = item.facts;
    return [
      `${f.ca}  ${f.name}  (serial ${f.serial})`,
      `  ${f.policy?.label[language] ?? '-'} · ${f.validityLabel[language]} · ${f.renewalLabel[language]}`,
    ];
  });
}
