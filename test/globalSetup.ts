import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ once before any project runs, so tests that spawn the `kiosk` command run the code
 * under test rather than a stale build (tsc is incremental: a no-op when nothing changed).
 *
 * Marks the run (KIOSK_TEST_RUN, inherited by the test workers): every temporary folder and every
 * server a test starts carries the mark, and the teardown removes and stops them all, because a
 * worker that the runner ends does not run its own exit handlers.
 */
export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const run = randomBytes(4).toString('hex');
  process.env.KIOSK_TEST_RUN = run;
  return () => {
    const mark = `kiosk-test-${run}`;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mark))
          process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already, or not ours to read
      }
    }
    for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(mark))) {
      // Daemons that cannot carry the mark (pcscd) leave their pid in a `*.pid` file here.
      for (const file of readdirSync(join(tmpdir(), name)).filter((f) => f.endsWith('.pid'))) {
        try {
          process.kill(Number(readFileSync(join(tmpdir(), name, file), 'utf8')), 'SIGKILL');
        } catch {
          // already stopped by its test
        }
      }
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  };
}
