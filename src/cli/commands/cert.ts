import type { Command } from 'commander';
import { checkCertificate, selectCertificate } from '../../certificates/check.js';
import { listCertificates, type InventoryItem } from '../../certificates/inventory.js';
import { openStore, parseStorageSpec } from '../../storage/spec.js';
import { displaySafe } from '../../text/displaySafe.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';
import { KeyMismatchError, VidMismatchError, WrongPasswordError } from '../../errors/index.js';

type ContextFactory = () => Promise<CliContext>;

/** `kiosk cert …`: certificates on a medium. */
export function registerCertCommands(program: Command, context: ContextFactory): void {
  const cert = program.command('cert').description('certificates on a storage medium');

  cert
    .command('list')
    .description(
      'list the certificates on a medium: CA, subject, serial, validity, policy and usage',
    )
    .requiredOption('--storage <spec>', 'dir:PATH (a folder that contains NPKI/)')
    .option('--json', 'print one JSON document')
    .action(async (options: { storage: string; json?: boolean }) => {
      const ctx = await context();
      const store = openStore(parseStorageSpec(options.storage));
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
