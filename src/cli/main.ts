#!/usr/bin/env node
import { CommanderError } from 'commander';
import { KioskError, UsageError } from '../errors/index.js';
import { buildProgram } from './program.js';

/** Exit statuses (DESIGN §11): 1 for an error, 2 for a usage error. */
const exitError = 1;
const exitUsage = 2;

/**
 * Runs the command line and never lets a stack trace reach the operator: every failure becomes
 * one line `kiosk: <CODE>: <message>` on stderr and an exit status.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      return fail(new UsageError(error.message.replace(/^error: /, '')), exitUsage);
    }
    if (error instanceof UsageError) return fail(error, exitUsage);
    if (error instanceof KioskError) return fail(error, exitError);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kiosk: INTERNAL: ${oneLine(message)}\n`);
    return exitError;
  }
}

function fail(error: KioskError, status: number): number {
  process.stderr.write(`kiosk: ${error.code}: ${oneLine(error.message)}\n`);
  return status;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

process.exitCode = await main(process.argv.slice(2));
