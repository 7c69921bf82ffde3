import { readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AsnConvert } from '@peculiar/asn1-schema';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { RealUsbDrives } from '../../../drivers/usbdrive/realUsbDrives.js';
import { openAuditLog } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { pendingLabel } from '../../../src/certificates/tokenPairs.js';
import { RaTransportError } from '../../../src/errors/index.js';
import { VisitStoreError } from '../../../src/errors/visitStore.js';
import { auditRecovered } from '../../../src/kiosk/auditRecovered.js';
import type { RaClient } from '../../../src/kiosk/ra.js';
import { recoverVisits, type RecoveredVisit } from '../../../src/kiosk/recovery.js';
import { VisitStore, type VisitRecord } from '../../../src/kiosk/visitStore.js';
import { createLogger } from '../../../src/log/logger.js';
import { parseCertificate } from '../../../src/npki/certificate.js';
import { caFolderFor, dnFolderName } from '../../../src/npki/layout.js';
import type { ServiceContext } from '../../../src/service/medium.js';
import { nodeCrypto, rsaSha256, x509 } from '../../../src/shared/x509.js';
import { readPairs, writePair } from '../../../src/storage/driveNpki.js';
import { auditOptions } from '../../support/auditVisit.js';
import { chooseMedium, idn, kiosk, password, walkToStorage } from '../../support/kioskWorld.js';
import { servicePin } from '../../support/serviceWorld.js';
import { tempDir } from '../../support/tempDir.js';

// The attack review of crash recovery (issue 14 item 3): an unlucky or hostile world at restart
// (another CA's certificate with the same serial, a swapped drive, a half-written key, a token pair
// never relabelled, a damaged or crafted visit store, a CA that hangs) must never make recovery
// confirm at the CA a certificate the visitor does not hold complete, delete a certificate the
// visit did not write, stop the kiosk from starting, or print what a snapshot may not hold.

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

type Kind = 'usb' | 'token';

/** As recovery.test.ts: a visit cut off at journal entry `at`, the CA hearing nothing after. */
async function cutAt(kind: Kind, at: string, fail: boolean) {
  const file = join(tempDir('visits-'), 'visits.sqlite');
  let onRecord: (record: VisitRecord) => void = () => undefined;
  const store = VisitStore.open(file, {
    onRecord: (r) => {
      onRecord(r);
    },
  });
  const k = await kiosk(kind, { store });
  closers.push(() => {
    k.close();
    store.close();
  });
  const visit = k.service.startVisit();
  const reached = new Promise<void>((resolve) => {
    onRecord = (record) => {
      if (record.kind !== 'fact' || record.name !== at) return;
      k.world.ca.failNext('silence');
      resolve();
      if (fail) throw new Error('the kiosk died here');
    };
  });
  await walkToStorage(visit, k.profile);
  chooseMedium(visit, kind);
  await reached;
  const ref = visit.snapshot().context.ref ?? '';
  k.service.close();
  await visit.ended;
  return { k, store, file, ref, visit };
}

function received(store: VisitStore) {
  const fact = store.openVisits()[0]?.facts.find((f) => f.step === 'received');
  if (fact?.step !== 'received') throw new Error('no certificate was received');
  return fact;
}

/** Another CA's certificate for the visitor with the same serial (serials are per issuer). */
async function foreignCertificate(serial: string): Promise<Uint8Array> {
  const keys = await nodeCrypto.subtle.generateKey({ ...rsaSha256, modulusLength: 1024 }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial,
      name: 'CN=홍길동()0099887766554433,OU=personal4IB,O=KICA,C=KR',
      keys,
      signingAlgorithm: rsaSha256,
    },
    nodeCrypto,
  );
  return new Uint8Array(certificate.rawData);
}

/** Writes a pair for `der` onto the world's drive (a key file of arbitrary bytes by default). */
async function plantPair(
  k: Awaited<ReturnType<typeof kiosk>>,
  der: Uint8Array,
  signKey: Uint8Array = new Uint8Array(1232).fill(7),
  replace = false,
) {
  const drive = await k.world.fakeDrives.open('/dev/sdz');
  const parsed = parseCertificate(der);
  await writePair(
    drive,
    caFolderFor(parsed),
    dnFolderName(parsed),
    { signCert: der, signKey },
    {
      replace,
    },
  );
  return { caFolder: caFolderFor(parsed), dnFolder: dnFolderName(parsed) };
}

async function folders(k: Awaited<ReturnType<typeof kiosk>>): Promise<string[]> {
  const drive = await k.world.fakeDrives.open('/dev/sdz');
  return (await readPairs(drive)).map((p) => `${p.caFolder}/${p.dnFolder}`);
}

/** A store with visits written row by row, as a damaged or crafted file would hold them. */
function crafted(
  visits: readonly {
    id: string;
    state?: string;
    snapshot: string | null;
    facts?: readonly string[];
  }[],
) {
  const file = join(tempDir('visits-'), 'visits.sqlite');
  VisitStore.open(file).close();
  const db = new Database(file);
  const at = new Date().toISOString();
  visits.forEach((v, i) => {
    db.prepare('insert into visits (id, started_at, state, snapshot) values (?, ?, ?, ?)').run(
      v.id,
      new Date(Date.now() + i).toISOString(),
      v.state ?? 'flow.issuing',
      v.snapshot,
    );
    for (const body of v.facts ?? [])
      db.prepare(
        "insert into records (visit, at, kind, name, body) values (?, ?, 'fact', 'x', ?)",
      ).run(v.id, at, body);
  });
  db.close();
  const store = VisitStore.open(file);
  closers.push(() => {
    store.close();
  });
  return { store, file };
}

const snapshotOf = (context: Record<string, unknown>) =>
  JSON.stringify({ status: 'active', value: {}, context });

/** A logger writing into `lines`. */
function capturing(ctx: ServiceContext, lines: string[]): ServiceContext {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { ...ctx, log: createLogger({ level: 'debug', destination }) };
}

describe('recovery attacked: the medium at restart', { timeout: 60_000 }, () => {
  it('another CA’s certificate with the same serial on the drive is not taken for the visit’s: nothing confirmed', async () => {
    // The kiosk died after the CA answered, before the pair was written; the drive holds the
    // visitor's certificate from another CA whose serial happens to be the same.
    const { k, store, ref } = await cutAt('usb', 'received', true);
    const { serial } = received(store);
    await plantPair(k, await foreignCertificate(serial));
    expect(await k.world.serials()).toEqual([serial]);
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', ref, voided: [serial] });
    // Not confirmed: the visitor does not hold this CA's certificate.
    expect(k.world.ca.db.certificate(serial)?.status).toBe('rejected');
    // And the other CA's certificate stays.
    expect(await folders(k)).toHaveLength(1);
  });

  it('a swapped drive holding another CA’s certificate with the same serial is not deleted when the CA voided ours', async () => {
    const { k, store, ref } = await cutAt('usb', 'stored', false);
    const { serial } = received(store);
    // The CA voided it meanwhile (its transaction expired), and the drive in the port now is
    // another one: the visitor's pair is gone from it, another CA's with the same serial is there.
    await k.ra.close(ref);
    const drive = await k.world.fakeDrives.open('/dev/sdz');
    const [ours] = await readPairs(drive);
    if (ours === undefined) throw new Error('no pair');
    const { deletePair } = await import('../../../src/storage/driveNpki.js');
    await deletePair(drive, ours.caFolder, ours.dnFolder);
    const theirs = await plantPair(k, await foreignCertificate(serial));
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial] });
    expect(await folders(k)).toEqual([`${theirs.caFolder}/${theirs.dnFolder}`]);
  });

  it('a pair whose certificate is the visit’s but whose key file is half-written is not confirmed, and is removed', async () => {
    const { k, store, file } = await cutAt('usb', 'stored', false);
    const { serial } = received(store);
    // Died between the rename and the journal's `stored`, the key's clusters never written
    // (a power cut on a FAT stick): the certificate is whole, the key file is not.
    const db = new Database(file);
    db.prepare("delete from records where kind = 'fact' and name = 'stored'").run();
    db.close();
    const drive = await k.world.fakeDrives.open('/dev/sdz');
    const [pair] = await readPairs(drive);
    if (pair?.signKey === undefined) throw new Error('no pair');
    await plantPair(k, pair.signCert, pair.signKey.subarray(0, 100), true);
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial] });
    expect(result?.problems.join('\n')).toMatch(/key file is missing or damaged/);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('rejected');
    expect(await k.world.serials()).toEqual([]);
  });

  it('a token pair never relabelled as finished is not confirmed (the next issuance would sweep it)', async () => {
    const { k, store } = await cutAt('token', 'received', true);
    const { serial } = received(store);
    // As a crash leaves it between storeCertificate and relabel (issueToToken.ts storeBesideKey):
    // the certificate beside its key, both still labelled pending.
    const der = k.world.ca.db.certificate(serial)?.der;
    if (der === undefined) throw new Error('no certificate');
    const session = await k.world.fakeToken.open({ label: 'visitor' });
    await session.login(Buffer.from(servicePin));
    const pending = pendingLabel(k.world.ctx.config);
    const pair = await session.generateRsaKeyPair(pending);
    const subject = AsnConvert.serialize(parseCertificate(der).tbsCertificate.subject);
    await session.storeCertificate(pair.id, pending, der, new Uint8Array(subject));
    await session.close();
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial] });
    expect(k.world.ca.db.certificate(serial)?.status).toBe('rejected');
    expect(result?.problems.join('\n')).toContain(Buffer.from(pair.id).toString('hex'));
  });

  it('a token holding another CA’s finished certificate with the same serial: neither confirmed nor called ours', async () => {
    const { k, store } = await cutAt('token', 'received', true);
    const { serial } = received(store);
    const der = await foreignCertificate(serial);
    const session = await k.world.fakeToken.open({ label: 'visitor' });
    await session.login(Buffer.from(servicePin));
    const pair = await session.generateRsaKeyPair('their software');
    const subject = AsnConvert.serialize(parseCertificate(der).tbsCertificate.subject);
    await session.storeCertificate(pair.id, 'their software', der, new Uint8Array(subject));
    await session.close();
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial] });
    expect(result?.problems.join('\n')).not.toMatch(/holds a certificate the CA voided/);
  });

  it('a drive path pointing outside the image folder is refused by the drive’s own safety checks', async () => {
    const { k, ref } = await (async () => {
      const w = await kiosk('usb');
      closers.push(() => {
        w.close();
      });
      const made = w.world.ca.register('홍길동', idn);
      return { k: w, ref: made.ref };
    })();
    const images = tempDir('images-');
    const outside = join(tempDir('elsewhere-'), 'precious.img');
    writeFileSync(outside, Buffer.alloc(4096, 0x5a));
    symlinkSync(outside, join(images, 'link.img'));
    const drives = new RealUsbDrives({
      maxBytes: 1 << 30,
      allowImageFiles: true,
      imageFolder: images,
    });
    const ctx: ServiceContext = {
      ...k.world.ctx,
      devices: { ...k.world.ctx.devices, usbDrives: () => drives },
    };
    const received = {
      step: 'received',
      serial: 'abcd',
      certHash: 'ab'.repeat(32),
      subject: 'cn=x',
      notAfter: new Date().toISOString(),
    };
    for (const device of [outside, join(images, 'link.img'), `${images}/../elsewhere.img`]) {
      const { store } = crafted([
        {
          id: `v-${device.length}`,
          snapshot: snapshotOf({ ref, medium: { kind: 'usb', device } }),
          facts: [JSON.stringify({ step: 'keyMade' }), JSON.stringify(received)],
        },
      ]);
      const [result] = await recoverVisits(ctx, store, k.ra);
      expect(result?.outcome).toBe('cancelled');
      expect(result?.problems.join('\n')).toMatch(/could not be (read|removed)/);
    }
    expect(readFileSync(outside)).toEqual(Buffer.alloc(4096, 0x5a));
  });
});

describe('recovery attacked: the visit store', { timeout: 60_000 }, () => {
  it('a snapshot that is no JSON, or a journal entry that is no IssueFact, is reported, never thrown', async () => {
    const k = await kiosk('usb');
    closers.push(() => {
      k.close();
    });
    const { ref } = k.world.ca.register('홍길동', idn);
    const { store } = crafted([
      { id: 'broken', snapshot: '{"context": {"ref": ' },
      {
        id: 'odd-facts',
        snapshot: snapshotOf({ ref, medium: { kind: 'usb', device: '/dev/sdz' } }),
        facts: [
          'not json',
          JSON.stringify({ step: 'received', serial: 'ZZ', certHash: 1 }),
          JSON.stringify({
            step: 'received',
            serial: 'ab',
            certHash: 'ab'.repeat(32),
            subject: 's',
            notAfter: 'never',
          }),
          JSON.stringify({ step: 'teleported' }),
          JSON.stringify({ step: 'confirmed', by: 'me' }),
        ],
      },
      { id: 'fine', snapshot: snapshotOf({}) },
    ]);
    const recovered = await recoverVisits(k.world.ctx, store, k.ra);
    expect(recovered.map((r) => [r.visit, r.outcome])).toEqual([
      ['broken', 'cancelled'],
      ['odd-facts', 'cancelled'],
      ['fine', 'cancelled'],
    ]);
    expect(recovered[0]?.problems.join('\n')).toMatch(/snapshot is unreadable/);
    expect(recovered[1]?.problems.filter((p) => /no issuance fact/.test(p))).toHaveLength(5);
    // The reference is still closed, with nothing to confirm.
    expect(k.world.ca.db.registration(ref)?.usedAt).toBeDefined();
    expect(store.openVisits()).toEqual([]);
  });

  it('a medium with extra fields, an odd reference and a secret in the snapshot are not carried out', async () => {
    const k = await kiosk('usb');
    closers.push(() => {
      k.close();
    });
    const lines: string[] = [];
    const ctx = capturing(k.world.ctx, lines);
    const { store } = crafted([
      {
        id: 'extra',
        snapshot: snapshotOf({ medium: { kind: 'usb', device: '/dev/sdz', note: 'x'.repeat(50) } }),
      },
      { id: 'ref', snapshot: snapshotOf({ ref: '../../ra/revoke' }) },
      {
        id: 'long',
        snapshot: snapshotOf({ medium: { kind: 'token', label: 'L'.repeat(100_000) } }),
      },
      { id: 'escape', snapshot: snapshotOf({ medium: { kind: 'token', label: 'a\u001b[2Jb' } }) },
      // Written by no kiosk: a persist would have refused it.
      { id: 'secret', snapshot: snapshotOf({ ref: '12345678', holder: idn, authCode: 'X' }) },
    ]);
    const recovered = await recoverVisits(ctx, store, k.ra);
    const byId = new Map(recovered.map((r) => [r.visit, r]));
    expect(byId.get('extra')?.medium).toEqual({ kind: 'usb', device: '/dev/sdz' });
    expect(byId.get('ref')?.ref).toBeUndefined();
    expect(byId.get('long')?.medium).toBeUndefined();
    expect(byId.get('escape')?.medium).toBeUndefined();
    expect(byId.get('secret')).toMatchObject({ outcome: 'cancelled' });
    expect(byId.get('secret')?.ref).toBeUndefined();
    const out = JSON.stringify(recovered) + lines.join('');
    expect(out).not.toContain(idn);
    expect(out).not.toContain('x'.repeat(50));
    expect(out).not.toContain('L'.repeat(300));
    expect(out).not.toContain('\u001b');
  });

  it('a visit id used twice is a typed error, and a closed visit’s snapshot is never written back', () => {
    const file = join(tempDir('visits-'), 'visits.sqlite');
    const store = VisitStore.open(file);
    closers.push(() => {
      store.close();
    });
    store.begin('v1', 'flow.home');
    expect(() => {
      store.begin('v1', 'flow.home');
    }).toThrow(VisitStoreError);
    store.persist('v1', 'flow.form', { context: { name: '홍길동' } }, undefined);
    store.end('v1', 'done');
    // A late transition after the end (an observer behind the one that ended it).
    store.persist('v1', 'flow.finished', { context: { name: '홍길동', late: true } }, undefined);
    const db = new Database(file, { readonly: true });
    const row = db.prepare('select snapshot, outcome from visits where id = ?').get('v1');
    db.close();
    expect(row).toEqual({ snapshot: null, outcome: 'done' });
  });

  it('many open visits with the CA hanging: asked once, not once per visit', async () => {
    const k = await kiosk('usb');
    closers.push(() => {
      k.close();
    });
    const { store } = crafted(
      Array.from({ length: 40 }, (_v, i) => ({
        id: `v${String(i)}`,
        snapshot: snapshotOf({ ref: String(10_000_000 + i) }),
      })),
    );
    let asked = 0;
    const hanging: RaClient = {
      ...k.ra,
      close: () => {
        asked++;
        // What the network client says after its 15 s deadline.
        return Promise.reject(new RaTransportError('https://ca.invalid/ra/close: no answer'));
      },
    };
    const recovered = await recoverVisits(k.world.ctx, store, hanging);
    expect(asked).toBe(1);
    expect(new Set(recovered.map((r) => r.outcome))).toEqual(new Set(['unsettled']));
    expect(store.openVisits()).toHaveLength(40);
  });

  it('a thousand open visits without a reference are settled in seconds', async () => {
    const k = await kiosk('usb');
    closers.push(() => {
      k.close();
    });
    const { store } = crafted(
      Array.from({ length: 1000 }, (_v, i) => ({
        id: `v${String(i)}`,
        state: 'flow.home',
        snapshot: snapshotOf({}),
      })),
    );
    const started = performance.now();
    const recovered = await recoverVisits(k.world.ctx, store, k.ra);
    expect(recovered).toHaveLength(1000);
    expect(store.openVisits()).toEqual([]);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe('recovery attacked: secrets and the audit trail', { timeout: 60_000 }, () => {
  it('no IDN, password, PIN or authorization code in the store, the recovered visits or the log', async () => {
    const { k, store, file } = await cutAt('usb', 'stored', false);
    const lines: string[] = [];
    const recovered = await recoverVisits(capturing(k.world.ctx, lines), store, k.ra);
    expect(recovered[0]?.outcome).toBe('finished');
    store.close();
    const files = [file, `${file}-wal`].map((f) => {
      try {
        return readFileSync(f).toString('latin1') + readFileSync(f).toString('utf8');
      } catch {
        return '';
      }
    });
    const everything = [...files, JSON.stringify(recovered), ...lines].join('\n');
    expect(k.codes.length).toBeGreaterThan(0);
    for (const secret of [idn, idn.slice(0, 6) + '-' + idn.slice(6), password, ...k.codes])
      expect(everything).not.toContain(secret);
    expect(JSON.stringify(recovered)).not.toContain(servicePin);
  });

  it('problems that are no printable text do not cost the audit its record of the confirmation', async () => {
    const options = auditOptions();
    const log = openAuditLog(options);
    const visit: RecoveredVisit = {
      visit: 'v1',
      state: 'flow.issuing',
      outcome: 'finished',
      ref: '12345678',
      certificate: {
        serial: 'abcd',
        subject: 'cn=x',
        notAfter: new Date().toISOString(),
        renewalFrom: new Date().toISOString(),
      },
      problems: ['usb:/dev/sd\u001b[2Jz could not be read\n(DRIVE: gone)', `x${'가'.repeat(600)}`],
    };
    const errors: unknown[] = [];
    auditRecovered(log, [visit], { error: (e: unknown) => errors.push(e) });
    // A detail the schema refuses for another reason (a resident number in a crafted name).
    auditRecovered(log, [{ ...visit, visit: 'v2', problems: [`usb:/dev/${idn}`] }], {
      error: (e: unknown) => errors.push(e),
    });
    await log.close();
    const audit = AuditStore.openForReading(options.file);
    const rows = [...audit.rows()].filter((row) => row.visit !== null);
    const kinds = rows.map((row) => `${String(row.visit)} ${String(row.kind)}`);
    const payloads = rows.map((row) => String(row.payload)).join('\n');
    audit.close();
    expect(kinds).toEqual(['v1 visit.step', 'v1 ca.outcome', 'v2 visit.step', 'v2 ca.outcome']);
    expect(payloads).not.toContain(idn);
    expect(payloads).not.toContain('\\u001b');
  });
});
