import type { Command } from 'commander';
import type { TokenDriver } from '../../drivers/pkcs11/contract.js';
import { GraphenePkcs11Driver } from '../../drivers/pkcs11/graphenePkcs11.js';
import { KioskError, TokenModuleError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { writeJson, writeLines } from './output.js';

/** The real token driver for a PKCS#11 library; TokenModuleError when it cannot be loaded. */
export function openTokenDriver(modulePath: string): TokenDriver {
  try {
    return new GraphenePkcs11Driver(modulePath);
  } catch (cause) {
    if (cause instanceof KioskError) throw cause;
    throw new TokenModuleError(modulePath, { cause });
  }
}

/** `kiosk token list`: the tokens present (label, serial, maker, PIN state). */
export function registerTokenCommands(program: Command, context: () => Promise<CliContext>): void {
  const token = program.command('token').description('PKCS#11 hardware security tokens');
  token
    .command('list')
    .description('the tokens present: label, serial, manufacturer, model, PIN state')
    .option('--pkcs11-module <path>', 'the PKCS#11 library (default: config pkcs11.module)')
    .option('--json', 'print one JSON document')
    .action(async (options: { pkcs11Module?: string; json?: boolean }) => {
      const ctx = await context();
      const modulePath = options.pkcs11Module ?? ctx.config.pkcs11.module;
      const driver = openTokenDriver(modulePath);
      try {
        const tokens = await driver.listTokens();
        if (options.json === true) writeJson(ctx.stdout, { module: modulePath, tokens });
        else
          writeLines(
            ctx.stdout,
            tokens.length === 0
              ? ['No tokens.']
              : tokens.map(
                  (t) =>
                    `${t.label}  serial ${t.serial}  ${t.manufacturer} ${t.model}${t.pin.locked ? '  PIN LOCKED' : ''}`,
                ),
          );
      } finally {
        await driver.close();
      }
    });
}
