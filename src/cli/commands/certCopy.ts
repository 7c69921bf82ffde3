import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { copy, refuseCopyFrom } from '../../service/copy.js';
import { mediumSpec, parseMedium, secretKindFor } from '../../service/medium.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { withSecretFiles } from '../secretFiles.js';

interface CopyOptions {
  from: string;
  to: string;
  passwordFile: string;
  pinFile?: string;
  pkcs11Module?: string;
  serial?: string;
  replace?: boolean;
  json?: boolean;
}

/**
 * `kiosk cert copy --from SPEC --to SPEC`: a certificate and its key from a medium with key files
 * onto a folder or a token (the key imported sensitive and not extractable). A key on a token
 * never leaves it, so `--from token:` is refused before anything is asked of the token.
 */
export function registerCopy(cert: Command, context: () => Promise<CliContext>): void {
  cert
    .command('copy')
    .description('copy a certificate and its key onto another folder, a USB drive or a token')
    .requiredOption('--from <spec>', 'dir:PATH or usb:DEVICE')
    .requiredOption('--to <spec>', 'dir:PATH, usb:DEVICE or token:LABEL')
    .option('--replace', 'replace a certificate of the same holder already on the target')
    .requiredOption('--password-file <file>', 'file holding the certificate password')
    .option('--pin-file <file>', 'token: file holding the token user PIN')
    .option(
      '--pkcs11-module <path>',
      'token: the PKCS#11 library (default: config, then catalogue)',
    )
    .option('--serial <hex>', 'which certificate, when the medium holds several')
    .option('--json', 'print one JSON document')
    .action(async (options: CopyOptions) => {
      const ctx = await context();
      const from = parseMedium(options.from);
      const to = parseMedium(options.to, options.pkcs11Module);
      // Refused before any file is read: a key on a token never leaves it.
      refuseCopyFrom(from);
      if (secretKindFor(to) === 'pin' && options.pinFile === undefined)
        throw new UsageError('--pin-file is required to copy onto a token');
      await withSecretFiles(
        [
          [options.passwordFile, 'password'],
          ...(options.pinFile === undefined || secretKindFor(to) !== 'pin'
            ? []
            : [[options.pinFile, 'PIN'] as const]),
        ],
        async ([password = Buffer.alloc(0), pin]) => {
          const copied = await copy(ctx, {
            from,
            to,
            password,
            ...(pin === undefined ? {} : { pin }),
            ...(options.serial === undefined ? {} : { serial: options.serial }),
            replace: options.replace === true,
          });
          ctx.log.info(
            { from: mediumSpec(from), to: options.to, serial: copied.facts.serial },
            'cert copy',
          );
          if (options.json === true)
            writeJson(
              ctx.stdout,
              copied.kind === 'token'
                ? {
                    to: options.to,
                    id: copied.id,
                    facts: copied.facts,
                    cleanedUp: copied.cleanedUp,
                  }
                : { to: options.to, dir: copied.dir, facts: copied.facts },
            );
          else
            writeLines(ctx.stdout, [
              `copied ${copied.facts.name} (serial ${copied.facts.serial})`,
              copied.kind === 'token'
                ? `onto token ${copied.storage.slice('token:'.length)}, key id ${copied.id} (sensitive, not extractable)`
                : `to ${copied.dir}`,
            ]);
        },
      );
    });
}
