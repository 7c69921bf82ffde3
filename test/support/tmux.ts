import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kioskMain } from './kiosk.js';
import { tempDir } from './tempDir.js';

/**
 * `kiosk start` in a real terminal: tmux on a socket of its own (`-L`), a detached session of a
 * fixed size, keys sent with `send-keys`, the screen read with `capture-pane -p` (issue 15: the
 * demo's e2e). Waits poll the screen for what a person would wait for; there is no fixed sleep.
 */
export class TmuxKiosk {
  readonly #socket: string;
  readonly #exitFile: string;
  readonly #errFile: string;

  private constructor(socket: string, dir: string) {
    this.#socket = socket;
    this.#exitFile = join(dir, 'exit');
    this.#errFile = join(dir, 'stderr');
  }

  /** Starts `kiosk ARGS` with KIOSK_HOME `home` in a `width`×`height` terminal. */
  static start(args: readonly string[], home: string, width = 100, height = 30): TmuxKiosk {
    const dir = tempDir('tmux-');
    const socket = `kiosk-e2e-${String(process.pid)}-${String(Date.now())}`;
    const kiosk = new TmuxKiosk(socket, dir);
    const command = [process.execPath, kioskMain, ...args].map(quote).join(' ');
    kiosk.#tmux([
      'new-session',
      '-d',
      '-x',
      String(width),
      '-y',
      String(height),
      '-e',
      `KIOSK_HOME=${home}`,
      '-e',
      'TERM=xterm-256color',
      `${command} 2>${quote(kiosk.#errFile)}; echo $? >${quote(kiosk.#exitFile)}`,
    ]);
    return kiosk;
  }

  /** The screen as text, one string per row, trailing spaces cut. */
  screen(): string {
    const run = spawnSync('tmux', ['-L', this.#socket, 'capture-pane', '-p'], {
      encoding: 'utf8',
    });
    return run.stdout
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
  }

  /** Sends tmux key names (`Enter`, `Tab`, `C-t`, `F10`). */
  keys(...names: string[]): void {
    this.#tmux(['send-keys', '-t', '0', ...names]);
  }

  /** Types `text` as is (`send-keys -l`). */
  type(text: string): void {
    this.#tmux(['send-keys', '-t', '0', '-l', text]);
  }

  /** Waits until the screen shows `what`; fails with the screen and stderr after `timeoutMs`. */
  async waitFor(what: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = this.screen();
      if (typeof what === 'string' ? shown.includes(what) : what.test(shown)) return shown;
      if (this.exitStatus() !== undefined || Date.now() > deadline)
        throw new Error(
          `the screen never showed ${String(what)}:\n${shown}\nstderr: ${this.stderr()}\nexit: ${String(this.exitStatus())}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The kiosk's exit status once it ended, else undefined. */
  exitStatus(): number | undefined {
    if (!existsSync(this.#exitFile)) return undefined;
    const text = readFileSync(this.#exitFile, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  }

  /** Waits for the kiosk to end and returns its exit status. */
  async exited(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = this.exitStatus();
      if (status !== undefined) return status;
      if (Date.now() > deadline)
        throw new Error(`the kiosk did not end:\n${this.screen()}\nstderr: ${this.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  stderr(): string {
    return existsSync(this.#errFile) ? readFileSync(this.#errFile, 'utf8') : '';
  }

  /** Stops the tmux server (and with it a kiosk still running: SIGHUP). */
  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }

  #tmux(args: readonly string[]): void {
    const run = spawnSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${run.stderr}`);
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
