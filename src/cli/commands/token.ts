import type { Command } from 'commander';
import { changePin, initToken, listTokens, refuseInitToken } from '../../service/tokens.js';
import { TokenDiscovery } from '../../tokens/discovery.js';
import type { CliContext } from '../context.js';
import { writeJson, writeJsonLine, writeLines } from '../output.js';
import { withSecretFiles } from '../secretFiles.js';

const moduleHelp = 'the PKCS#11 library (default: config pkcs11.module, else the token catalogue)';

/** `kiosk token list`: the tokens present (label, serial, maker, PIN state). */
export function registerTokenCommands(program: Command, context: () => Promise<CliContext>): void {
  const token = program.command('token').description('PKCS#11 hardware security tokens');
  token
    .command('list')
    .description('the tokens present: label, serial, manufacturer, model, PIN state')
    .option('--pkcs11-module <path>', moduleHelp)
    .option('--json', 'print one JSON document')
    .action(async (options: { pkcs11Module?: string; json?: boolean }) => {
      const ctx = await context();
      const tokens = await listTokens(
        ctx,
        options.pkcs11Module === undefined ? {} : { module: options.pkcs11Module },
      );
      if (options.json === true) writeJson(ctx.stdout, { tokens });
      else
        writeLines(
          ctx.stdout,
          tokens.length === 0
            ? ['No tokens.']
            : tokens.map(
                (t) =>
                  `${t.initialized ? t.label : '(blank)'}  serial ${t.serial || '-'}  ${t.manufacturer} ${t.model}${pinState(t.pin)}  [${t.catalogueName ?? t.module}]`,
              ),
        );
    });
  registerTokenInit(token, context);
  registerTokenWatch(token, context);
  token
    .command('change-pin')
    .description('change a token’s user PIN (the old one is needed)')
    .requiredOption('--label <label>', 'the token')
    .requiredOption('--pin-file <file>', 'file holding the current user PIN')
    .requiredOption('--new-pin-file <file>', 'file holding the new user PIN')
    .option('--pkcs11-module <path>', moduleHelp)
    .action(
      async (options: {
        label: string;
        pinFile: string;
        newPinFile: string;
        pkcs11Module?: string;
      }) => {
        const ctx = await context();
        await withSecretFiles(
          [
            [options.pinFile, 'PIN'],
            [options.newPinFile, 'new PIN'],
          ],
          ([pin = Buffer.alloc(0), newPin = Buffer.alloc(0)]) =>
            changePin(ctx, {
              label: options.label,
              pin,
              newPin,
              ...(options.pkcs11Module === undefined ? {} : { module: options.pkcs11Module }),
            }),
        );
        writeLines(ctx.stdout, [`changed the user PIN of token ${options.label}`]);
      },
    );
}

/**
 * `kiosk token watch`: reports tokens arriving and leaving until SIGINT or SIGTERM (slot polling
 * every pkcs11.pollIntervalMs, and at once on USB hotplug where the machine has USB). With
 * `--json`, one JSON object per line, as a stream has no single document.
 */
function registerTokenWatch(token: Command, context: () => Promise<CliContext>): void {
  token
    .command('watch')
    .description('report tokens arriving and leaving until interrupted (JSON lines with --json)')
    .option('--pkcs11-module <path>', moduleHelp)
    .option('--json', 'one JSON object per line')
    .action(async (options: { pkcs11Module?: string; json?: boolean }) => {
      const ctx = await context();
      const hotplug = ctx.devices.usbHotplug();
      const discovery = new TokenDiscovery({
        source: await ctx.devices.tokenModules(options.pkcs11Module),
        open: (module) => ctx.devices.openTokenDriver(module),
        hotplug,
        intervalMs: ctx.config.pkcs11.pollIntervalMs,
        onEvent: (event) => {
          ctx.log.info(
            { event: event.type, label: event.token.label, module: event.module },
            'token',
          );
          if (options.json === true) writeJsonLine(ctx.stdout, event);
          else
            writeLines(ctx.stdout, [
              `${event.type} ${event.token.label} (serial ${event.token.serial}) [${event.module}]`,
            ]);
        },
        onError: (error) => {
          ctx.log.warn({ err: error }, 'token discovery');
        },
      });
      discovery.start();
      // The poll timers do not hold the process (a library must not); this command is the owner
      // that lives until it is told to stop.
      const keepAlive = setInterval(() => undefined, 2 ** 30);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      await discovery.stop();
      await ctx.devices.close();
    });
}

function pinState(pin: { countLow: boolean; finalTry: boolean; locked: boolean }): string {
  if (pin.locked) return '  PIN LOCKED';
  if (pin.finalTry) return '  PIN: final try';
  return pin.countLow ? '  PIN: wrong tries recorded' : '';
}

interface InitOptions {
  label: string;
  soPinFile: string;
  pinFile: string;
  serial?: string;
  yes?: boolean;
  pkcs11Module?: string;
  json?: boolean;
}

/**
 * `kiosk token init`: initialises the blank token (or, with `--serial S --yes`, wipes and
 * re-initialises that one, which needs its SO PIN) with a label, an SO PIN and a user PIN.
 */
export function registerTokenInit(token: Command, context: () => Promise<CliContext>): void {
  token
    .command('init')
    .description('initialise a blank token (or wipe one: --serial S --yes) with a label and PINs')
    .requiredOption('--label <label>', 'the new token label (1 to 32 characters)')
    .requiredOption('--so-pin-file <file>', 'file holding the Security Officer PIN')
    .requiredOption('--pin-file <file>', 'file holding the new user PIN')
    .option('--serial <serial>', 're-initialise this token: everything on it is erased')
    .option('--yes', 'confirm erasing the token named by --serial')
    .option('--pkcs11-module <path>', moduleHelp)
    .option('--json', 'print one JSON document')
    .action(async (options: InitOptions) => {
      const ctx = await context();
      const erase = {
        label: options.label,
        ...(options.serial === undefined ? {} : { serial: options.serial }),
        confirmErase: options.yes === true,
      };
      refuseInitToken(erase);
      const info = await withSecretFiles(
        [
          [options.soPinFile, 'SO PIN'],
          [options.pinFile, 'PIN'],
        ],
        ([soPin = Buffer.alloc(0), userPin = Buffer.alloc(0)]) =>
          initToken(ctx, {
            ...erase,
            soPin,
            userPin,
            ...(options.pkcs11Module === undefined ? {} : { module: options.pkcs11Module }),
          }),
      );
      if (options.json === true) writeJson(ctx.stdout, { token: info });
      else writeLines(ctx.stdout, [`initialised token ${info.label} (serial ${info.serial})`]);
    });
}
