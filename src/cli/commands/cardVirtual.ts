import type { Command } from 'commander';
import { loadProfile } from '../../virtualDocument/profile.js';
import { VirtualEmrtd } from '../../virtualDocument/virtualCard.js';
import type { CardApplication } from '../../../drivers/pcsc/contract.js';
import type { VpcdConnection } from '../../../drivers/pcsc/vpcd.js';
import { InputFileError, UsageError } from '../../errors/index.js';
import { readBoundedFile } from '../../shared/readBoundedFile.js';
import type { CliContext } from '../context.js';
import { writeLines } from '../output.js';

interface VirtualOptions {
  profile: string;
  vpcd: string;
  removeAfter?: string;
  reinsertAfter: string;
  badMac?: boolean;
  /** `--no-aa` sets it false (commander's negatable option). */
  aa: boolean;
  tamper?: string;
  sod?: string;
}

/**
 * `kiosk card virtual`: the virtual eMRTD behind pcscd through vpcd (DESIGN §3.2), for tests and
 * the demo, with the faults issue 6 asks for. Runs until SIGINT or SIGTERM, attaching again when
 * pcscd restarts. Never on a production kiosk: anyone on the network could insert a card.
 */
export function registerVirtualCard(card: Command, context: () => Promise<CliContext>): void {
  card
    .command('virtual')
    .description('a virtual eMRTD attached to pcscd through vpcd (tests and demo only)')
    .requiredOption('--profile <dir>', 'document profile folder (scripts/emrtd-profile.mjs)')
    .option('--vpcd <host:port>', 'where vpcd listens', '127.0.0.1:35963')
    .option('--remove-after <n>', 'fault: the card leaves the reader after n APDUs')
    .option('--reinsert-after <ms>', 'with --remove-after: put it back after this long', '1000')
    .option('--bad-mac', 'fault: every protected response carries a wrong MAC')
    .option('--no-aa', 'fault: no Active Authentication (INTERNAL AUTHENTICATE unsupported)')
    .option('--tamper <dg>', 'fault: serve this data group (e.g. DG2) with one byte changed')
    .option('--sod <file>', 'fault: serve this EF.SOD instead (e.g. signed by an untrusted DS)')
    .action(async (options: VirtualOptions) => {
      const ctx = await context();
      const [host = '', portText = ''] = options.vpcd.split(':');
      const port = Number(portText);
      if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535)
        throw new UsageError('--vpcd must be HOST:PORT');
      const profile = await loadProfile(options.profile);
      const files = new Map(profile.files);
      if (options.tamper !== undefined) tamper(files, options.tamper);
      if (options.sod !== undefined) {
        const read = await readBoundedFile(options.sod, 1024 * 1024);
        if (!read.ok) throw new InputFileError(options.sod, read.problem, { cause: read.cause });
        files.set(0x011d, new Uint8Array(read.bytes));
      }
      const chip = new VirtualEmrtd({
        ...profile,
        files,
        faults: { badMac: options.badMac === true, noAaKey: !options.aa },
      });
      const removeAfter =
        options.removeAfter === undefined ? undefined : Number(options.removeAfter);
      if (removeAfter !== undefined && (!Number.isInteger(removeAfter) || removeAfter < 0))
        throw new UsageError('--remove-after must be a whole number of APDUs');
      await runAttached(ctx, chip, { host, port }, removeAfter, Number(options.reinsertAfter));
    });
}

/**
 * Keeps the card attached until SIGINT/SIGTERM: again after pcscd restarts (the connection drops),
 * and, with a removal fault, once after the pause (a visitor putting the document back).
 */
async function runAttached(
  ctx: CliContext,
  chip: VirtualEmrtd,
  vpcd: { host: string; port: number },
  removeAfter: number | undefined,
  reinsertAfterMs: number,
): Promise<void> {
  // Shared with the callbacks below: one object, so that what they change is seen here.
  const state: { stopping: boolean; paused: boolean; connection: VpcdConnection | undefined } = {
    stopping: false,
    /** Pulled by the removal fault: out of the reader until the pause is over. */
    paused: false,
    connection: undefined,
  };
  let removals = removeAfter === undefined ? 0 : 1;
  let apdus = 0;
  const card: CardApplication = {
    atr: chip.atr,
    reset: () => {
      chip.reset();
    },
    respond: async (apdu) => {
      if (removals > 0 && removeAfter !== undefined && ++apdus > removeAfter) {
        // Pulled before this command is answered, as a document lifted off the reader.
        removals--;
        await pull();
        return new Uint8Array(0);
      }
      return chip.respond(apdu);
    },
  };
  const pull = async (): Promise<void> => {
    const pulled = state.connection;
    state.paused = true;
    state.connection = undefined;
    await pulled?.close();
    ctx.log.info({}, 'virtual card removed');
    setTimeout(() => {
      state.paused = false;
      void attach();
    }, reinsertAfterMs);
  };
  const attach = async (): Promise<void> => {
    while (!state.stopping && !state.paused && state.connection === undefined) {
      const attempt = ctx.devices.attachVirtualCard(card, {
        ...vpcd,
        onError: (error) => {
          ctx.log.warn({ err: error }, 'vpcd');
        },
      });
      try {
        await attempt.ready;
        state.connection = attempt;
        chip.reset();
        writeLines(ctx.stdout, [
          `virtual eMRTD attached to vpcd at ${vpcd.host}:${String(vpcd.port)}`,
        ]);
        await attempt.closed;
        if (state.connection === attempt) state.connection = undefined; // pcscd went away
      } catch {
        // vpcd not listening yet (pcscd starting or restarting)
      }
      // Before trying again (the loop ends if stopping, or once attached and not closed).
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  void attach();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  state.stopping = true;
  await state.connection?.close();
}

/** Flips one byte in the middle of a data group's content (a tampered chip, for PA to catch). */
function tamper(files: Map<number, Uint8Array>, dg: string): void {
  const match = /^DG(\d{1,2})$/i.exec(dg);
  const n = match?.[1] === undefined ? NaN : Number(match[1]);
  const bytes = files.get(0x0100 + n);
  if (bytes === undefined)
    throw new UsageError(`--tamper ${dg}: the profile has no such data group`);
  const changed = Uint8Array.from(bytes);
  const at = Math.floor(changed.length / 2);
  changed[at] = (changed[at] ?? 0) ^ 0x5a;
  files.set(0x0100 + n, changed);
}
