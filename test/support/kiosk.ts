import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tempDir.js';

/** The built CLI (test/globalSetup.ts builds dist/). */
export const kioskMain = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface KioskRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The kiosk home of this run: its log is at `var/log/kiosk.jsonl` below it. */
  readonly home: string;
}

/**
 * Runs the built `kiosk` command (test/globalSetup.ts builds dist/) as an operator would, with its
 * own kiosk home so that its log can be inspected.
 */
export function runKiosk(args: readonly string[], home = tempDir('home-')): KioskRun {
  const run = spawnSync(process.execPath, [kioskMain, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KIOSK_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, home };
}

/** What a successful run printed as JSON; the tests state the shape they expect. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed JSON.parse
export function json<T>(run: KioskRun): T {
  if (run.status !== 0) throw new Error(`kiosk exited ${String(run.status)}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A failed run: exit 1 and exactly one line `kiosk: CODE: message` on stderr (DESIGN §11). */
export function expectError(run: KioskRun, code: string, detail?: RegExp): void {
  expect(run.stderr).toMatch(new RegExp(`^kiosk: ${code}: [^\\n]+\\n$`));
  expect(run.status).toBe(code === 'CLI_USAGE' ? 2 : 1);
  if (detail !== undefined) expect(run.stderr).toMatch(detail);
}
