import { cmpIrArgs, cmpServerArgs } from '../lib/openssl.mjs';
// CMP enrolment against one `kiosk ca serve` on loopback (DESIGN §5, issue 3):
//  - the round trip of one enrolment (ir + certConf, a fresh key and a fresh registration each) by
//    the kiosk's CmpClient (in-process, from dist/) against `openssl cmp -cmd ir` doing the same
//    (which includes OpenSSL's process start and reading its key file: what the standalone tool
//    costs); keys are made beforehand, outside the timings;
//  - the server's issuance rate (certificates/s) under N concurrent kiosk clients, each request an
//    enrolment with its own registration; client and server share this machine's CPUs.
// Registrations are made beforehand with `kiosk ca register`; everything is stopped at the end.
import { execFile } from 'node:child_process';
import { generateKeyPair } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CmpClient } from '../../dist/src/cmp/client.js';
import { httpTransport } from '../../dist/src/cmp/transport.js';
import { caTrustFromPem } from '../../dist/src/cmp/trust.js';
import { softwareSigner } from '../../dist/src/crypto/signer.js';
import { caServe } from '../lib/caServe.mjs';
import { medianMs, report } from './timing.mjs';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const exec = promisify(execFile);
const rsa = promisify(generateKeyPair);

const runs = 9; // per side, after one warm-up
const concurrency = [1, 4, 8];
const requestsPerLevel = 16;
const holder = { name: '홍길동', idn: '9001011234568' };

export async function run() {
  const work = mkdtempSync(join(tmpdir(), 'bench-cmp-'));
  const home = join(work, 'home');
  const env = { ...process.env, KIOSK_HOME: home };
  const kiosk = (args) => exec(process.execPath, [main, ...args], { env, encoding: 'utf8' });
  let server;
  try {
    const dir = join(work, 'ca');
    await kiosk(['ca', 'init', '--dir', dir]);
    const chain = join(work, 'chain.pem');
    await kiosk(['ca', 'export', '--dir', dir, '--out', chain]);
    server = await caServe(main, dir, env);

    const idnFile = join(work, 'idn');
    writeFileSync(idnFile, `${holder.idn}\n`);
    const total = 2 * (runs + 1) + concurrency.length * requestsPerLevel;
    const started = performance.now();
    const register = () =>
      kiosk([
        'ca',
        'register',
        '--dir',
        dir,
        '--name',
        holder.name,
        '--idn-file',
        idnFile,
        // openssl cmp, measured beside the kiosk's client, cannot send R.
        '--vid',
        'optional',
        '--json',
      ]);
    const registrations = await inParallel(total, 4, async () => {
      // One retry: concurrent registrations share one SQLite file.
      const { stdout } = await register().catch(register);
      return JSON.parse(stdout);
    });
    const keys = await inParallel(total, 4, () => rsa('rsa', { modulusLength: 2048 }));
    console.log(
      `(${total} registrations with kiosk ca register and RSA-2048 keys made in ${((performance.now() - started) / 1000).toFixed(1)} s; ${availableParallelism()} CPUs shared by clients and server)`,
    );
    const next = () => {
      const registration = registrations.pop();
      const { privateKey } = keys.pop();
      if (registration === undefined) throw new Error('out of registrations');
      return { registration, privateKey };
    };

    const anchors = caTrustFromPem(readFileSync(chain, 'utf8')).anchors;
    const client = new CmpClient({
      transport: httpTransport(server.url, { retries: 0, timeoutMs: 30_000 }),
      anchors,
    });
    const enrol = () => {
      const { registration, privateKey } = next();
      return client.enrol({
        ref: registration.ref,
        secret: Buffer.from(registration.authCode, 'utf8'),
        signer: softwareSigner(privateKey),
      });
    };

    const ours = await medianMs(enrol, runs);
    let n = 0;
    const theirs = await medianMs(async () => {
      const { registration, privateKey } = next();
      const key = join(work, `openssl-${n}.key.pem`);
      const cert = join(work, `openssl-${n++}.crt.pem`);
      writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await exec('openssl', [
        ...cmpServerArgs(server.hostPort, chain),
        ...cmpIrArgs({
          ref: registration.ref,
          secret: registration.authCode,
          newKey: key,
          certOut: cert,
        }),
      ]);
      readFileSync(cert); // issued and confirmed, or execFile threw
    }, runs);
    report('enrolment round trip (ir + certConf, fresh key)', ours, theirs, 'openssl cmp -cmd ir');

    for (const clients of concurrency) {
      const start = performance.now();
      await inParallel(requestsPerLevel, clients, enrol);
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `issuance rate, ${clients} concurrent client${clients === 1 ? '' : 's'}: ` +
          `${(requestsPerLevel / seconds).toFixed(1)} certificates/s ` +
          `(${requestsPerLevel} enrolments in ${(seconds * 1000).toFixed(0)} ms)`,
      );
    }
  } finally {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `task` `count` times with at most `width` at once; results in order. */
async function inParallel(count, width, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}
