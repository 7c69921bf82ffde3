import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KioskRunningError, StateFolderError } from '../errors/kioskStart.js';

/**
 * One `kiosk start` per state folder (the demo's and a branch kiosk's alike): a second kiosk on the
 * same folder would open the same visit store and, at its start, take the first's visits in
 * progress for what a crash left open and cancel them (src/kiosk/recovery.ts), and two demos would
 * make the same world at once. The lock is `<stateDir>/kiosk.lock`, naming its process (pid and
 * start time, so that a pid reused after a reboot does not hold it); a lock whose process is gone
 * (a kill -9, a power cut) is taken over.
 */
export interface StateLock {
  readonly file: string;
  /** Removes the lock if it is still this process's (idempotent, synchronous: safe at exit). */
  release(): void;
}

export async function lockStateDir(stateDir: string): Promise<StateLock> {
  const file = join(stateDir, 'kiosk.lock');
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new StateFolderError(stateDir, `cannot make the state folder (${codeOf(cause)})`, {
      cause,
    });
  }
  const mine = `${String(process.pid)} ${startTimeOf(process.pid) ?? '-'}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await place(file, mine)) {
      let held = true;
      return {
        file,
        release: () => {
          if (!held) return;
          held = false;
          try {
            if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
          } catch {
            // Gone already: nothing to release.
          }
        },
      };
    }
    const holder = await readFile(file, 'utf8').catch(() => undefined);
    if (holder === undefined) continue;
    const pid = holderPid(holder);
    if (pid !== undefined && alive(pid, holder)) throw new KioskRunningError(file, pid);
    // A dead process's lock: moved aside (one taker wins the rename); if what was moved is not
    // what was judged dead, another start took it over meanwhile and it is put back.
    const aside = `${file}.${randomBytes(4).toString('hex')}.stale`;
    if (
      !(await rename(file, aside).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const moved = await readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== holder) await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
  }
  throw new StateFolderError(file, 'cannot take the lock (it keeps changing hands)');
}

/** Puts the lock in place with its content in one step (link fails if one exists). */
async function place(file: string, content: string): Promise<boolean> {
  const staging = `${file}.${randomBytes(4).toString('hex')}.new`;
  try {
    await writeFile(staging, content, { flag: 'wx', mode: 0o600 });
  } catch (cause) {
    throw new StateFolderError(file, `cannot write the lock (${codeOf(cause)})`, { cause });
  }
  try {
    await link(staging, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateFolderError(file, `cannot take the lock (${codeOf(error)})`, { cause: error });
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}

function holderPid(content: string): number | undefined {
  const pid = Number(/^(\d+) /.exec(content)?.[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether the lock's process runs: the pid exists and, where /proc tells, started when it said. */
function alive(pid: number, content: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const said = content.trim().split(' ')[1];
  const now = startTimeOf(pid);
  return said === undefined || said === '-' || now === undefined || said === now;
}

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22), if readable. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
