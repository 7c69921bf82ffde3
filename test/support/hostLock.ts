import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A lock over this whole host, for what two test runs cannot share (issue 11 item 23): pcsc-lite
 * 1.9 serves one pcscd per host (the daemon ignores PCSCLITE_CSOCK_NAME and refuses to start
 * beside another: "file /run/pcscd/pcscd.comm already exists"), and vpcd's port comes from
 * that daemon's reader configuration. So a second run waits for the first instead of failing.
 *
 * A folder made with mkdir (atomic) holding the owner's pid; a lock whose owner died is taken
 * over; released by the returned function or when the process exits.
 */
export async function acquireHostLock(
  name: string,
  options: { readonly timeoutMs?: number; readonly pollMs?: number } = {},
): Promise<() => void> {
  const dir = join(tmpdir(), `npki-kiosk-${name}.lock`);
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), String(process.pid));
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        rmSync(dir, { recursive: true, force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(dir);
    if (owner !== undefined && !alive(owner)) {
      rmSync(dir, { recursive: true, force: true }); // its holder died without letting go
      continue;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `${dir} is held by pid ${String(owner ?? '?')} (another test run) for more than ${String(timeoutMs)} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

function ownerOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'owner'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // being made or removed just now: wait and look again
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
