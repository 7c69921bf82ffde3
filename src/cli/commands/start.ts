import type { Command } from 'commander';
import { KioskError, UsageError } from '../../errors/index.js';
import { startKiosk, type KioskView, type RunningKiosk } from '../../kiosk/run/kiosk.js';
import { demoCard } from '../../kiosk/demo/demoCard.js';
import { demoStateDir, prepareDemoWorld } from '../../kiosk/demo/demoWorld.js';
import { lockStateDir, type StateLock } from '../../kiosk/stateLock.js';
import { realDevices } from '../../service/devices.js';
import { resolve } from 'node:path';
import { kioskHome, type CliContext } from '../context.js';
import {
  openDemoScreens,
  openKioskScreens,
  watchTerminal,
  type DemoScreens,
  type OpenScreens,
  type TerminalWatch,
} from './startScreens.js';
import { writeJsonLine, writeLines } from '../output.js';

/** Longest event line read from stdin; a longer one is dropped unread (DESIGN §8: bounded). */
const maxLineBytes = 16 * 1024;

/**
 * `kiosk start` (DESIGN §11, issues 13 and 15): the kiosk service in this process on the machine's
 * devices and the configured CA (or the embedded one).
 *
 * - With screens (the default): the visitor's screen on this terminal (startScreens.ts). With no
 *   `--config`, the demo: its world made under var/demo (src/kiosk/demo/), the teller console in
 *   the same terminal, Ctrl-C ends it.
 * - `--headless`: no screens. Standard output carries one JSON line per change of the kiosk or its
 *   visit, `{"kiosk", "problems", "visit"}`, the first (once the CA has first been asked) also
 *   naming where the CA and the RA endpoint are, and the visits a crash had left open and the
 *   start finished or cancelled. Standard input may carry events as JSON lines: `kiosk.visitor`,
 *   and the visit's outside events (RunningVisit.send's allow-list); secrets never travel this way.
 *
 * SIGINT, SIGTERM or SIGHUP stops it: screens, watchers, the visit, the embedded CA's servers and
 * the demo's card closed, exit 0.
 */
export function registerStartCommand(program: Command, context: () => Promise<CliContext>): void {
  program
    .command('start')
    .description(
      'the kiosk service with its screens; with no --config, the demo on this machine; --headless: without screens, state as JSON lines on stdout',
    )
    .option('--headless', 'no screens: JSON lines out, kiosk and visit events as JSON lines in')
    .action(async (options: { headless?: boolean }) => {
      const headless = options.headless === true;
      const source = program.opts<{ config?: string }>().config;
      if (!headless && (!process.stdin.isTTY || !process.stdout.isTTY))
        throw new UsageError('the kiosk screens need a terminal (or run kiosk start --headless)');
      // Heard from the first moment: a signal during the start stops the kiosk once it is up (a
      // start half-done is closed the same way as a running kiosk, never left as it was). Each
      // signal once: the same one again while stopping ends the process the default way.
      let stopRequested = false;
      let stop: () => void = () => {
        stopRequested = true;
      };
      const onSignal = (): void => {
        stop();
      };
      for (const signal of stopSignals) process.once(signal, onSignal);
      // With screens, a terminal that goes away is heard too (startScreens.ts watchTerminal).
      const terminal: TerminalWatch | undefined = headless ? undefined : watchTerminal();
      let lock: StateLock | undefined;
      try {
        const ctx = await context();
        const home = kioskHome();
        const demoWanted = !headless && source === undefined;
        // One kiosk per state folder (stateLock.ts), before the demo's world is made or looked at.
        lock = await lockStateDir(
          demoWanted ? demoStateDir(home) : resolve(home, ctx.config.stateDir),
        );
        await run(ctx, home, demoWanted, terminal, (next) => {
          stop = next;
          if (stopRequested) next();
        });
      } finally {
        for (const signal of stopSignals) process.off(signal, onSignal);
        lock?.release();
        terminal?.forget();
      }
    });

  /** The kiosk from its start to its stop; `onStop` is given what stops it once it runs. */
  async function run(
    context0: CliContext,
    home: string,
    demoWanted: boolean,
    terminal: TerminalWatch | undefined,
    onStop: (stop: () => void) => void,
  ): Promise<void> {
    let ctx = context0;
    const headless = terminal === undefined;
    const source = program.opts<{ config?: string }>().config;
    // No configuration and screens: the demo (issue 15 item 4), everything on this machine.
    let demo: DemoScreens | undefined;
    if (demoWanted) {
      const world = await prepareDemoWorld(home);
      await ctx.devices.close();
      const devices = realDevices(world.config, home);
      const card = await demoCard(devices, world.document.dir);
      const pcsc = card.pcsc;
      ctx = {
        ...ctx,
        config: world.config,
        devices: pcsc === undefined ? devices : { ...devices, pcsc: () => pcsc },
      };
      demo = { world, card };
    }
    let kiosk: RunningKiosk;
    try {
      kiosk = await startKiosk(ctx, { home, ...(source ? { source } : {}) });
    } catch (error) {
      await demo?.card.close();
      await ctx.devices.close();
      throw error;
    }
    let screens: OpenScreens | undefined;
    let stopInput = (): void => undefined;
    try {
      if (headless) {
        kiosk.subscribe(printer(ctx, kiosk));
        stopInput = readEvents(kiosk, ctx);
      } else {
        if (!process.stdin.isTTY || !process.stdout.isTTY)
          throw new UsageError('the kiosk screens need a terminal (or run kiosk start --headless)');
        screens =
          demo === undefined
            ? await openKioskScreens(ctx, kiosk)
            : await openDemoScreens(ctx, kiosk, demo);
      }
    } catch (error) {
      await screens?.close();
      await kiosk.close();
      await demo?.card.close();
      await ctx.devices.close();
      throw error;
    }
    // The timers of watchers do not hold the process (a library must not); this command is the
    // owner that lives until it is told to stop.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    const failure = await new Promise<Error | undefined>((resolve) => {
      void kiosk.failed.then(resolve);
      void screens?.quit.then(() => {
        resolve(undefined);
      });
      void terminal?.lost.then(() => {
        resolve(undefined);
      });
      onStop(() => {
        resolve(undefined);
      });
    });
    clearInterval(keepAlive);
    stopInput();
    // The screens first (the terminal given back), then the kiosk, then what the demo started.
    await screens?.close();
    await kiosk.close();
    await demo?.card.close();
    await ctx.devices.close();
    if (failure !== undefined) throw failure;
  }
}

/** What stops `kiosk start`: Ctrl-C outside the screens, a service manager, a closed terminal. */
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Prints a line when what it shows changed; the first once the CA has been asked. */
function printer(ctx: CliContext, kiosk: RunningKiosk): (view: KioskView) => void {
  let last: string | undefined;
  const print = (view: KioskView): void => {
    if (last === undefined && view.ca === 'checking') return;
    const line = {
      kiosk: view.state,
      problems: view.problems,
      // State names only: the visit's context is for the screens, not for a log on stdout.
      visit: view.visit === undefined ? null : view.visit.value,
    };
    const key = JSON.stringify(line);
    if (key === last) return;
    const first = last === undefined;
    last = key;
    writeJsonLine(
      ctx.stdout,
      first
        ? {
            ...line,
            ca: kiosk.endpoints.ca,
            ra: kiosk.endpoints.ra,
            teller: kiosk.tellerUrl,
            // What a crash had left open and the start settled (issue 14 item 3), for the operator.
            ...(kiosk.recovered.length === 0 ? {} : { recovered: kiosk.recovered }),
          }
        : line,
    );
  };
  print(kiosk.snapshot());
  return print;
}

/**
 * Events from standard input, one JSON object per line, each refused or passed on; a refusal is
 * one `kiosk: CODE: message` line on stderr and the kiosk goes on. Returns what stops reading.
 */
function readEvents(kiosk: RunningKiosk, ctx: CliContext): () => void {
  let pending = '';
  let skipping = false;
  const onData = (chunk: string): void => {
    let text = pending + chunk;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
      if (!skipping) take(kiosk, ctx, text.slice(0, end));
      skipping = false;
      text = text.slice(end + 1);
    }
    if (Buffer.byteLength(text) > maxLineBytes) {
      // The rest of an overlong line is dropped as it comes, never held.
      if (!skipping)
        refuse('CLI_USAGE', `a line on stdin is longer than ${String(maxLineBytes)} bytes`);
      skipping = true;
      text = '';
    }
    pending = text;
  };
  // A character split between two reads stays whole (the stream decodes UTF-8 itself).
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', onData);
  // No input (stdin closed, /dev/null under a service manager) is normal: the kiosk runs on.
  process.stdin.on('error', () => undefined);
  return () => {
    process.stdin.off('data', onData);
    process.stdin.destroy();
  };
}

/** One event line: a kiosk event to the kiosk, any other to the visit in progress. */
function take(kiosk: RunningKiosk, ctx: CliContext, line: string): void {
  if (line.trim() === '') return;
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    // The parser's message quotes the line: nothing of it is echoed.
    refuse('CLI_USAGE', 'a line on stdin is not JSON');
    return;
  }
  try {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.startsWith('kiosk.')) kiosk.send(event);
    else {
      const visit = kiosk.visit();
      if (visit === undefined) throw new UsageError('no visit is in progress');
      visit.send(event);
    }
  } catch (error) {
    if (error instanceof KioskError) {
      ctx.log.info({ code: error.code }, 'stdin event refused');
      refuse(error.code, error.message);
    } else {
      // A bug: logged with its cause; the kiosk serves on.
      ctx.log.error({ err: error }, 'stdin event failed');
      refuse('INTERNAL', 'the event failed; the log has the details');
    }
  }
}

/** One line on stderr, display-safe and bounded (messages may quote an event's type). */
function refuse(code: string, message: string): void {
  writeLines(process.stderr, [`kiosk: ${code}: ${message.replace(/\s+/g, ' ').slice(0, 300)}`]);
}
