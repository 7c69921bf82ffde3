import type { Command } from 'commander';
import type { InventoryItem } from '../../certificates/inventory.js';
import { displaySafe } from '../../text/displaySafe.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile } from '../secretFiles.js';
import { describeRevocation } from '../revocation.js';
import { check, checkFailure, type CheckReport } from '../../service/check.js';
import { list } from '../../service/list.js';
import { parseMedium } from '../../service/medium.js';
import { readCaTrust } from '../cmpOptions.js';
import { registerCopy } from './certCopy.js';
import { registerIssue, registerLifecycle } from './certLifecycle.js';
import {
  keySecretFile,
  moduleHelp,
  pinHelp,
  readKeySecret,
  storageHelp,
  type TokenOptions,
} from './certOptions.js';

type ContextFactory = () => Promise<CliContext>;

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
