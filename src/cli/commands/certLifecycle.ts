// `kiosk cert issue`, `renew` and `revoke`: the operations that ask the CA, through the service.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';
import { UsageError } from '../../errors/index.js';
import { CRLReasons } from '@peculiar/asn1-x509';
import { issue } from '../../service/issue.js';
import { renew } from '../../service/renew.js';
import { revoke } from '../../service/revoke.js';
import { mediumSpec, parseMedium, type KeySecret } from '../../service/medium.js';
import { raEncryptionOf, readCaTrust } from '../cmpOptions.js';
import {
  cleanupLine,
  keySecretFile,
  moduleHelp,
  pinHelp,
  readKeySecret,
  storageHelp,
  type TokenOptions,
} from './certOptions.js';

type ContextFactory = () => Promise<CliContext>;

/** `kiosk cert issue`, registered with the other cert commands. */
export function registerIssue(cert: Command, context: ContextFactory): void {
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

/** The flags of renew and revoke: the CA, and the medium with the key that signs. */
function withKeyOnMedium(command: Command): Command {
  return command
    .requiredOption('--ca <url>', 'the CA’s CMP URL')
    .requiredOption('--ca-cert <file>', 'PEM bundle of the CA certificates trusted')
    .requiredOption('--storage <spec>', storageHelp)
    .option('--password-file <file>', 'dir: file holding the certificate password')
    .option('--pin-file <file>', pinHelp)
    .option('--pkcs11-module <path>', moduleHelp);
}

/** `kiosk cert renew` and `kiosk cert revoke`: CMP kur and rr with the key on the medium. */
export function registerLifecycle(cert: Command, context: ContextFactory): void {
  withKeyOnMedium(
    cert
      .command('renew')
      .description(
        'renew within the renewal window: a new key on the same medium, CMP kur signed with the current key',
      ),
  )
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

  withKeyOnMedium(
    cert.command('revoke').description('revoke a certificate with CMP rr, signed by its own key'),
  )
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
