// Issue 14 item 4, "Secrets hygiene, proven": two whole visits through the running kiosk in this
// process, then a V8 heap snapshot once they have ended and garbage has been collected. Started
// by test/e2e/secretsHygiene.test.ts as `node --expose-gc visitThenHeap.mjs PLAN SECRETS HEAP`
// with KIOSK_HOME set; the test then searches every file the kiosk left, this process's output
// and the snapshot for the secrets.
//
// The kiosk is the one `kiosk start` runs: createContext (configuration, the JSON-lines log, the
// machine's devices), startKiosk with the embedded CA (no kiosk.ca: made under the state folder,
// served on loopback, registrations over mutual TLS, issuance over CMP) and its teller API. Only
// the ID reader is not the machine's: a fake PC/SC reader holding the project's virtual eMRTD.
// Visit 1: form, chip (verified against the profile's CSCA), approved over the teller API, a
// FAT32 image through the real drive code, a new password. Visit 2: form, no chip, approved in
// person over the teller API with the resident card's number as the teller types it, a SoftHSM2
// token, its PIN.
//
// The secrets come from SECRETS (one per line, removed once read) and stay Buffers here: this
// script makes no JS string of any of them, so a string the snapshot holds is the kiosk's. The
// last line, the control, is made a string on purpose and kept: the test must find it.
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { FakePcscDriver } from '../../dist/drivers/pcsc/fake.js';
import { createContext, kioskHome } from '../../dist/src/cli/context.js';
import { startKiosk } from '../../dist/src/kiosk/run/kiosk.js';
import { loadProfile } from '../../dist/src/virtualDocument/profile.js';
import { VirtualEmrtd } from '../../dist/src/virtualDocument/virtualCard.js';
import { childValue, flow, kioskUntil, reach } from '../lib/visitDriver.mjs';

const reader = 'Fake Reader 00 00';
const [planFile, secretsFile, heapFile] = process.argv.slice(2);
if (planFile === undefined || secretsFile === undefined || heapFile === undefined)
  throw new Error('usage: node --expose-gc visitThenHeap.mjs PLAN SECRETS HEAP');
if (typeof globalThis.gc !== 'function') throw new Error('start node with --expose-gc');

/** @type {{ config: string, profile: string, image: string, token: string, teller: string,
 *   holders: [{ name: string }, { name: string }],
 *   mrz: { documentNumber: string, birthDate: string, expiryDate: string } }} */
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

/** The secrets file's lines as Buffers (never strings); the file is removed, its bytes zeroed. */
function readSecrets(file) {
  const all = readFileSync(file);
  rmSync(file);
  const lines = [];
  for (let at = 0; at < all.length;) {
    const end = all.indexOf(0x0a, at);
    const stop = end < 0 ? all.length : end;
    lines.push(Buffer.from(all.subarray(at, stop)));
    at = stop + 1;
  }
  all.fill(0);
  const [idn1, idn2, idn2Typed, password, pin, tellerPassword, control] = lines;
  if (control === undefined) throw new Error('the secrets file has seven lines');
  return { idn1, idn2, idn2Typed, password, pin, tellerPassword, control };
}

const secrets = readSecrets(secretsFile);
// The control: a string made from the file's bytes as a leak would be, and kept.
globalThis.secretsHygieneControl = secrets.control.toString('latin1');

/** A copy the service may zero (it zeroes what it is given). */
const copy = (bytes) => Buffer.from(bytes);

/**
 * One request to the teller API as a teller console would send it; the body is bytes (a secret
 * inside stays out of this script's strings) and is zeroed once sent. The answer's JSON.
 */
function tellerCall(base, method, path, token, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const req = request(new URL(path, base), { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (res.statusCode === 200) resolve(value);
        else reject(new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(value)}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body, () => body?.fill(0));
  });
}

/** JSON bytes `prefix` + secret + `suffix`; the secret holds no `"` or `\` (the test's choice). */
const jsonAround = (prefix, secret, suffix) =>
  Buffer.concat([Buffer.from(prefix, 'utf8'), secret, Buffer.from(suffix, 'utf8')]);

/** The next visit: a visitor steps up to the ready kiosk. */
async function nextVisit(kiosk) {
  await kioskUntil(kiosk, (v) => v.state === 'ready' && v.visit === undefined);
  kiosk.send({ type: 'kiosk.visitor' });
  const view = await kioskUntil(kiosk, (v) => v.visit !== undefined);
  const visit = kiosk.visit();
  if (visit === undefined || view.state !== 'inVisit') throw new Error('no visit started');
  return visit;
}

/** Home → issue → the bank type of demo-bank → the form accepted. */
function formFilled(visit, name, idn) {
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  const checked = visit.submitForm({ name, idn: copy(idn), phone: '010-2468-1357' });
  if (!checked.ok) throw new Error(`form refused: ${JSON.stringify(checked.problems)}`);
}

/** Waits for the end of the issuance, leaves, and returns the issued certificate's summary. */
async function finished(visit) {
  const done = await reach(visit, 'done', (s) => flow(s) === 'done');
  visit.send({ type: 'visitor.finish' });
  const ending = await visit.ended;
  if (ending !== 'done') throw new Error(`the visit ended ${String(ending)}`);
  return done.context.issued;
}

async function main() {
  const cli = await createContext(plan.config);
  const pcsc = new FakePcscDriver();
  pcsc.addReader(reader);
  pcsc.insert(reader, new VirtualEmrtd(await loadProfile(plan.profile)));
  const ctx = { ...cli, devices: { ...cli.devices, pcsc: () => pcsc } };
  const kiosk = await startKiosk(ctx, {
    home: kioskHome(),
    source: plan.config,
    teller: { listen: '127.0.0.1:0' },
  });
  const issued = [];
  try {
    const ready = await Promise.race([
      kioskUntil(kiosk, (v) => v.state === 'ready'),
      sleep(20_000).then(() => kiosk.snapshot()),
    ]);
    if (ready.state !== 'ready') throw new Error(`kiosk not ready: ${ready.problems.join(', ')}`);
    const base = kiosk.tellerUrl;
    if (base === undefined) throw new Error('no teller API');
    const { token } = await tellerCall(
      base,
      'POST',
      '/teller/login',
      undefined,
      jsonAround(
        `{"name":${JSON.stringify(plan.teller)},"password":"`,
        secrets.tellerPassword,
        '"}',
      ),
    );

    // Visit 1: the chip, a drive, a password.
    const first = await nextVisit(kiosk);
    formFilled(first, plan.holders[0].name, secrets.idn1);
    first.send({ type: 'visitor.chip' });
    first.send({ type: 'visitor.mrz', entry: plan.mrz });
    const read = await reach(first, 'the teller', (s) => childValue(s, 'identity') === 'approval');
    const chip = read.children.identity.getSnapshot().context.chip;
    if (chip?.verified !== true)
      throw new Error(`the chip did not verify: ${JSON.stringify(chip)}`);
    await tellerCall(base, 'POST', `/teller/visits/${first.id}/approve`, token, Buffer.from('{}'));
    await reach(first, 'the storage step', (s) => flow(s) === 'storage');
    first.send({ type: 'visitor.chooseDrive', device: plan.image, needsFormat: false });
    await reach(first, 'the password', (s) => childValue(s, 'storage') === 'password');
    const refused = first.enterNewSecret(copy(secrets.password), copy(secrets.password));
    if (refused.length > 0) throw new Error(`password refused: ${refused.join(', ')}`);
    issued.push({ visit: first.id, medium: 'usb', ...(await finished(first)) });

    // Visit 2: no chip, the teller types the resident card's number, a token, its PIN.
    const second = await nextVisit(kiosk);
    formFilled(second, plan.holders[1].name, secrets.idn2);
    second.send({ type: 'visitor.noChip' });
    await reach(second, 'the teller', (s) => childValue(s, 'identity') === 'approval');
    await tellerCall(
      base,
      'POST',
      `/teller/visits/${second.id}/approve`,
      token,
      jsonAround('{"inPerson":{"type":"residentCard","number":"', secrets.idn2Typed, '"}}'),
    );
    await reach(second, 'the storage step', (s) => flow(s) === 'storage');
    second.send({ type: 'visitor.chooseToken', label: plan.token });
    await reach(second, 'the PIN', (s) => childValue(s, 'storage') === 'pin');
    const pinRefused = second.enterNewSecret(copy(secrets.pin));
    if (pinRefused.length > 0) throw new Error(`PIN refused: ${pinRefused.join(', ')}`);
    issued.push({ visit: second.id, medium: 'token', ...(await finished(second)) });
    await tellerCall(base, 'POST', '/teller/logout', token, Buffer.from('{}'));

    // The visits are over and the kiosk waits for the next visitor: nothing may hold a secret.
    await kioskUntil(kiosk, (v) => v.state === 'ready' && v.visit === undefined);
    for (const bytes of Object.values(secrets)) bytes.fill(0);
    for (let i = 0; i < 4; i++) {
      globalThis.gc();
      await sleep(20);
    }
    writeHeapSnapshot(heapFile);
  } finally {
    await kiosk.close();
    await ctx.devices.close();
    await pcsc.close();
  }
  // What the test checks the visits by; no secret (visit ids, serials, subjects, media).
  process.stdout.write(`${JSON.stringify({ done: true, issued })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(
      `visitThenHeap: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
