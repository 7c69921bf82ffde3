#!/usr/bin/env node
import { CommanderError } from 'commander';
import { KioskError, UsageError } from '../errors/index.js';
import { displaySafe } from '../text/displaySafe.js';
import { buildProgram } from './program.js';

/** Exit statuses (DESIGN §11): 1 for an error, 2 for a usage error. */
const exitError = 1;
const exitUsage = 2;

/**
 * Runs the command line and never lets a stack trace reach the operator: every failure becomes
 * one line `kiosk: <CODE>: <message>` on stderr and an exit status, and is logged with its cause.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const { program, context } = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (caught) {
    const error = asKioskError(caught);
    if (error === undefined) return 0; // --help, --version
    await logFailure(context(), caught);
    process.stderr.write(`kiosk: ${error.code}: ${oneLine(error.message)}\n`);
    return error instanceof UsageError ? exitUsage : exitError;
  }
}

/** The error to report; undefined when commander finished normally (help shown on request). */
function asKioskError(caught: unknown): KioskError | undefined {
  if (caught instanceof CommanderError) {
    if (caught.exitCode === 0) return undefined;
    // A command group called without its command: commander "shows help", we say why in a line.
    const message =
      caught.code === 'commander.help' || caught.code === 'commander.executeSubCommandAsync'
        ? 'a command is missing; see --help'
        : caught.message.replace(/^error: /, '');
    return new UsageError(message);
  }
  if (caught instanceof KioskError) return caught;
  return new InternalError(caught);
}

/** Anything not raised on purpose: a bug, reported without its stack on the operator's screen. */
class InternalError extends KioskError {
  readonly code = 'INTERNAL';
  readonly reason = 'internal' as const;
  readonly visitor = { ko: '오류가 발생했습니다.', en: 'Something went wrong.' };
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

async function logFailure(
  context: ReturnType<ReturnType<typeof buildProgram>['context']>,
  err: unknown,
): Promise<void> {
  try {
    (await context)?.log.error({ err }, 'command failed');
  } catch {
    // No context (bad configuration, unwritable log): the stderr line is all there is.
  }
}

/** One line, safe for a terminal: messages may name files from a visitor's medium. */
function oneLine(text: string): string {
  return displaySafe(text.replace(/\s*\n\s*/g, ' '));
}

process.exitCode = await main(process.argv.slice(2));
