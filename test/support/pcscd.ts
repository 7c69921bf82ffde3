import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireHostLock } from './hostLock.js';
import { tempDir } from './tempDir.js';

/** Where pcsc-lite 1.9 listens. */
const socket = '/run/pcscd/pcscd.comm';

/** Whether a pcscd is running already (a system service on a developer's machine). */
export function pcscdRunning(): boolean {
  return spawnSync('pgrep', ['-x', 'pcscd']).status === 0;
}

/**
 * pcscd for a test file (DESIGN §3.2: `pcscd -f -a` in the background, wait for its socket): started
 * by the test (root) and stopped by it, or, when one is running already, used as it is (then it is
 * not ours to stop or restart). Its pid is left in the run's temp folder, so the test run's
 * teardown stops it even when the worker is ended abruptly.
 */
export class Pcscd {
  private child: ChildProcess | undefined;
  private readonly pidFile: string;

  private constructor(
    readonly owned: boolean,
    private readonly release: () => void,
  ) {
    this.pidFile = join(tempDir('pcscd-'), 'pcscd.pid');
  }

  /**
   * Waits for the host's pcscd lock (hostLock.ts: another test run on this host may be using
   * pcscd and vpcd's port), then starts pcscd or takes the one running.
   */
  static async start(): Promise<Pcscd> {
    const release = await acquireHostLock('pcscd');
    try {
      if (pcscdRunning()) return new Pcscd(false, release);
      const pcscd = new Pcscd(true, release);
      await pcscd.launch();
      return pcscd;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Stops our pcscd and lets the next test run on this host have it. */
  async close(): Promise<void> {
    try {
      await this.stop();
    } finally {
      this.release();
    }
  }

  /**
   * Stops our pcscd (as pcscd going down in a branch would). One that has exited already is not
   * waited for (its 'exit' has been and gone), and one that ignores SIGTERM is killed after 5 s:
   * a test run must never hang here.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!this.owned || child === undefined) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }

  /** Starts it again after stop(). */
  async launch(): Promise<void> {
    if (!this.owned || this.child !== undefined) return;
    const child = spawn('pcscd', ['-f', '-a'], { stdio: 'ignore' });
    this.child = child;
    if (child.pid !== undefined) writeFileSync(this.pidFile, String(child.pid));
    for (let waited = 0; !existsSync(socket); waited += 50) {
      if (waited > 10_000) throw new Error('pcscd did not open its socket');
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`pcscd exited at start (${String(child.exitCode ?? child.signalCode)})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // vpcd opens its port once pcscd has loaded it.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
