import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadCa } from '../../src/ca/caFiles.js';
import { unseal } from '../../src/ca/seal.js';
import { generateTestProfile, writeTestProfile } from '../../src/virtualDocument/testProfile.js';
import { fatFormats, formatImage } from '../support/fatImages.js';
import { kioskMain } from '../support/kiosk.js';
import { softhsmModule, softhsmWorld } from '../support/softhsm.js';
import { tempDir } from '../support/tempDir.js';

// Issue 14 item 4, "Secrets hygiene, proven". Two whole visits in the kiosk's own process
// (scripts/secrets/visitThenHeap.mjs: `kiosk start`'s context and startKiosk with the embedded
// CA and the teller API; the chip is the virtual eMRTD in a fake reader, the media a FAT32 image
// through the real drive code and a SoftHSM2 token), with distinctive secrets: two resident
// numbers (one also typed by the teller, with its dash), the password, the PIN, the teller's
// password, and the two authorization codes the CA made. Then none of them may be in any file of
// the kiosk home (var/: the CA folder, the RA client files, the teller accounts, the log, the
// audit log and the visit snapshots wherever those are), on the image, in the process's output,
// or in a heap snapshot taken after the visits ended and a forced GC (DESIGN §8). A heap snapshot
// holds the JS heap: strings, never the bytes of Buffers (off the heap, and zeroed by the vault).

const script = fileURLToPath(new URL('../../scripts/secrets/visitThenHeap.mjs', import.meta.url));
const teller = 'teller-07';

/** A resident number: birth date, gender/century digit, five serial digits, the check digit. */
function residentNumber(birth: string, gender: string, serial: string): string {
  const twelve = `${birth}${gender}${serial}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = weights.reduce((total, w, i) => total + w * Number(twelve[i]), 0);
  return `${twelve}${String((11 - (sum % 11)) % 10)}`;
}

const dashed = (idn: string): string => `${idn.slice(0, 6)}-${idn.slice(6)}`;

/** A secret by kind, with the spellings it may take (never printed: only kind and spelling). */
interface Secret {
  readonly kind: string;
  readonly spellings: Readonly<Record<string, string>>;
}

const encodings = ['utf8', 'utf16le'] as const;

/** Where `bytes` hold a spelling of `secret`, as `kind (spelling, encoding)`. */
function hits(bytes: Buffer, secret: Secret): string[] {
  return Object.entries(secret.spellings).flatMap(([spelling, text]) =>
    encodings
      .filter((encoding) => bytes.includes(Buffer.from(text, encoding)))
      .map((encoding) => `${secret.kind} (${spelling}, ${encoding})`),
  );
}

/** Every file below `dir`, recursively (SQLite's -wal and -journal files included). */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesBelow(path);
    return entry.isFile() ? [path] : [];
  });
}

/** Runs the child to its end: exit status and both outputs, as bytes. */
function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

describe('secrets hygiene after whole visits (issue 14 item 4)', () => {
  it('leaves no secret in the kiosk’s files, its output or its heap once the visits are over', async () => {
    const missing = ['mkfs.vfat', 'softhsm2-util'].filter(
      (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0,
    );
    if (!existsSync(softhsmModule)) missing.push(softhsmModule);
    expect(missing, 'peers (bash scripts/setup.sh installs them)').toEqual([]);

    const work = tempDir('hygiene-');
    const home = join(work, 'home');
    const images = join(work, 'images');
    mkdirSync(home);
    mkdirSync(images);
    const profileDir = join(work, 'profile');
    const profile = await generateTestProfile({ seed: 23 });
    await writeTestProfile(profile, profileDir);
    const { person } = profile;
    const run = randomBytes(3).toString('hex');
    const holders = [
      {
        name: person.hangulName,
        idn: residentNumber(person.birthDate, person.sex === 'M' ? '1' : '2', '97531'),
      },
      { name: '김민준', idn: residentNumber('850312', '1', '86420') },
    ] as const;
    const password = `Zq7!kiosk-Secret-${run}`;
    const pin = `Wx4kPin${run}`;
    const tellerPassword = `Tq9#teller-Pass-${run}`;
    const control = `HYGIENE-CONTROL-${run}-${randomBytes(6).toString('hex')}`;

    // The visitor's token (their PIN set by softhsm2-util, outside the kiosk home) and drive.
    const softhsm = softhsmWorld();
    const { label } = softhsm.newToken(pin);
    const image = formatImage(fatFormats[32], images);
    const config = join(home, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({
        // Everything the kiosk logs, so that a value slipping into a debug line is seen too.
        log: { level: 'debug' },
        usb: { allowImageFiles: true, imageFolder: images, maxBytes: 128 * 2 ** 20 },
        kiosk: { csca: join(profileDir, 'csca') },
      }),
    );
    const env = { ...process.env, KIOSK_HOME: home };
    // The teller's account, as an operator makes it (its password read from a file, then gone).
    const tellerFile = join(tempDir('in-'), 'teller');
    writeFileSync(tellerFile, `${tellerPassword}\n`, { mode: 0o600 });
    const added = spawnSync(
      process.execPath,
      [
        ...[kioskMain, '--config', config, 'teller', 'add', '--name', teller],
        ...['--password-file', tellerFile],
      ],
      { env, encoding: 'utf8' },
    );
    expect(added.status, added.stderr).toBe(0);

    const plan = join(work, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        config,
        profile: profileDir,
        image,
        token: label,
        teller,
        holders: holders.map((h) => ({ name: h.name })),
        mrz: {
          documentNumber: person.documentNumber,
          birthDate: person.birthDate,
          expiryDate: person.expiryDate,
        },
      }),
    );
    const secretsFile = join(tempDir('in-'), 'secrets');
    writeFileSync(
      secretsFile,
      [
        holders[0].idn,
        holders[1].idn,
        dashed(holders[1].idn),
        password,
        pin,
        tellerPassword,
        control,
      ].join('\n'),
      { mode: 0o600 },
    );
    const heapFile = join(work, 'after-visits.heapsnapshot');

    const child = await runChild([plan, secretsFile, heapFile], env);
    expect(child.status, child.stderr.toString()).toBe(0);
    expect(existsSync(secretsFile), 'the child removed the secrets file').toBe(false);
    const result = JSON.parse(child.stdout.toString().trim().split('\n').pop() ?? '{}') as {
      done?: boolean;
      issued?: { visit: string; medium: string; serial: string }[];
    };
    expect(result.done).toBe(true);
    expect(result.issued?.map((i) => i.medium)).toEqual(['usb', 'token']);

    // Every file the kiosk home holds and the drive image, read before anything else opens them.
    const scanned = new Map<string, Buffer>();
    for (const file of [...filesBelow(home), image])
      scanned.set(relative(work, file), readFileSync(file));
    scanned.set('child stdout', child.stdout);
    scanned.set('child stderr', child.stderr);
    const names = [...scanned.keys()];
    // What a kiosk home must hold after the visits: the search reads these, so they exist.
    expect(names).toEqual(
      expect.arrayContaining([
        'home/var/log/kiosk.jsonl',
        'home/var/state/audit.sqlite',
        'home/var/state/audit.checkpoints.jsonl',
        'home/var/state/ca/ca.sqlite',
        'home/var/state/tellers.sqlite',
        'home/var/state/ra/demo-branch.key.pem',
      ]),
    );

    // The authorization codes, as the CA keeps them (sealed with its key: the CA's by design).
    const ca = await loadCa(join(home, 'var', 'state', 'ca'));
    const db = new Database(ca.databasePath, { readonly: true, fileMustExist: true });
    const rows = db
      .prepare('select ref, auth_sealed as sealed, idn_sealed as idn from registrations')
      .all() as { ref: string; sealed: Buffer; idn: Buffer | null }[];
    db.close();
    expect(rows).toHaveLength(2);
    // The IDN is forgotten once the certificate is confirmed (DESIGN §5).
    expect(rows.map((r) => r.idn)).toEqual([null, null]);
    const codes = rows.map((r) => unseal(ca.sealKey, r.sealed, `auth:${r.ref}`).toString('ascii'));
    for (const code of codes) expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);

    const secrets: Secret[] = [
      ...holders.map((h, i) => ({
        kind: `resident number ${String(i + 1)}`,
        spellings: { digits: h.idn, dashed: dashed(h.idn) },
      })),
      { kind: 'password', spellings: { typed: password } },
      { kind: 'PIN', spellings: { typed: pin } },
      { kind: 'teller password', spellings: { typed: tellerPassword } },
      ...codes.map((code, i) => ({
        kind: `authorization code ${String(i + 1)}`,
        spellings: { dashed: code, undashed: code.replace(/-/g, '') },
      })),
    ];

    // The search finds what is there, in both encodings (a search that reads nothing fails here).
    const controlSecret: Secret = { kind: 'control', spellings: { typed: control } };
    expect(hits(Buffer.from(`x${control}y`, 'utf16le'), controlSecret)).toEqual([
      'control (typed, utf16le)',
    ]);
    const contains = (name: string, text: string): boolean =>
      scanned.get(name)?.includes(Buffer.from(text, 'utf8')) === true;
    expect(
      contains('home/var/log/kiosk.jsonl', '"visit step"'),
      'the log recorded the visits',
    ).toBe(true);
    expect(contains('home/var/state/ca/ca.sqlite', holders[1].name), 'the CA’s holder names').toBe(
      true,
    );
    // The audit log names who was approved by the masked number (DESIGN §6).
    const masked = `${dashed(holders[0].idn).slice(0, 8)}******`;
    expect(contains('home/var/state/audit.sqlite', masked), 'the audit log’s masked IDN').toBe(
      true,
    );
    // The visit snapshots (issue 14 item 3), where the kiosk keeps them: they name the visit.
    for (const store of names.filter((n) => /visits?[^/]*\.sqlite$/.test(n)))
      expect(contains(store, result.issued?.[0]?.visit ?? '-'), `${store} names visit 1`).toBe(
        true,
      );

    // The heap: its strings (parsed, escapes undone), and its raw bytes as for any file.
    const heapBytes = readFileSync(heapFile);
    const heap = JSON.parse(heapBytes.toString('utf8')) as { strings: string[] };
    const inHeap = (text: string): boolean => heap.strings.some((s) => s.includes(text));
    expect(inHeap(control), 'the control string kept by the child').toBe(true);
    expect(hits(heapBytes, controlSecret)).toEqual(['control (typed, utf8)']);
    const heapStrings = secrets.flatMap((s) =>
      Object.entries(s.spellings)
        .filter(([, text]) => inHeap(text))
        .map(([spelling]) => `heap string: ${s.kind} (${spelling})`),
    );

    // Every finding at once, by file and kind (never the secret itself).
    scanned.set(`heap snapshot (${String(statSync(heapFile).size)} bytes)`, heapBytes);
    const found = [...scanned].flatMap(([name, bytes]) =>
      secrets.flatMap((s) => hits(bytes, s)).map((hit) => `${name}: ${hit}`),
    );
    expect([...found, ...heapStrings], `searched ${[...scanned.keys()].join(', ')}`).toEqual([]);
  }, 120_000);
});
