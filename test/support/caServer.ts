import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKiosk } from './kiosk.js';
import { startKiosk } from './kioskProcess.js';
import { inputFile, tempDir } from './tempDir.js';

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
export async function startCa(
  caName = 'yessign',
  caConfig: Record<string, unknown> = {},
  otherConfig: Record<string, unknown> = {},
): Promise<RunningCa> {
  const dir = join(tempDir('ca-'), 'ca');
  const home = tempDir('ca-home-');
  expectOk(runKiosk(['ca', 'init', '--dir', dir, '--ca-name', caName], home));
  const chain = join(dir, 'chain.pem');
  expectOk(runKiosk(['ca', 'export', '--dir', dir, '--out', chain], home));
  // A lock after a wrong code lasts ten minutes here, not the default second: a test's second
  // CLI run (node start-up and an RSA key generation, ~1 s, more on a busy machine) is then
  // surely inside it (issue 11 item 22). Tests that need the reference again use `ca unlock`.
  const config = join(home, 'ca-config.json');
  writeFileSync(
    config,
    JSON.stringify({ ...otherConfig, ca: { lockoutBaseMs: 600_000, ...caConfig } }),
  );
  const serve = await startKiosk(
    ['--config', config, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'],
    /listening on http:\/\/([\d.]+:\d+)\/pkix\//,
    home,
  );
  const server = serve.ready[1] ?? '';
  const stop = (): Promise<void> => serve.stop();
  return { dir, home, server, url: `http://${server}/pkix/`, chain, stop };
}

/** `kiosk ca register`: a one-time reference number and authorization code. */
export function register(
  ca: RunningCa,
  name: string,
  idn: string,
  profile: 'restricted' | 'general' = 'restricted',
  vid: 'required' | 'optional' = 'required',
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
      '--vid',
      vid,
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

/** `cert issue` against this CA with a registration: the arguments every issuance test starts with. */
export function issueArgs(ca: RunningCa, ref: string, authCode: string): string[] {
  return [
    'cert',
    'issue',
    '--ca',
    ca.url,
    '--ca-cert',
    ca.chain,
    '--ref',
    ref,
    '--auth-code-file',
    inputFile(authCode),
  ];
}
