import type { Command } from 'commander';
import type { InventoryItem } from '../../certificates/inventory.js';
import { displaySafe } from '../../text/displaySafe.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';
import { UsageError } from '../../errors/index.js';
import { CRLReasons } from '@peculiar/asn1-x509';
import { describeRevocation } from '../revocation.js';
import { check, checkFailure, type CheckReport } from '../../service/check.js';
import { issue } from '../../service/issue.js';
import { list } from '../../service/list.js';
import { renew } from '../../service/renew.js';
import { revoke } from '../../service/revoke.js';
import {
  mediumSpec,
  parseMedium,
  secretKindFor,
  type KeySecret,
  type Medium,
} from '../../service/medium.js';
import { raEncryptionOf, readCaTrust } from '../cmpOptions.js';
import { registerCopy } from './certCopy.js';

const storageHelp =
  'dir:PATH (a folder that contains NPKI/), usb:DEVICE (a drive or FAT image) or token:LABEL';
const pinHelp = 'token: file holding the token user PIN';
const moduleHelp = 'token: the PKCS#11 library (default: config, then the token catalogue)';

type ContextFactory = () => Promise<CliContext>;

/** The options every `kiosk cert …` command that may name a token takes. */
interface TokenOptions {
  pinFile?: string;
  pkcs11Module?: string;
  json?: boolean;
}

/** `kiosk cert …`: certificates on a medium. */
export function registerCertCommands(program: Command, context: ContextFactory): void {
  const cert = program.command('cert').description('certificates on a storage medium');
  registerIssue(cert, context);
  registerLifecycle(cert, context);
  registerCopy(cert, context);

  cert
    .command('list')
    .description(
      'list the certificates on a medium: CA, subject, serial, validity, policy and usage',
    )
    .requiredOption('--storage <spec>', storageHelp)
    .option('--pkcs11-module <path>', moduleHelp)
    .option('--json', 'print one JSON document')
    .action(async (options: { storage: string; pkcs11Module?: string; json?: boolean }) => {
      const ctx = await context();
      const { storage, certificates } = await list(ctx, {
        medium: parseMedium(options.storage, options.pkcs11Module),
      });
      ctx.log.info({ storage, count: certificates.length }, 'cert list');
      if (options.json === true) {
        writeJson(ctx.stdout, { storage, certificates });
      } else {
        writeLines(ctx.stdout, describeItems(certificates, ctx.config.language));
      }
    });

  cert
    .command('check')
    .description(
      'check that the password opens the key, the key matches the certificate and the VID matches',
    )
    .requiredOption('--storage <spec>', storageHelp)
    .option('--password-file <file>', 'dir: file holding the certificate password')
    .option('--pin-file <file>', pinHelp)
    .option('--pkcs11-module <path>', moduleHelp)
    .option(
      '--idn-file <file>',
      'file holding the holder’s resident registration number, to check the VID',
    )
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option(
      '--ca-cert <file>',
      'PEM bundle of the CA certificates: also ask the CA’s OCSP responder for revocation',
    )
    .option('--json', 'print one JSON document')
    .action(
      async (
        options: TokenOptions & {
          storage: string;
          passwordFile?: string;
          idnFile?: string;
          serial?: string;
          caCert?: string;
        },
      ) => {
        const ctx = await context();
        const medium = parseMedium(options.storage, options.pkcs11Module);
        const secretFile = keySecretFile(medium, options);
        const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
        const caTrust =
          options.caCert === undefined ? undefined : await readCaTrust(options.caCert);
        const secret = await readKeySecret(secretFile);
        let report: CheckReport;
        try {
          report = await check(ctx, {
            medium,
            secret,
            ...(idn === undefined ? {} : { idn }),
            ...(options.serial === undefined ? {} : { serial: options.serial }),
            ...(caTrust === undefined ? {} : { caTrust }),
          });
        } finally {
          secret.bytes.fill(0);
        }
        // What was checked, without the service's own fields (the output stays what it was).
        const { storage } = report;
        const result = Object.fromEntries(
          Object.entries(report).filter(([key]) => key !== 'kind' && key !== 'storage'),
        );
        ctx.log.info({ storage, ...result }, 'cert check');
        if (options.json === true) {
          writeJson(ctx.stdout, result);
        } else {
          const mark = (v: boolean | null): string => (v === null ? '-' : v ? 'ok' : 'FAILED');
          writeLines(ctx.stdout, [
            report.kind === 'token'
              ? `serial ${report.serial} (key id ${report.id})`
              : `serial ${report.serial}`,
            report.kind === 'token' ? 'PIN: ok' : `password: ${mark(report.passwordOk)}`,
            `key matches certificate: ${mark(report.keyMatchesCert)}`,
            `VID: ${mark(report.vidOk)}`,
            ...(report.revocation === undefined
              ? []
              : [`revocation: ${describeRevocation(report.revocation)}`]),
          ]);
        }
        // The report is printed either way; the exit status and error line say what failed.
        const failure = checkFailure(report);
        if (failure !== undefined) throw failure;
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
    .requiredOption('--storage <spec>', storageHelp)
    .option('--password-file <file>', 'dir: file holding the new certificate password')
    .option('--pin-file <file>', pinHelp)
    .option('--pkcs11-module <path>', moduleHelp)
    .option(
      '--idn-file <file>',
      'file holding the holder’s resident registration number, to check the VID',
    )
    .option('--profile <profile>', 'check that the certificate is restricted or general')
    .option('--replace', 'replace a certificate of the same holder already on the medium')
    .option('--json', 'print one JSON document')
    .action(async (options: IssueOptions) => {
      const ctx = await context();
      const medium = parseMedium(options.storage, options.pkcs11Module);
      if (
        options.profile !== undefined &&
        options.profile !== 'restricted' &&
        options.profile !== 'general'
      ) {
        throw new UsageError(`--profile must be restricted or general, not ${options.profile}`);
      }
      const secretFile = keySecretFile(medium, options);
      const trust = await readCaTrust(options.caCert);
      const raEncryption = raEncryptionOf(trust, options.caCert);
      const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
      const authCode = await readSecretFile(options.authCodeFile, 'authorization code');
      let secret: KeySecret | undefined;
      try {
        secret = await readKeySecret(secretFile);
        const issued = await issue(ctx, {
          medium,
          ca: { url: options.ca, trust, raEncryption },
          ref: options.ref,
          authCode,
          secret,
          replace: options.replace === true,
          ...(idn === undefined ? {} : { idn }),
          ...(options.profile === 'restricted' || options.profile === 'general'
            ? { profile: options.profile }
            : {}),
        });
        ctx.log.info(
          {
            storage: issued.storage,
            serial: issued.facts.serial,
            ...(issued.kind === 'token' ? { cleanedUp: issued.cleanedUp } : {}),
          },
          'certificate issued',
        );
        if (options.json === true)
          writeJson(
            ctx.stdout,
            issued.kind === 'token'
              ? {
                  storage: issued.storage,
                  id: issued.id,
                  facts: issued.facts,
                  cleanedUp: issued.cleanedUp,
                }
              : { storage: issued.storage, dir: issued.dir, facts: issued.facts },
          );
        else
          writeLines(ctx.stdout, [
            ...(issued.kind === 'token' ? cleanupLine(issued.cleanedUp) : []),
            `issued ${issued.facts.name} (serial ${issued.facts.serial})`,
            issued.kind === 'token'
              ? `on token ${issued.storage.slice('token:'.length)}, key id ${issued.id}`
              : `stored in ${issued.dir}`,
          ]);
      } finally {
        authCode.fill(0);
        secret?.bytes.fill(0);
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
    .requiredOption('--storage <spec>', storageHelp)
    .option('--password-file <file>', 'dir: file holding the certificate password')
    .option('--pin-file <file>', pinHelp)
    .option('--pkcs11-module <path>', moduleHelp)
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option('--json', 'print one JSON document')
    .action(async (options: LifecycleOptions) => {
      const ctx = await context();
      const medium = parseMedium(options.storage, options.pkcs11Module);
      const secretFile = keySecretFile(medium, options);
      const trust = await readCaTrust(options.caCert);
      const secret = await readKeySecret(secretFile);
      try {
        const renewed = await renew(ctx, {
          medium,
          ca: { url: options.ca, trust },
          secret,
          ...(options.serial === undefined ? {} : { serial: options.serial }),
        });
        ctx.log.info(
          {
            storage: renewed.storage,
            serial: renewed.facts.serial,
            ...(renewed.kind === 'token'
              ? { cleanedUp: renewed.cleanedUp, oldPairLeft: renewed.oldPairLeft }
              : {}),
          },
          'certificate renewed',
        );
        if (options.json === true)
          writeJson(
            ctx.stdout,
            renewed.kind === 'token'
              ? {
                  storage: renewed.storage,
                  id: renewed.id,
                  facts: renewed.facts,
                  cleanedUp: renewed.cleanedUp,
                  ...(renewed.oldPairLeft === undefined
                    ? {}
                    : { oldPairLeft: renewed.oldPairLeft }),
                }
              : { storage: renewed.storage, dir: renewed.dir, facts: renewed.facts },
          );
        else
          writeLines(ctx.stdout, [
            ...(renewed.kind === 'token' ? cleanupLine(renewed.cleanedUp) : []),
            `renewed ${renewed.facts.name} (serial ${renewed.facts.serial})`,
            ...(renewed.kind === 'token'
              ? [
                  `on token ${renewed.storage.slice('token:'.length)}, key id ${renewed.id}`,
                  ...(renewed.oldPairLeft === undefined
                    ? []
                    : [
                        `the token went away before the old pair (key id ${renewed.oldPairLeft}) was removed; it is superseded`,
                      ]),
                ]
              : [`stored in ${renewed.dir}`]),
          ]);
      } finally {
        secret.bytes.fill(0);
      }
    });

  cert
    .command('revoke')
    .description('revoke a certificate with CMP rr, signed by its own key')
    .requiredOption('--ca <url>', 'the CA’s CMP URL')
    .requiredOption('--ca-cert <file>', 'PEM bundle of the CA certificates trusted')
    .requiredOption('--storage <spec>', storageHelp)
    .option('--password-file <file>', 'dir: file holding the certificate password')
    .option('--pin-file <file>', pinHelp)
    .option('--pkcs11-module <path>', moduleHelp)
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
      const medium = parseMedium(options.storage, options.pkcs11Module);
      const secretFile = keySecretFile(medium, options);
      const trust = await readCaTrust(options.caCert);
      const secret = await readKeySecret(secretFile);
      try {
        const { serial } = await revoke(ctx, {
          medium,
          ca: { url: options.ca, trust },
          secret,
          reason,
          ...(options.serial === undefined ? {} : { serial: options.serial }),
        });
        ctx.log.info(
          { storage: mediumSpec(medium), serial, reason: options.reason },
          'certificate revoked',
        );
        if (options.json === true)
          writeJson(ctx.stdout, { serial, revoked: true, reason: options.reason });
        else writeLines(ctx.stdout, [`revoked serial ${serial} (${options.reason})`]);
      } finally {
        secret.bytes.fill(0);
      }
    });
}

type RevokeOptions = LifecycleOptions & { reason: string };

interface LifecycleOptions extends TokenOptions {
  ca: string;
  caCert: string;
  storage: string;
  passwordFile?: string;
  serial?: string;
}

/** RFC 5280 §5.3.1 reason names the CLI accepts. */
const revocationReasons: Readonly<Record<string, CRLReasons>> = {
  unspecified: CRLReasons.unspecified,
  keyCompromise: CRLReasons.keyCompromise,
  affiliationChanged: CRLReasons.affiliationChanged,
  superseded: CRLReasons.superseded,
  cessationOfOperation: CRLReasons.cessationOfOperation,
};

/** Which secret file opens keys on the medium, from the flags (checked before any work). */
function keySecretFile(
  medium: Medium,
  options: { passwordFile?: string; pinFile?: string },
): { readonly kind: KeySecret['kind']; readonly path: string } {
  if (secretKindFor(medium) === 'password')
    return { kind: 'password', path: requirePasswordFile(options) };
  refusePasswordFile(options);
  if (options.pinFile === undefined)
    throw new UsageError('--pin-file is required for token: storage');
  return { kind: 'pin', path: options.pinFile };
}

/** Reads the key secret; the caller zeroes its bytes. */
async function readKeySecret(file: {
  readonly kind: KeySecret['kind'];
  readonly path: string;
}): Promise<KeySecret> {
  const bytes = await readSecretFile(file.path, file.kind === 'pin' ? 'PIN' : 'password');
  return { kind: file.kind, bytes };
}

/** The line a token operation prints when it removed what earlier attempts left. */
function cleanupLine(count: number): string[] {
  return count === 0 ? [] : [`removed ${String(count)} unfinished key pair(s) of earlier attempts`];
}

/** The key file's password file, which dir: and usb: storage need (checked before any work). */
function requirePasswordFile(options: { passwordFile?: string }): string {
  if (options.passwordFile === undefined)
    throw new UsageError('--password-file is required for dir: and usb: storage');
  return options.passwordFile;
}

/** A token is opened with its PIN: a password file given for one is a mistake, said so. */
function refusePasswordFile(options: { passwordFile?: string }): void {
  if (options.passwordFile !== undefined)
    throw new UsageError('--password-file is for dir: storage; a token takes --pin-file');
}

interface IssueOptions extends TokenOptions {
  replace?: boolean;
  ca: string;
  caCert: string;
  ref: string;
  authCodeFile: string;
  passwordFile?: string;
  storage: string;
  idnFile?: string;
  profile?: string;
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
