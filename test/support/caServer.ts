import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { kioskMain as main, runKiosk } from './kiosk.js';
import { inputFile, tempDir } from './tempDir.js';

/**
 * Servers this test process started. They are stopped when the process exits, wherever startCa
 * was called from (a hook cannot register afterAll): no server outlives its tests.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A running `kiosk ca serve` of a fresh CA, stopped when the test file ends. */
export interface RunningCa {
  readonly dir: string;
  readonly home: string;
  /** `127.0.0.1:PORT` */
  readonly server: string;
  readonly url: string;
  /** The chain clients trust (`kiosk ca export`). */
  readonly chain: string;
  stop(): Promise<void>;
}

/** Creates a CA with `kiosk ca init` and serves it on a free loopback port. */
export async function startCa(caName = 'yessign'): Promise<RunningCa> {
  const dir = join(tempDir('ca-'), 'ca');
  const home = tempDir('ca-home-');
  expectOk(runKiosk(['ca', 'init', '--dir', dir, '--ca-name', caName], home));
  const chain = join(dir, 'chain.pem');
  expectOk(runKiosk(['ca', 'export', '--dir', dir, '--out', chain], home));
  const child = spawn(
    process.execPath,
    [main, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'],
    {
      env: { ...process.env, KIOSK_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const server = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on http:\/\/([\d.]+:\d+)\/pkix\//.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => {
      reject(new Error(`kiosk ca serve exited (${String(code)}): ${out}`));
    });
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stop = (): Promise<void> => stopChild(child);
  return { dir, home, server, url: `http://${server}/pkix/`, chain, stop };
}

/** `kiosk ca register`: a one-time reference number and authorization code. */
export function register(
  ca: RunningCa,
  name: string,
  idn: string,
  profile: 'restricted' | 'general' = 'restricted',
): { ref: string; authCode: string } {
  const idnFile = inputFile(idn);
  const run = runKiosk(
    [
      'ca',
      'register',
      '--dir',
      ca.dir,
      '--name',
      name,
      '--idn-file',
      idnFile,
      '--profile',
      profile,
      '--json',
    ],
    ca.home,
  );
  expectOk(run);
  return JSON.parse(run.stdout) as { ref: string; authCode: string };
}

function expectOk(run: { status: number | null; stderr: string }): void {
  if (run.status !== 0) throw new Error(`kiosk failed: ${run.stderr}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // A server that does not stop on SIGTERM is a bug, but must not outlive the tests.
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
