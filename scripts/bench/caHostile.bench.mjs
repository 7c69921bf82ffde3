// What one unauthenticated request costs `kiosk ca serve` (issue 11 acceptance: "a single client
// cannot make the CA spend more than a few milliseconds of CPU or a few kilobytes of log per
// unauthenticated request"): the server process's CPU time (/proc/PID/stat, utime + stime) and
// its log's growth, over many requests of each hostile kind, divided by their number. The
// reference point is `openssl cmp`'s own cost of one wrong-code round trip on the client side,
// measured alike (its process CPU), as the standalone tool doing the same exchange.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GeneralName } from '@peculiar/asn1-x509';
import { encodeTlv } from '../../dist/src/shared/der.js';
import { CertTemplate } from '../../dist/src/cmp/asn1/crmf.js';
import { PkiBody, PkiHeader, PkiMessage, RevDetails } from '../../dist/src/cmp/asn1/pkiMessage.js';
import { CmpClient } from '../../dist/src/cmp/client.js';
import { encodePkiMessage } from '../../dist/src/cmp/message.js';
import { httpTransport } from '../../dist/src/cmp/transport.js';
import { caTrustFromPem } from '../../dist/src/cmp/trust.js';
import { softwareSigner } from '../../dist/src/crypto/signer.js';
import { caServe } from '../lib/caServe.mjs';
import { cmpIrArgs, cmpServerArgs } from '../lib/openssl.mjs';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const exec = promisify(execFile);
const requests = 200;
const ticksPerSecond = 100; // Linux USER_HZ, what /proc/PID/stat counts in

export async function run() {
  const work = mkdtempSync(join(tmpdir(), 'bench-ca-hostile-'));
  const home = join(work, 'home');
  const env = { ...process.env, KIOSK_HOME: home };
  const kiosk = (args) => exec(process.execPath, [main, ...args], { env, encoding: 'utf8' });
  const dir = join(work, 'ca');
  await kiosk(['ca', 'init', '--dir', dir]);
  const chain = join(work, 'chain.pem');
  await kiosk(['ca', 'export', '--dir', dir, '--out', chain]);
  // No lock per address here: every request takes the most expensive path (a PBM computed).
  const config = join(work, 'kiosk.json');
  writeFileSync(config, JSON.stringify({ ca: { sourceFreeFailures: 10_000 } }));
  const server = await caServe(main, dir, env, ['--config', config]);
  const log = join(home, 'var', 'log', 'kiosk.jsonl');
  try {
    const client = new CmpClient({
      transport: httpTransport(server.url, { retries: 0 }),
      anchors: caTrustFromPem(readFileSync(chain, 'utf8')).anchors,
    });
    const signer = softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    let n = 0;
    const post = (body) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/pkixcmp' },
        body,
      }).then((r) => r.arrayBuffer());
    const kinds = {
      'ir, unknown reference, wrong code (PBM 500 iterations)': () =>
        client
          .enrol({ ref: String(10_000_000 + n++), secret: Buffer.from('WRONG'), signer })
          .catch(() => undefined),
      'pvno of 250,000 octets': () => post(hugePvno()),
      'rr of a 10,000-octet serial, unprotected': () => post(hugeSerialRr()),
      'genm, unprotected (a signed genp)': () => post(unprotected(new PkiBody({ genm: [] }))),
    };
    for (const [kind, send] of Object.entries(kinds)) {
      await send(); // warm-up
      const cpuBefore = cpuMs(server.pid);
      const logBefore = size(log);
      for (let i = 0; i < requests; i++) await send();
      const cpu = (cpuMs(server.pid) - cpuBefore) / requests;
      const logBytes = (size(log) - logBefore) / requests;
      console.log(
        `${kind}: server CPU ${cpu.toFixed(2)} ms, log ${logBytes.toFixed(0)} bytes per request (${requests} requests)`,
      );
    }
    // The standalone tool's own cost of the same wrong-code exchange, as a yardstick.
    const key = join(work, 'key.pem');
    writeFileSync(
      key,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    const runs = 10;
    let childCpu = 0;
    for (let i = 0; i < runs; i++) {
      const before = childrenCpuMs();
      await exec('openssl', [
        ...cmpServerArgs(server.hostPort, chain),
        ...cmpIrArgs({ ref: '99999999', secret: 'WRONG', newKey: key, certOut: join(work, 'x') }),
      ]).catch(() => undefined);
      childCpu += childrenCpuMs() - before;
    }
    console.log(
      `openssl cmp, the same wrong-code ir, client process CPU: ${(childCpu / runs).toFixed(2)} ms per run`,
    );
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function cpuMs(pid) {
  // Fields after the command name (which may hold spaces): utime is the 14th field, stime 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** CPU of this process's waited-for children (cutime + cstime). */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
}

function size(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function header() {
  return new PkiHeader({
    sender: new GeneralName({ rfc822Name: 'attacker@example.invalid' }),
    recipient: new GeneralName({ rfc822Name: 'ca@example.invalid' }),
    transactionID: new Uint8Array(16).fill(1).buffer,
    senderNonce: new Uint8Array(16).fill(2).buffer,
  });
}

function unprotected(body) {
  return encodePkiMessage(new PkiMessage({ header: header(), body }));
}

/** A genm whose pvno INTEGER is 250,000 octets long (the reproduction of item 6). */
function hugePvno() {
  const message = unprotected(new PkiBody({ genm: [] }));
  // message: 30 len { 30 len { 02 01 02 … } body }: swap the 3-byte pvno for a long one.
  const outer = readTlv(message, 0);
  const inner = readTlv(message, outer.contentStart);
  const afterPvno = inner.contentStart + 3;
  const pvno = encodeTlv(0x02, [Buffer.alloc(250_000, 0x7f)]);
  const headerContent = Buffer.concat([pvno, message.subarray(afterPvno, inner.end)]);
  const rest = message.subarray(inner.end, outer.end);
  return encodeTlv(0x30, [encodeTlv(0x30, [headerContent]), rest]);
}

function hugeSerialRr() {
  const serial = Buffer.alloc(10_000, 0x11);
  return unprotected(
    new PkiBody({
      rr: [new RevDetails({ certDetails: new CertTemplate({ serialNumber: serial.buffer }) })],
    }),
  );
}

function readTlv(bytes, at) {
  let length = bytes[at + 1];
  let contentStart = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[at + 2 + i];
    contentStart += n;
  }
  return { contentStart, end: contentStart + length };
}
