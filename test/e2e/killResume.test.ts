import { spawn } from 'node:child_process';
import { writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { emrtdProfile, type EmrtdProfileFixture } from '../support/emrtdProfile.js';
import { fsck, mdirPaths, mustRun } from '../support/fatImages.js';
import { kioskMain } from '../support/kiosk.js';
import {
  certificateSerial,
  pairsOnImage,
  readTokenObject,
  RealCa,
  requirePeers,
  sameSerial,
  stopInOrder,
  tokenObjects,
  visitorOf,
  type Visitor,
} from '../support/kioskReal.js';
import { pkcs11Tool, softhsmModule, softhsmWorld } from '../support/softhsm.js';
import { tempDir } from '../support/tempDir.js';

// Issue 14's acceptance, the kill test: a USB-image issuance and a SoftHSM issuance through the
// kiosk service (scripts/crash/visit.mjs: `kiosk start`'s context and startKiosk against a real
// CA process, the chip in an in-process reader), SIGKILLed at each record the visit store commits
// in turn — every one, listed from the store of a clean run, not by hand — then started again
// (recovery runs before the kiosk serves). Every case must end in a finished certificate or a
// clean cancel: the medium consistent (`fsck.vfat -n`, `pkcs11-tool -O`), never a second valid
// certificate on the reference (the CA's database), the registration spent, the audit log
// verifying (`kiosk audit verify`). Each case has a fresh kiosk home and a fresh medium; the CA
// is one for the file. The checks are soft: one run shows every point that fails, and a table
// of all of them is printed.

const script = fileURLToPath(new URL('../../scripts/crash/visit.mjs', import.meta.url));
const mib = 1024 * 1024;
const pin = '246810';
const password = 'Kiosk!2345-visit';

type MediumKind = 'usb' | 'token';

interface Printed {
  readonly n: number;
  readonly seq: number;
  readonly visit: string;
  readonly kind: 'state' | 'fact';
  readonly name: string;
}

interface Recovered {
  readonly visit: string;
  readonly state: string;
  readonly outcome: string;
  readonly ref?: string;
  readonly certificate?: { serial: string };
  readonly voided?: readonly string[];
  readonly problems: readonly string[];
}

interface ChildRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: readonly string[];
  readonly stderr: string;
  /** `<n> <kind> <name>` when the child stopped at its crash point. */
  readonly crashPoint: string | undefined;
}

/** One case of the table. */
interface Row {
  readonly medium: MediumKind;
  readonly point: number;
  readonly record: string;
  outcome: string;
  state: string;
  found: string[];
  /** The recovery's problems, for the operator: reported, not failed on. */
  notes: string[];
  readonly ms: number;
}

const softhsm = softhsmWorld();
let ca: RealCa | undefined;
let document: EmrtdProfileFixture;
let visitor: Visitor;
let imageFolder: string;
const rows: Row[] = [];

beforeAll(async () => {
  requirePeers({});
  const [started, profile] = await Promise.all([
    RealCa.create().then((c) => (ca = c)),
    emrtdProfile({ seed: 7 }),
  ]);
  document = profile;
  visitor = visitorOf(profile.profile.person);
  imageFolder = tempDir('images-');
  expect(started.raUrl).toMatch(/^https:/);
}, 90_000);

afterAll(async () => {
  printTable();
  await stopInOrder([() => ca?.stop()]);
}, 30_000);

const theCa = (): RealCa => {
  if (ca === undefined) throw new Error('the CA did not start (see beforeAll)');
  return ca;
};

/** One case's world: a kiosk home with its configuration and the plan, and a fresh medium. */
interface Case {
  readonly home: string;
  /** The visitor's name in this case alone (the CA's registrations are told apart by it). */
  readonly name: string;
  readonly planFile: string;
  readonly medium: { kind: 'usb'; device: string } | { kind: 'token'; label: string };
}

let cases = 0;
/** A token case whose recovery left an unfinished pair: the next issuance onto it must sweep it. */
let pendingToken: Case | undefined;

function newCase(kind: MediumKind): Case {
  const c = theCa();
  const home = tempDir('kill-home-');
  const file = (name: string, text: string): string => {
    writeFileSync(join(home, name), text, { mode: 0o600 });
    return join(home, name);
  };
  const chain = file('chain.pem', c.chainPem);
  const config = file(
    'kiosk.json',
    JSON.stringify({
      log: { level: 'debug' },
      pkcs11: { module: softhsmModule },
      usb: { allowImageFiles: true, imageFolder, maxBytes: 128 * mib },
      kiosk: {
        ca: { url: c.cmpUrl, trust: chain },
        ra: {
          url: c.raUrl.replace(/\/$/, ''),
          cert: file('ra.pem', c.raClient.cert),
          key: file('ra.key', c.raClient.key),
          caCert: chain,
        },
      },
    }),
  );
  cases++;
  const name = nameOfCase(visitor.name, cases);
  let medium: Case['medium'];
  if (kind === 'usb') {
    const device = join(imageFolder, `case-${String(cases)}.img`);
    writeFileSync(device, '');
    truncateSync(device, 64 * mib);
    mustRun('mkfs.vfat', ['-F', '32', '-s', '1', '-I', '-n', 'NPKI', device]);
    medium = { kind: 'usb', device };
  } else medium = { kind: 'token', label: softhsm.newToken(pin).label };
  const planFile = file(
    'plan.json',
    JSON.stringify({
      config,
      profile: document.dir,
      medium,
      secret: kind === 'usb' ? password : pin,
      visitor: { ...visitor, name },
      mrz: {
        documentNumber: document.profile.person.documentNumber,
        birthDate: document.profile.person.birthDate,
        expiryDate: document.profile.person.expiryDate,
      },
    }),
  );
  return { home, name, planFile, medium };
}

/** Hangul syllables that spell a case's number after the visitor's name (no digits in names). */
const syllables = '가나다라마바사아자차카타파하';

/** `홍길동` → `홍길동나가` for case 14: a name the form takes, one per case. */
function nameOfCase(base: string, n: number): string {
  const digits = [Math.floor(n / syllables.length) % syllables.length, n % syllables.length];
  return `${base}${digits.map((d) => syllables[d] ?? '').join('')}`;
}

/**
 * Runs the child to its end, or, with `crashAt`, until it says it stands at its crash point:
 * then SIGKILL, exactly there (it blocks its event loop after printing that line).
 */
function runChild(mode: 'run' | 'recover', c: Case, crashAt?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode, c.planFile], {
      env: {
        ...process.env,
        KIOSK_HOME: c.home,
        ...(crashAt === undefined ? {} : { CRASH_AT: String(crashAt) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let crashPoint: string | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('crash-point ')) {
        crashPoint = line.slice('crash-point '.length);
        child.kill('SIGKILL');
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`visit.mjs ${mode} did not end in 90 s: ${lines.join('\n')}\n${stderr}`));
    }, 90_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, lines, stderr, crashPoint });
    });
  });
}

const printedRecords = (run: ChildRun): Printed[] =>
  run.lines
    .filter((l) => l.startsWith('record '))
    .map((l) => JSON.parse(l.slice('record '.length)) as Printed);

const recoveredOf = (run: ChildRun): Recovered[] => {
  const line = run.lines.find((l) => l.startsWith('recovered '));
  if (line === undefined)
    throw new Error(`no recovered line: ${run.lines.join('\n')}\n${run.stderr}`);
  return JSON.parse(line.slice('recovered '.length)) as Recovered[];
};

/** The visit store's records of the case's home, read with sqlite (not the kiosk's code). */
function storedRecords(home: string): { visit: string; kind: string; name: string }[] {
  const db = new Database(join(home, 'var', 'state', 'visits.sqlite'), { readonly: true });
  try {
    return db.prepare('select visit, kind, name from records order by seq').all() as {
      visit: string;
      kind: string;
      name: string;
    }[];
  } finally {
    db.close();
  }
}

function storedVisits(home: string): { id: string; closed: number; outcome: string | null }[] {
  const db = new Database(join(home, 'var', 'state', 'visits.sqlite'), { readonly: true });
  try {
    return db.prepare('select id, closed_at is not null as closed, outcome from visits').all() as {
      id: string;
      closed: number;
      outcome: string | null;
    }[];
  } finally {
    db.close();
  }
}

interface RegistrationState {
  readonly ref: string;
  readonly name: string;
  readonly usedAt: number | null;
  readonly holdsIdn: number;
}

const registrations = (): RegistrationState[] =>
  theCa().read(
    (db) =>
      db
        .prepare(
          'select ref, name, used_at as usedAt, idn_sealed is not null as holdsIdn from registrations',
        )
        .all() as RegistrationState[],
  );

/** Every certificate the CA holds as `issued`, by serial (as openssl prints serials). */
const issuedSerials = (): Set<string> =>
  new Set(
    theCa().read((db) =>
      (
        db.prepare("select serial from certificates where status = 'issued'").all() as {
          serial: string;
        }[]
      ).map((r) => sameSerial(r.serial)),
    ),
  );

/** What the medium holds of NPKI certificates: serials, and anything half-made. */
interface MediumState {
  readonly serials: string[];
  readonly leftovers: string[];
  readonly consistent: string[];
}

function readMedium(c: Case): MediumState {
  if (c.medium.kind === 'usb') {
    const image = c.medium.device;
    const check = fsck(image);
    const consistent =
      check.status === 0 && check.complaints.length === 0
        ? []
        : [`fsck.vfat -n: ${String(check.status)} ${check.complaints.join(' | ')}`];
    const paths = mdirPaths(image);
    const leftovers = paths.filter((p) => /\/\.kiosk-(staging|delete)-/i.test(p));
    const pairs = pairsOnImage(image);
    const folders = paths.filter((p) => /^\/NPKI\/[^/]+\/USER\/[^/]+\/$/i.test(p));
    const pairFolders = new Set(pairs.map((p) => `${p.folder}/`.toLowerCase()));
    for (const folder of folders)
      if (!pairFolders.has(folder.toLowerCase()) && !/\/\.kiosk-/.test(folder))
        leftovers.push(`${folder} (no signCert.der)`);
    return { serials: pairs.map((p) => certificateSerial(p.cert)), leftovers, consistent };
  }
  const { label } = c.medium;
  const listed = pkcs11Tool(label, pin, ['-O']);
  const consistent = listed.status === 0 ? [] : [`pkcs11-tool -O: ${listed.out}`];
  const objects = tokenObjects(label, pin);
  const serials: string[] = [];
  const leftovers: string[] = [];
  for (const o of objects) {
    const objectLabel = o.attributes.label ?? '';
    if (/pending/.test(objectLabel))
      leftovers.push(`${o.heading.split(';')[0] ?? ''} ${objectLabel}`);
    if (o.heading.startsWith('Certificate Object') && !/pending/.test(objectLabel)) {
      const id = o.attributes.ID ?? '';
      serials.push(certificateSerial(readTokenObject(label, pin, 'cert', { id })));
    }
  }
  return { serials, leftovers, consistent };
}

/**
 * One kill point: a fresh visit killed after its `point`-th record, the kiosk started again, and
 * everything it left checked. What does not hold is written to the row and failed softly.
 */
async function killAt(kind: MediumKind, point: number, expected: Printed): Promise<Killed> {
  const started = Date.now();
  const c = newCase(kind);
  const run = await runChild('run', c, point);
  return { kind, point, expected, c, run, started };
}

/** A case killed at its point, before its restart: what settleKilled needs. */
interface Killed {
  readonly kind: MediumKind;
  readonly point: number;
  readonly expected: Printed;
  readonly c: Case;
  readonly run: ChildRun;
  readonly started: number;
}

/**
 * The restart of a killed case and every check of what it left. It runs while the next case's
 * visit runs (another kiosk home, another medium): the two child processes overlap.
 */
async function settleKilled(killed: Killed): Promise<Row> {
  const { kind, point, expected, c, run, started } = killed;
  const row: Row = {
    medium: kind,
    point,
    record: run.crashPoint ?? '(not reached)',
    outcome: '',
    state: '',
    found: [],
    notes: [],
    ms: 0,
  };
  const found = (what: string): void => {
    row.found.push(what);
  };
  if (run.crashPoint === undefined)
    found(
      `the child ended (${String(run.status)}) before record ${String(point)}: ${run.stderr.slice(-400)}`,
    );
  else if (run.crashPoint !== `${String(point)} ${expected.kind} ${expected.name}`)
    // Not the product's fault (a sub-flow's timing), but this point was not the one listed.
    row.notes.push(`the clean run's record ${String(point)} was ${expected.kind} ${expected.name}`);
  const recovery = await runChild('recover', c);
  if (recovery.status !== 0) {
    found(`recover exited ${String(recovery.status)}: ${recovery.stderr.slice(-600)}`);
    return { ...row, ms: Date.now() - started };
  }
  // The audit log of this kiosk home, by the built CLI, beside the checks below.
  const auditVerified = auditVerify(c.home);
  const recovered = recoveredOf(recovery);
  const visits = storedVisits(c.home);
  const open = visits.filter((v) => v.closed === 0);
  if (open.length > 0) found(`visits still open in the store: ${open.map((v) => v.id).join(', ')}`);
  if (recovered.length !== 1) found(`recovered ${String(recovered.length)} visits`);
  const [visit] = recovered;
  const closedAs = visits.find((v) => v.id === visit?.visit)?.outcome;
  if (visit !== undefined && closedAs !== `recovered:${visit.outcome}`)
    found(`the store closed the visit as ${String(closedAs)}, recovered ${visit.outcome}`);
  row.outcome = visit?.outcome ?? '(none)';
  row.state = visit?.state ?? '';
  row.notes.push(...(visit?.problems ?? []));
  if ((visit?.voided ?? []).length > 0) row.notes.push(`voided ${visit?.voided?.join(', ') ?? ''}`);

  // The CA: this case's registrations (new since it began), and its certificates.
  // The case's visitor has a name of its own: its registrations are those in that name.
  const mine = registrations().filter((r) => r.name === c.name);
  if (mine.length > 1) found(`${String(mine.length)} registrations made by one visit`);
  const [registration] = mine;
  if (registration !== undefined && visit?.ref !== registration.ref)
    found(
      `registration ${registration.ref} at the CA, the recovered visit knows ${String(visit?.ref)}`,
    );
  if (registration !== undefined && registration.usedAt === null)
    found(`registration ${registration.ref} left open (used_at null): reusable`);
  // Closed, finished or not, the CA forgets the IDN it sealed (holderRequests.ts closeRegistration).
  if (registration !== undefined && registration.holdsIdn !== 0)
    found(`the CA still holds the sealed IDN of ${registration.ref}`);
  const ref = registration?.ref ?? visit?.ref;
  const certificates = ref === undefined ? [] : theCa().certificatesOf(ref);
  if (certificates.length > 0)
    row.notes.push(`CA: ${certificates.map((x) => `${x.serial} ${x.status}`).join(', ')}`);
  const issued = certificates.filter((x) => x.status === 'issued');
  if (issued.length > 1) found(`${String(issued.length)} issued certificates on ${String(ref)}`);
  const medium = readMedium(c);
  for (const problem of medium.consistent) found(problem);

  if (visit?.outcome === 'finished') {
    const serial = sameSerial(visit.certificate?.serial ?? '');
    if (issued.length !== 1 || sameSerial(issued[0]?.serial ?? '') !== serial)
      found(
        `finished with ${serial}, the CA holds ${certificates.map((x) => `${x.serial}:${x.status}`).join(', ')}`,
      );
    if (!medium.serials.includes(serial))
      found(`finished with ${serial}, the medium holds ${medium.serials.join(', ') || 'none'}`);
    if (medium.serials.length !== 1)
      found(`${String(medium.serials.length)} certificates on the medium`);
    if (medium.leftovers.length > 0) found(`left on the medium: ${medium.leftovers.join(', ')}`);
    if (c.medium.kind === 'token' && tokenKinds(c.medium.label).join() !== onePair.join())
      found(`the token holds ${tokenKinds(c.medium.label).join(', ')}`);
  } else if (visit?.outcome === 'cancelled' || visit?.outcome === 'timedOut') {
    const valid = certificates.filter((x) => x.status !== 'rejected' && x.status !== 'revoked');
    if (valid.length > 0)
      found(`cancelled, the CA holds ${valid.map((x) => `${x.serial}:${x.status}`).join(', ')}`);
    const issuedNow = issuedSerials();
    const stray = medium.serials.filter((s) => !issuedNow.has(s));
    if (medium.serials.length > 0)
      found(
        `cancelled, the medium holds certificate ${medium.serials.join(', ')}` +
          (stray.length > 0 ? ` (not issued at the CA: ${stray.join(', ')})` : ''),
      );
    const mentioned = visit.problems.some((p) => /unfinished key pair/.test(p));
    if (medium.leftovers.length > 0 && !(kind === 'token' && mentioned))
      found(`cancelled, left on the medium: ${medium.leftovers.join(', ')}`);
  } else found(`outcome ${row.outcome}`);

  // What the audit log says of the visit after the restart (its last row), for the table.
  const trail = auditTrail(c.home, visit?.visit);
  row.notes.push(
    `audit: ${trail.rows} rows, last ${trail.last}${trail.afterRestart > 0 ? `, ${String(trail.afterRestart)} after the restart` : ', none after the restart'}`,
  );
  if (kind === 'token' && visit?.outcome !== 'finished' && medium.leftovers.length > 0)
    pendingToken = c;
  const audit = await auditVerified;
  if (audit.status !== 0)
    found(`kiosk audit verify exited ${String(audit.status)}: ${audit.output}`);
  return { ...row, ms: Date.now() - started };
}

/**
 * The audit rows of a visit, read with sqlite: how many, the last one (kind and step or
 * operation), and how many were written after the last `kiosk.start` (the restart's).
 */
function auditTrail(
  home: string,
  visit: string | undefined,
): { rows: number; last: string; afterRestart: number } {
  const db = new Database(join(home, 'var', 'state', 'audit.sqlite'), { readonly: true });
  try {
    const restart = db
      .prepare("select max(seq) as seq from audit_entries where kind = 'kiosk.start'")
      .get() as { seq: number };
    const rows = db
      .prepare('select seq, kind, payload from audit_entries where visit = ? order by seq')
      .all(visit ?? '') as { seq: number; kind: string; payload: string }[];
    const last = rows.at(-1);
    const payload = JSON.parse(last?.payload ?? '{}') as Record<string, unknown>;
    return {
      rows: rows.length,
      last:
        last === undefined
          ? 'none'
          : `${last.kind} ${JSON.stringify(payload.state ?? payload.operation ?? '')} ${JSON.stringify(payload.outcome ?? '')}`,
      afterRestart: rows.filter((r) => r.seq > restart.seq).length,
    };
  } finally {
    db.close();
  }
}

/** `kiosk audit verify` (the built CLI) on a kiosk home's audit log, in its own process. */
function auditVerify(home: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kioskMain, 'audit', 'verify'], {
      env: { ...process.env, KIOSK_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => {
      resolve({ status, output: output.trim().slice(0, 400) });
    });
  });
}

function printTable(): void {
  if (rows.length === 0) return;
  const lines = rows.map(
    (r) =>
      `${r.medium.padEnd(5)} ${String(r.point).padStart(2)} ${r.record.padEnd(48)} ${r.outcome.padEnd(9)} ${String(r.ms).padStart(5)} ms  ${r.found.join(' || ')}${r.notes.length > 0 ? ` [notes: ${r.notes.join('; ')}]` : ''}`,
  );
  console.log(`kill test, ${String(rows.length)} cases:\n${lines.join('\n')}`);
}

/** The clean run of a medium: its records are the points to kill at. */
async function cleanRun(kind: MediumKind): Promise<Printed[]> {
  const c = newCase(kind);
  const run = await runChild('run', c);
  expect(run.status, `clean run: ${run.stderr}`).toBe(0);
  const printed = printedRecords(run);
  const visitIds = new Set(printed.map((p) => p.visit));
  expect(visitIds.size).toBe(1);
  // Listed from the journal: what the store holds is what the child was told, in order.
  expect(storedRecords(c.home).map((r) => `${r.kind} ${r.name}`)).toEqual(
    printed.map((p) => `${p.kind} ${p.name}`),
  );
  expect(printed.map((p) => p.name)).toEqual(
    expect.arrayContaining(['keyMade', 'requestSent', 'received', 'stored', 'confirmed']),
  );
  expect(storedVisits(c.home).map((v) => v.outcome)).toEqual(['done']);
  const recovery = await runChild('recover', c);
  expect(recoveredOf(recovery)).toEqual([]);
  expect((await auditVerify(c.home)).status).toBe(0);
  const issued = run.lines.find((l) => l.startsWith('issued '));
  const serial = sameSerial(
    (JSON.parse(issued?.slice(7) ?? '{}') as { serial?: string }).serial ?? '',
  );
  expect(readMedium(c).serials).toEqual([serial]);
  return printed;
}

/**
 * The recovery leaves a token's unfinished pair (removing a private key needs the PIN) to the next
 * issuance onto the token: one more whole visit onto a token a killed visit left so, then the
 * token holds the new certificate's pair alone.
 */
async function nextIssuanceSweeps(expect: ExpectStatic): Promise<void> {
  const c = pendingToken;
  expect(c, 'a killed token visit left an unfinished pair').toBeDefined();
  if (c === undefined) return;
  const run = await runChild('run', c);
  expect(run.status, `the next issuance: ${run.stderr}`).toBe(0);
  const issued = run.lines.find((l) => l.startsWith('issued '));
  const serial = sameSerial(
    (JSON.parse(issued?.slice(7) ?? '{}') as { serial?: string }).serial ?? '',
  );
  const medium = readMedium(c);
  expect.soft(medium.consistent).toEqual([]);
  expect.soft(medium.leftovers, 'the unfinished pair swept').toEqual([]);
  expect.soft(medium.serials).toEqual([serial]);
  if (c.medium.kind === 'token') expect.soft(tokenKinds(c.medium.label)).toEqual(onePair);
}

/** The objects of one finished pair as pkcs11-tool names them, sorted. */
const onePair = ['Certificate Object', 'Data object', 'Private Key Object', 'Public Key Object'];

/** What kinds of object a token holds (logged in), sorted: one entry per object. */
const tokenKinds = (label: string): string[] =>
  tokenObjects(label, pin)
    .map(
      (o) =>
        /^(Certificate Object|Data object|Private Key Object|Public Key Object)/.exec(
          o.heading,
        )?.[1] ?? o.heading,
    )
    .sort();

describe.each<MediumKind>(['usb', 'token'])('killed at every record of a %s issuance', (kind) => {
  it('ends in a finished certificate or a clean cancel at each point', async ({ expect }) => {
    const points = await cleanRun(kind);
    console.log(
      `${kind}: ${String(points.length)} points: ${points.map((p) => `${p.kind} ${p.name}`).join(', ')}`,
    );
    const only = process.env.KILL_ONLY?.split(',').map(Number);
    // Every state the journal lists, each at its first record: a later record of the same state
    // (a region toggling, a context field filled) leaves the same state and facts to recover.
    const seen = new Set<string>();
    const distinct = points.filter((p) => {
      const key = `${p.kind} ${p.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // Case k's restart and checks run while case k+1's visit runs: two processes, two cores.
    const settling: Promise<Row>[] = [];
    for (const expected of distinct.filter((p) => only === undefined || only.includes(p.n)))
      settling.push(
        settleKilled(await killAt(kind, expected.n, expected)).catch((error: unknown): Row => ({
          medium: kind,
          point: expected.n,
          record: `${expected.kind} ${expected.name}`,
          outcome: '(failed)',
          state: '',
          found: [error instanceof Error ? error.message : String(error)],
          notes: [],
          ms: 0,
        })),
      );
    for (const row of await Promise.all(settling)) {
      rows.push(row);
      expect
        .soft(row.found, `${kind} point ${String(row.point)} ${row.record} (${row.outcome})`)
        .toEqual([]);
    }
    // (KILL_ONLY=3,19 kills at those points alone, to look at one again.)
    if (kind === 'token' && only === undefined) await nextIssuanceSweeps(expect);
  }, 1_800_000);
});
