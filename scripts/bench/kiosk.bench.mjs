// The kiosk service's own cost (issue 13): one issuance walked through the KioskService (events in,
// snapshots out, a subscriber watching every snapshot as a screen would) against the service API's
// issue() called directly, with the same devices: the real USB drive code writing a fresh FAT32
// image each time, the same `kiosk ca serve` over CMP, and a registration made in process on the
// CA's database on both sides (the visit's RA step; the direct side registers the same way first).
// Target: the kiosk's ratio within 1.10. Everything is stopped and removed at the end.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCa } from '../../dist/src/ca/caFiles.js';
import { CaDatabase } from '../../dist/src/ca/database.js';
import { caTrustFromPem } from '../../dist/src/cmp/trust.js';
import { defaultConfig } from '../../dist/src/config/index.js';
import { defaultInstitutions } from '../../dist/src/kiosk/institutions.js';
import { raInProcess } from '../../dist/src/kiosk/raInProcess.js';
import { KioskService } from '../../dist/src/kiosk/service.js';
import { createLogger } from '../../dist/src/log/logger.js';
import { realDevices } from '../../dist/src/service/devices.js';
import { issue } from '../../dist/src/service/issue.js';
import { caServe } from '../lib/caServe.mjs';
import { interleavedMedianMs } from './timing.mjs';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

const runs = 7; // per side, after one warm-up each
const holder = { name: '홍길동', idn: '9001011234568' };
const password = 'Kiosk!2345-bench';

export async function run() {
  const work = mkdtempSync(join(tmpdir(), 'bench-kiosk-'));
  const env = { ...process.env, KIOSK_HOME: join(work, 'home') };
  const kiosk = (args) => exec(process.execPath, [main, ...args], { env, encoding: 'utf8' });
  let server;
  let db;
  let devices;
  try {
    const dir = join(work, 'ca');
    await kiosk(['ca', 'init', '--dir', dir]);
    const chainFile = join(work, 'chain.pem');
    await kiosk(['ca', 'export', '--dir', dir, '--out', chainFile]);
    server = await caServe(main, dir, env);
    const material = await loadCa(dir);
    db = new CaDatabase(material.databasePath, material.sealKey);
    const trust = caTrustFromPem(readFileSync(chainFile, 'utf8'));
    const ca = { url: server.url, trust, raEncryption: trust.raEncryption };

    const images = join(work, 'images');
    const base = defaultConfig();
    const config = {
      ...base,
      usb: { ...base.usb, allowImageFiles: true, imageFolder: images, maxBytes: 128 * 2 ** 20 },
    };
    devices = realDevices(config, work);
    const ctx = {
      devices,
      config,
      log: createLogger({ level: 'silent', destination: null }),
      now: () => new Date(),
    };
    // A fresh FAT32 image per issuance (a drive holds one pair per holder), made outside timing.
    mkdirSync(images, { recursive: true });
    let made = 0;
    const freshImage = async () => {
      const image = join(images, `drive-${made++}.img`);
      await exec('truncate', ['-s', '64M', image]);
      await exec('mkfs.vfat', ['-F', '32', image]);
      return image;
    };
    const pool = [];
    for (let i = 0; i < 2 * (runs + 1); i++) pool.push(await freshImage());

    const ra = raInProcess(db);
    const direct = async () => {
      const registration = await ra.register({
        name: holder.name,
        idn: Buffer.from(holder.idn),
        profile: 'restricted',
        approvedBy: 'teller-07',
        evidence: 'inPersonOnly',
      });
      await issue(ctx, {
        medium: { kind: 'usb', device: pool.pop() },
        ca,
        ref: registration.ref,
        authCode: registration.authCode,
        secret: { kind: 'password', bytes: Buffer.from(password) },
        idn: holder.idn,
        profile: 'restricted',
      });
    };

    const service = new KioskService({
      ctx,
      institutions: defaultInstitutions,
      ra,
      ca,
      delays: { inactivityWarning: 600_000, inactivityWipe: 60_000, tellerApproval: 600_000 },
    });
    let snapshots = 0;
    const throughKiosk = async () => {
      const visit = service.startVisit();
      // As a screen would: every snapshot is read.
      const stop = visit.subscribe((s) => {
        snapshots += JSON.stringify(s.context).length > 0 ? 1 : 0;
      });
      const until = (ready) =>
        new Promise((resolve, reject) => {
          const look = (s) => {
            if (ready(s)) resolve(s);
            else if (s.matches({ flow: 'finished' })) reject(new Error('the visit ended'));
          };
          visit.subscribe(look);
          look(visit.snapshot());
        });
      visit.send({ type: 'visitor.start', purpose: 'issue' });
      visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
      visit.submitForm({ name: holder.name, idn: Buffer.from(holder.idn), phone: '010-1234-5678' });
      visit.send({ type: 'visitor.noChip' });
      const approved = await visit.approveInPerson({
        teller: 'teller-07',
        document: { type: 'residentCard', number: Buffer.from(holder.idn) },
      });
      if (!approved.ok) throw new Error(`in-person approval refused: ${approved.code}`);
      await until((s) => s.matches({ flow: 'storage' }));
      visit.send({ type: 'visitor.chooseDrive', device: pool.pop(), needsFormat: false });
      const problems = visit.enterNewSecret(Buffer.from(password), Buffer.from(password));
      if (problems.length > 0) throw new Error(`password refused: ${problems.join(', ')}`);
      const done = await until(
        (s) => s.matches({ flow: 'done' }) || s.matches({ flow: 'effectFailed' }),
      );
      if (!done.matches({ flow: 'done' }))
        throw new Error(`the visit failed: ${JSON.stringify(done.context.failure)}`);
      visit.send({ type: 'visitor.finish' });
      await visit.ended;
      stop();
    };

    const [kioskMs, directMs] = await interleavedMedianMs([throughKiosk, direct], runs);
    const ratio = kioskMs / directMs;
    console.log(
      `issuance onto a FAT32 image through the kiosk service: kiosk ${kioskMs.toFixed(1)} ms, ` +
        `service API ${directMs.toFixed(1)} ms, ratio ${ratio.toFixed(2)} ` +
        `(target ≤ 1.10: ${ratio <= 1.1 ? 'met' : 'missed'}; ${runs} runs each, median; ` +
        `${(snapshots / (runs + 1)).toFixed(0)} snapshots read per visit)`,
    );
    service.close();
  } finally {
    db?.close();
    await devices?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
