// Issue 14 item 3's acceptance, the kill test's child (test/e2e/killResume.test.ts starts it):
// the kiosk as `kiosk start` runs it (createContext: the configuration, the log, the machine's
// real devices; startKiosk with the branch's CA and RA from `kiosk.ca`/`kiosk.ra`, the audit log
// and the visit store under the kiosk home, no teller API) in this process.
//
//   node visit.mjs run PLAN      one whole issuance visit: the form, the virtual eMRTD in an
//                                in-process reader, the MRZ, the teller's approval
//                                (with an override reason: the kiosk holds no CSCA), the medium
//                                of the plan, its password or PIN, done, finish.
//   node visit.mjs recover PLAN  starts the kiosk on the same home (recovery runs before it
//                                serves), prints what it recovered, stops.
//
// KIOSK_HOME names the kiosk home, SOFTHSM2_CONF the token world. Every record the visit store
// commits is printed as `record {"seq":…,"kind":…,"name":…}`; the visit's reference as
// `ref <ref>` once the RA gave one. With CRASH_AT=<n>, when the n-th record of the visit is
// committed this prints `crash-point <n> <kind> <name>` and blocks its event loop inside the
// store's callback, so nothing after that record happens before the parent's SIGKILL.
import { readFileSync, writeSync } from 'node:fs';
import { FakePcscDriver } from '../../dist/drivers/pcsc/fake.js';
import { createContext, kioskHome } from '../../dist/src/cli/context.js';
import { startKiosk } from '../../dist/src/kiosk/run/kiosk.js';
import { loadProfile } from '../../dist/src/virtualDocument/profile.js';
import { VirtualEmrtd } from '../../dist/src/virtualDocument/virtualCard.js';
import { childValue, flow, kioskUntil, reach } from '../lib/visitDriver.mjs';

const [mode, planFile] = process.argv.slice(2);
if ((mode !== 'run' && mode !== 'recover') || planFile === undefined)
  throw new Error('usage: node visit.mjs run|recover PLAN');

/**
 * @type {{ config: string, profile?: string,
 *   medium: { kind: 'usb', device: string } | { kind: 'token', label: string },
 *   secret: string, visitor: { name: string, idn: string },
 *   mrz: { documentNumber: string, birthDate: string, expiryDate: string } }}
 */
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

/** One line to stdout, written before anything else runs (the parent may kill us next). */
const say = (line) => {
  writeSync(1, `${line}\n`);
};

const crashAt = process.env.CRASH_AT === undefined ? undefined : Number(process.env.CRASH_AT);
let visitId;
let count = 0;

/** The store's callback: right after each record is committed, before the kiosk goes on. */
function onRecord(record) {
  visitId ??= record.visit;
  if (record.visit !== visitId) return;
  count++;
  say(
    `record ${JSON.stringify({ n: count, seq: record.seq, visit: record.visit, kind: record.kind, name: record.name })}`,
  );
  if (count === crashAt) {
    say(`crash-point ${count} ${record.kind} ${record.name}`);
    // Blocks here for good: the record is on disk, the step after it has not begun.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
}

async function runVisit(kiosk) {
  await kioskUntil(kiosk, (v) => v.state === 'ready', 'the kiosk ready');
  kiosk.send({ type: 'kiosk.visitor' });
  await kioskUntil(kiosk, (v) => v.visit !== undefined, 'the visit');
  const visit = kiosk.visit();
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  const checked = visit.submitForm({
    name: plan.visitor.name,
    idn: Buffer.from(plan.visitor.idn),
    phone: '010-1234-5678',
  });
  if (!checked.ok) throw new Error(`form refused: ${JSON.stringify(checked.problems)}`);
  await reach(visit, 'the identity step', (s) => flow(s) === 'identity');
  visit.send({ type: 'visitor.chip' });
  visit.send({ type: 'visitor.mrz', entry: plan.mrz });
  await reach(visit, 'the teller', (s) => childValue(s, 'identity') === 'approval');
  visit.send({
    type: 'teller.approve',
    teller: 'teller-07',
    overrideReason: 'photo and printed page match the visitor; CSCA not held',
  });
  const atStorage = await reach(visit, 'the storage step', (s) => flow(s) === 'storage');
  say(`ref ${String(atStorage.context.ref)}`);
  const { medium } = plan;
  if (medium.kind === 'usb') {
    visit.send({ type: 'visitor.chooseDrive', device: medium.device, needsFormat: false });
    await reach(visit, 'the password', (s) => childValue(s, 'storage') === 'password');
    const refused = visit.enterNewSecret(Buffer.from(plan.secret), Buffer.from(plan.secret));
    if (refused.length > 0) throw new Error(`password refused: ${refused.join(', ')}`);
  } else {
    visit.send({ type: 'visitor.chooseToken', label: medium.label });
    await reach(visit, 'the PIN', (s) => childValue(s, 'storage') === 'pin');
    const refused = visit.enterNewSecret(Buffer.from(plan.secret));
    if (refused.length > 0) throw new Error(`PIN refused: ${refused.join(', ')}`);
  }
  const done = await reach(visit, 'done', (s) => flow(s) === 'done', 60_000);
  say(`issued ${JSON.stringify(done.context.issued)}`);
  visit.send({ type: 'visitor.finish' });
  const ending = await visit.ended;
  if (ending !== 'done') throw new Error(`the visit ended ${String(ending)}`);
  await kioskUntil(kiosk, (v) => v.visit === undefined, 'the visit gone');
}

async function main() {
  const cli = await createContext(plan.config);
  // The chip is the virtual eMRTD in an in-process reader: what is killed and checked here is the
  // issuance (media, CA, journal); the chip on pcscd is the real-peer tests' (kioskVisitIssue).
  const pcsc = new FakePcscDriver();
  pcsc.addReader('Kill Test Reader 00 00');
  if (mode === 'run')
    pcsc.insert('Kill Test Reader 00 00', new VirtualEmrtd(await loadProfile(plan.profile)));
  const ctx = { ...cli, devices: { ...cli.devices, pcsc: () => pcsc } };
  let kiosk;
  try {
    kiosk = await startKiosk(ctx, {
      home: kioskHome(),
      source: plan.config,
      teller: false,
      audit: true,
      visits: { onRecord },
    });
    if (mode === 'recover') say(`recovered ${JSON.stringify(kiosk.recovered)}`);
    else {
      await runVisit(kiosk);
      say('visit-done');
    }
  } finally {
    await kiosk?.close();
    await ctx.devices.close();
    await pcsc.close();
  }
}

main().then(
  () => {
    process.exit(0);
  },
  (error) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
