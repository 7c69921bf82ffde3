import { Command } from 'commander';
import { registerCaCommands } from './commands/ca.js';
import { registerCertCommands } from './commands/cert.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUsbCommands } from './commands/usb.js';
import { registerCardCommands } from './commands/card.js';
import { registerStartCommand } from './commands/start.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerTellerCommands } from './commands/teller.js';
import { createContext, type CliContext } from './context.js';

/** The command line, and the context its command created (for logging a failure). */
export interface KioskProgram {
  readonly program: Command;
  /** The context, once a command has asked for it. */
  readonly context: () => Promise<CliContext> | undefined;
}

/**
 * The `kiosk` command (DESIGN §11). Only commands that work are registered; later capabilities
 * add theirs here. Commander prints nothing itself on errors: main() prints the one error line.
 */
export function buildProgram(): KioskProgram {
  const program = new Command('kiosk')
    .description('Branch kiosk for in-person issuance of Korean joint certificates (공동인증서)')
    .option('--config <file>', 'configuration file (JSON or YAML); defaults serve the demo');
  let context: Promise<CliContext> | undefined;
  const contextOnce = (): Promise<CliContext> =>
    (context ??= createContext(program.opts<{ config?: string }>().config));
  registerCertCommands(program, contextOnce);
  registerCaCommands(program, contextOnce);
  registerTokenCommands(program, contextOnce);
  registerUsbCommands(program, contextOnce);
  registerCardCommands(program, contextOnce);
  registerStartCommand(program, contextOnce);
  registerAuditCommands(program, contextOnce);
  registerTellerCommands(program, contextOnce);
  const quiet = (command: Command): void => {
    command
      .exitOverride()
      .configureOutput({ outputError: () => undefined, writeErr: () => undefined });
    command.commands.forEach(quiet);
  };
  quiet(program);
  return { program, context: () => context };
}
