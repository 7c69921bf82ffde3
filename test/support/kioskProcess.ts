import { spawn, type ChildProcess } from 'node:child_process';
import { kioskMain } from './kiosk.js';

/**
 * Long-running `kiosk` processes this test process started (ca serve, card virtual). They are
 * stopped when the process exits, wherever they were started from (a hook cannot register
 * afterAll): none outlives its tests.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface KioskProcess {
  readonly child: ChildProcess;
  /** The first match of `ready` in its standard output. */
  readonly ready: RegExpExecArray;
  /** Everything it wrote to standard output and error so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `kiosk ARGS` and waits until its standard output matches `ready`. */
export async function startKiosk(
  args: readonly string[],
  ready: RegExp,
  home: string,
): Promise<KioskProcess> {
  const child = spawn(process.execPath, [kioskMain, ...args], {
    env: { ...process.env, KIOSK_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = ready.exec(out);
      if (found) resolve(found);
    });
    child.once('exit', (code) => {
      reject(new Error(`kiosk ${args.join(' ')} exited (${String(code)}): ${out}`));
    });
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, ready: match, output: () => out, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // A process that does not stop on SIGTERM is a bug, but must not outlive the tests.
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
