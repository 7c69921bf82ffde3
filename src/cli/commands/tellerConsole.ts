// `kiosk teller [--url U] [--name N]` (issue 15 item 3): the teller console. The blessed console
// (ui/teller/console.ts) over the teller API's client (src/teller/client.ts), wired here: the
// URL from `teller.listen` unless given (https with `teller.tls`, whose certificate is then
// trusted), JPEG 2000 photos through OpenJPEG where its package is installed.
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { openTellerConsole } from '../../../ui/teller/console.js';
import { apiUrl, parseListen } from '../../config/listen.js';
import type { Config } from '../../config/index.js';
import { UsageError } from '../../errors/index.js';
import { readBoundedFile } from '../../shared/readBoundedFile.js';
import { TellerClient } from '../../teller/client.js';
import { consolePort } from '../../teller/consolePort.js';
import { loadJpeg2000Decoder } from '../../teller/jpeg2000.js';
import { photoGlyphsFor } from '../../teller/photo.js';
import { kioskHome, type CliContext } from '../context.js';

type ContextFactory = () => Promise<CliContext>;

interface ConsoleOptions {
  readonly url?: string;
  readonly name?: string;
  readonly ca?: string;
  readonly lang?: string;
  readonly photo?: string;
}

/**
 * Adds the console as `teller console`, `teller`'s default subcommand: `kiosk teller [--url U]`
 * opens it. A subcommand, not options of `teller` itself: commander reads a parent's options
 * after the subcommand too, so a `--name` on `teller` would take `teller add --name N`'s.
 */
export function registerTellerConsole(teller: Command, context: ContextFactory): void {
  teller
    .command('console', { isDefault: true })
    .description('the teller console (the default): log in, the queue, approve or reject visits')
    .option('--url <url>', 'the teller API (default: from teller.listen, as kiosk start prints it)')
    .option('--name <name>', 'the teller name to log in with')
    .option('--ca <file>', 'CA certificate (PEM) for an https:// teller API')
    .option('--lang <lang>', 'ko (default) or en')
    .option(
      '--photo <glyphs>',
      'blocks (half blocks) or spaces (for terminals drawing ambiguous-width characters wide); default: spaces under a ko/ja/zh locale, else blocks',
    )
    .action(async (options: ConsoleOptions) => {
      const ctx = await context();
      if (!process.stdin.isTTY || !process.stdout.isTTY)
        throw new UsageError('the teller console needs a terminal (run it in one, or in tmux)');
      if (options.lang !== undefined && options.lang !== 'ko' && options.lang !== 'en')
        throw new UsageError('--lang is ko or en');
      if (options.photo !== undefined && options.photo !== 'blocks' && options.photo !== 'spaces')
        throw new UsageError('--photo is blocks or spaces');
      const glyphs = options.photo ?? photoGlyphsFor(process.env);
      const url = options.url ?? defaultUrl(ctx.config.teller);
      const ca = await trust(
        options.ca ?? (options.url === undefined ? ctx.config.teller.tls?.cert : undefined),
      );
      const client = new TellerClient({ url, ...(ca === undefined ? {} : { ca }) });
      const jpeg2000 = await loadJpeg2000Decoder();
      ctx.log.info({ url, jpeg2000: jpeg2000 !== undefined }, 'teller console opened');
      const console = openTellerConsole({
        port: consolePort(client, { glyphs, ...(jpeg2000 === undefined ? {} : { jpeg2000 }) }),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.lang === 'en' ? { lang: 'en' as const } : {}),
      });
      await console.closed;
      ctx.log.info({ url }, 'teller console closed');
    });
}

/** The URL `teller.listen` serves: every-interface binds are reached on loopback. */
export function defaultUrl(config: Config['teller']): string {
  const address = parseListen(config.listen);
  if (address === undefined)
    throw new UsageError(`teller.listen ${config.listen} is not host:port`);
  const host =
    address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return apiUrl(config.tls !== undefined, host, address.port);
}

async function trust(file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  const path = isAbsolute(file) ? file : join(kioskHome(), file);
  const read = await readBoundedFile(path, 256 * 1024);
  if (!read.ok) throw new UsageError(`cannot read the CA certificate ${path} (${read.problem})`);
  return read.bytes;
}
