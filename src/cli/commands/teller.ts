// `kiosk teller add/disable/list` (DESIGN §11, issue 14 item 1): the teller accounts the teller
// API logs in, in the state folder's tellers.sqlite. The password is read from a file (never an
// argument) and zeroed after hashing; a running kiosk sees a disable at the teller's next request.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { TellerAccounts, type TellerAccount } from '../../teller/accounts.js';
import { tellerName, tellerNameRule } from '../../teller/names.js';
import { kioskHome, type CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { withSecretFiles } from '../secretFiles.js';
import { registerTellerConsole } from './tellerConsole.js';

type ContextFactory = () => Promise<CliContext>;

export function registerTellerCommands(program: Command, context: ContextFactory): void {
  const teller = program
    .command('teller')
    .description(
      'the teller console (no subcommand), and the accounts that may log in to it and approve visits',
    );
  registerTellerConsole(teller, context);

  teller
    .command('add')
    .description('add a teller account (scrypt hash; the password needs 12 characters or more)')
    .requiredOption('--name <name>', `the teller’s name, as decisions record it: ${tellerNameRule}`)
    .requiredOption('--password-file <file>', 'file holding the teller’s password')
    .option('--json', 'print one JSON document')
    .action(async (options: { name: string; passwordFile: string; json?: boolean }) => {
      const ctx = await context();
      const name = nameOf(options.name);
      const added = await withAccounts(ctx, (accounts) =>
        withSecretFiles([[options.passwordFile, 'password']], ([password = Buffer.alloc(0)]) =>
          accounts.add(name, password, ctx.now()),
        ),
      );
      ctx.log.info({ teller: added.name }, 'teller account added');
      if (options.json === true) writeJson(ctx.stdout, added);
      else writeLines(ctx.stdout, [`teller ${added.name} added`]);
    });

  teller
    .command('disable')
    .description('disable a teller account: its sessions end at once, its name stays taken')
    .argument('<name>', 'the teller’s name')
    .option('--json', 'print one JSON document')
    .action(async (text: string, options: { json?: boolean }) => {
      const ctx = await context();
      const name = nameOf(text);
      const disabled = await withAccounts(ctx, (accounts) =>
        Promise.resolve(accounts.disable(name, ctx.now())),
      );
      ctx.log.info({ teller: disabled.name }, 'teller account disabled');
      if (options.json === true) writeJson(ctx.stdout, disabled);
      else writeLines(ctx.stdout, [`teller ${disabled.name} disabled`]);
    });

  teller
    .command('list')
    .description('the teller accounts, disabled ones too')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const ctx = await context();
      const tellers = await withAccounts(ctx, (accounts) => Promise.resolve(accounts.list()));
      if (options.json === true) writeJson(ctx.stdout, { tellers });
      else if (tellers.length === 0) writeLines(ctx.stdout, ['no teller accounts']);
      else writeLines(ctx.stdout, tellers.map(describe));
    });
}

/** Opens the accounts of the configured state folder for `work`, and closes them. */
async function withAccounts<T>(
  ctx: CliContext,
  work: (accounts: TellerAccounts) => Promise<T>,
): Promise<T> {
  const accounts = TellerAccounts.inStateDir(resolve(kioskHome(), ctx.config.stateDir));
  try {
    return await work(accounts);
  } finally {
    accounts.close();
  }
}

function nameOf(text: string): string {
  const name = tellerName(text);
  if (name === undefined) throw new UsageError(`the teller’s name must be ${tellerNameRule}`);
  return name;
}

function describe(account: TellerAccount): string {
  const state = account.disabled === null ? 'active' : `disabled ${account.disabled}`;
  return `${account.name}  created ${account.created}  ${state}`;
}
