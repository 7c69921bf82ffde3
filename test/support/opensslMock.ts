import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * `openssl cmp` (OpenSSL 3.0) as a mock CMP server (DESIGN §5), for the kiosk's client to talk to.
 *
 * Protection: the mock checks the PasswordBasedMac of a request with `-srv_secret` only (it does
 * not compare the request's senderKID with `-srv_ref`, which is just the senderKID of its own
 * answers), and protects its answers with PBM under the same secret and OpenSSL's default
 * parameters (16-byte salt, sha256 OWF, 500 iterations, hmac-sha1): the kiosk's defaults too. So
 * the client needs nothing but `secret = mockSecret`; no `-srv_cert`/`-srv_key` is needed (those
 * would make the mock sign its answers instead, which only a kur/rr client checks).
 *
 * The mock answers every request with the same `-rsp_cert`, whose key no client has: a client
 * enrolling a fresh key must refuse it.
 */
export const mockSecret = 'insta';
export const mockRef = '3078';

/** A test CA, the certificate the mock hands out, and the bundle a kiosk trusts (`--ca-cert`). */
export interface MockPki {
  readonly caCert: string;
  /** An end-entity certificate of the CA for a key no client has. */
  readonly eeCert: string;
  /** The CA certificate and an RA key-encipherment certificate (what `kiosk cert issue` needs). */
  readonly bundle: string;
}

function openssl(args: readonly string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr}`);
}

/** Makes the CA, the end-entity and the RA certificates with `openssl req`/`x509` in `dir`. */
export function makeMockPki(dir: string): MockPki {
  const path = (name: string): string => join(dir, name);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.pem'),
    '-subj',
    '/CN=openssl mock CA',
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const issue = (name: string, subject: string, keyUsage: string): string => {
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.csr`),
      '-subj',
      subject,
    ]);
    writeFileSync(
      path(`${name}.ext`),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,${keyUsage}\n`,
    );
    openssl([
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-CAserial',
      path('ca.srl'),
      '-days',
      '30',
      '-extfile',
      path(`${name}.ext`),
      '-out',
      path(`${name}.pem`),
    ]);
    return path(`${name}.pem`);
  };
  const eeCert = issue('ee', '/CN=mock end entity', 'digitalSignature,nonRepudiation');
  const raCert = issue('ra', '/CN=mock RA encryption', 'keyEncipherment');
  const bundle = path('bundle.pem');
  writeFileSync(bundle, `${readFileSync(path('ca.pem'), 'utf8')}${readFileSync(raCert, 'utf8')}`);
  return { caCert: path('ca.pem'), eeCert, bundle };
}

/** A running mock server. */
export interface OpensslMock {
  readonly port: number;
  /** Loopback only, although OpenSSL 3.0 listens on all interfaces. */
  readonly url: string;
  /** Everything the mock printed so far (stdout and stderr, `-verbosity 7`: received bodies). */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

// Last resort if a test worker ends without its afterEach: no mock outlives the tests.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `openssl cmp -port …` on a free port with `extra` options (`-send_error`, `-pkistatus 2
 * -failure 2`, `-poll_count 2 -check_after 1`, …). The port is picked by binding port 0 and
 * releasing it; when another process takes it first, the mock fails to bind and another is tried.
 * Stop it with `stop()` or `stopOpensslMocks()` (afterEach).
 */
export async function startOpensslMock(
  pki: MockPki,
  extra: readonly string[] = [],
): Promise<OpensslMock> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, pki, extra);
    } catch (error) {
      lastError = error as Error;
      if (!/Address already in use|bind/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('openssl cmp mock did not start');
}

/** Stops every mock still running (for afterEach/afterAll). */
export async function stopOpensslMocks(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

function launch(port: number, pki: MockPki, extra: readonly string[]): Promise<OpensslMock> {
  const child = spawn(
    'openssl',
    [
      'cmp',
      '-config',
      '', // no configuration file: only these options count
      '-port',
      String(port),
      '-srv_ref',
      mockRef,
      '-srv_secret',
      `pass:${mockSecret}`,
      '-rsp_cert',
      pki.eeCert,
      '-rsp_capubs',
      pki.caCert,
      '-verbosity',
      '7',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`openssl cmp mock did not start on port ${port}: ${output}`));
    }, 10_000);
    const ready = (): void => {
      if (!output.includes(`ACCEPT`)) return;
      clearTimeout(timer);
      child.stdout.off('data', ready);
      child.stderr.off('data', ready);
      resolve({
        port,
        url: `http://127.0.0.1:${port}/pkix/`,
        log: () => output,
        stop: () => stopChild(child),
      });
    };
    child.stdout.on('data', ready);
    child.stderr.on('data', ready);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl cmp mock exited (${String(code)}): ${output}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // Unspecified address: like the mock, which binds [::] (dual stack) in OpenSSL 3.0.
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      running.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
