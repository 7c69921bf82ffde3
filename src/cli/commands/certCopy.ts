import type { Command } from 'commander';
import { selectCertificate } from '../../certificates/check.js';
import { copyToMedium, copyToToken, type CopySource } from '../../certificates/copy.js';
import { KeyNotExportableError, UsageError } from '../../errors/index.js';
import { openMedium, parseStorageSpec } from '../../storage/spec.js';
import { storeDevices } from '../storeDevices.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { readSecretFile } from '../secretFiles.js';

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
      const from = parseStorageSpec(options.from);
      const to = parseStorageSpec(options.to);
      if (from.kind === 'token') throw new KeyNotExportableError(from.label);
      if (to.kind === 'token' && options.pinFile === undefined)
        throw new UsageError('--pin-file is required to copy onto a token');
      const store = openMedium(from, storeDevices(ctx));
      const stored = await selectCertificate(store, options.serial);
      const password = await readSecretFile(options.passwordFile, 'password');
      const source: CopySource = { store, stored, password };
      /** What a copy says: logged, and printed as JSON or as two lines. */
      const report = (copied: { facts: { name: string; serial: string } }, where: string): void => {
        ctx.log.info(
          { from: store.spec, to: options.to, serial: copied.facts.serial },
          'cert copy',
        );
        if (options.json === true) writeJson(ctx.stdout, { to: options.to, ...copied });
        else
          writeLines(ctx.stdout, [
            `copied ${copied.facts.name} (serial ${copied.facts.serial})`,
            where,
          ]);
      };
      try {
        if (to.kind !== 'token') {
          const copied = await copyToMedium(
            source,
            openMedium(to, storeDevices(ctx)),
            { replace: options.replace === true },
            ctx.config,
            ctx.now(),
          );
          report(copied, `to ${copied.dir}`);
          return;
        }
        const pin = await readSecretFile(options.pinFile ?? '', 'PIN');
        try {
          const copied = await ctx.devices.withTokenDriver(
            to.label,
            options.pkcs11Module,
            (driver) =>
              copyToToken(
                source,
                { driver, token: { label: to.label }, pin },
                ctx.config,
                ctx.now(),
              ),
          );
          report(
            copied,
            `onto token ${to.label}, key id ${copied.id} (sensitive, not extractable)`,
          );
        } finally {
          pin.fill(0);
        }
      } finally {
        password.fill(0);
      }
    });
}
