import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tempDir.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

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
  const run = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KIOSK_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, home };
}
