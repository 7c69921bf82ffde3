import { Command } from 'commander';
import { registerCertCommands } from './commands/cert.js';
import { createContext, type CliContext } from './context.js';

/**
 * The `kiosk` command (DESIGN §11). Only commands that work are registered; later capabilities
 * add theirs here.
 */
export function buildProgram(): Command {
  const program = new Command('kiosk')
    .description('Branch kiosk for in-person issuance of Korean joint certificates (공동인증서)')
    .option('--config <file>', 'configuration file (JSON or YAML); defaults serve the demo')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  let context: Promise<CliContext> | undefined;
  const contextOnce = (): Promise<CliContext> =>
    (context ??= createContext(program.opts<{ config?: string }>().config));
  registerCertCommands(program, contextOnce);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ outputError: () => undefined });
    for (const sub of command.commands)
      sub.exitOverride().configureOutput({ outputError: () => undefined });
  }
  return program;
}
