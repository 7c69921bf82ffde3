import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditSecretError } from '../../../src/errors/audit.js';
import { VisitStoreError } from '../../../src/errors/visitStore.js';
import { VisitStore, type VisitRecord } from '../../../src/kiosk/visitStore.js';
import { tempDir } from '../../support/tempDir.js';
import {
  chooseMedium,
  idn,
  kiosk,
  password,
  until,
  walkToStorage,
} from '../../support/kioskWorld.js';

// Issue 14 item 3: each visit's snapshot is written on every transition and before each step's
// effect starts, and the issuance journals what it made true before the next action; nothing
// secret is ever written, and a visit that ends is closed with its snapshot dropped.

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function openStore(): { store: VisitStore; file: string; records: VisitRecord[] } {
  const file = join(tempDir('visits-'), 'visits.sqlite');
  const records: VisitRecord[] = [];
  const store = VisitStore.open(file, { onRecord: (r) => records.push(r) });
  closers.push(() => {
    store.close();
  });
  return { store, file, records };
}

/** Every byte SQLite has for the store: the database and its write-ahead log. */
function storeBytes(file: string): Buffer {
  const parts = [file, `${file}-wal`].flatMap((f) => {
    try {
      return [readFileSync(f)];
    } catch {
      return [];
    }
  });
  return Buffer.concat(parts);
}

describe('the visit store', { timeout: 30_000 }, () => {
  it('records every state and the issuance journal in order, each effect after its state, and closes the visit with its snapshot dropped', async () => {
    const { store, file, records } = openStore();
    const k = await kiosk('usb', { store });
    closers.push(k.close);
    const visit = k.service.startVisit();
    await walkToStorage(visit, k.profile);
    // The issuance's first touch of the drive: by then the issuing state must be on disk
    // (xstate starts an effect before its observers hear of the transition).
    const drives = k.world.fakeDrives;
    const open = drives.open.bind(drives);
    const recordedWhenIssuingTouched: boolean[] = [];
    drives.open = (device) => {
      if (visit.snapshot().matches({ flow: 'issuing' }))
        recordedWhenIssuingTouched.push(
          records.some((r) => r.kind === 'state' && r.name === 'flow.issuing'),
        );
      return open(device);
    };
    chooseMedium(visit, 'usb');
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    expect(recordedWhenIssuingTouched.length).toBeGreaterThan(0);
    expect(recordedWhenIssuingTouched.every(Boolean)).toBe(true);
    const serial = done.context.issued?.serial;
    expect(serial).toBeDefined();

    const names = records.filter((r) => r.visit === visit.id).map((r) => `${r.kind}:${r.name}`);
    expect(names[0]).toBe('state:flow.home');
    const at = (name: string) => names.indexOf(name);
    // The issuing state is on disk before the issuance's first fact; the facts in their order.
    const facts = ['keyMade', 'requestSent', 'received', 'stored', 'confirmed'].map((f) =>
      at(`fact:${f}`),
    );
    expect(facts.every((i) => i > at('state:flow.issuing'))).toBe(true);
    expect(facts).toEqual([...facts].sort((a, b) => a - b));
    for (const state of ['flow.identity/approval', 'flow.registering', 'flow.storage/password'])
      expect(names).toContain(`state:${state}`);
    expect(store.records(visit.id).map((r) => `${r.kind}:${r.name}`)).toEqual(names);

    // The journal's certificate is the one issued (what recovery would confirm).
    const received = store.openVisits()[0]?.facts.find((f) => f.step === 'received');
    expect(received).toMatchObject({ step: 'received', serial });

    visit.send({ type: 'visitor.finish' });
    await visit.ended;
    expect(store.openVisits()).toEqual([]);
    expect(store.outcome(visit.id)).toBe('done');
    const db = new Database(file, { readonly: true });
    const row = db.prepare('select snapshot, closed_at from visits where id = ?').get(visit.id) as {
      snapshot: string | null;
      closed_at: string | null;
    };
    db.close();
    expect(row.snapshot).toBeNull();
    expect(row.closed_at).not.toBeNull();

    // No secret anywhere in the file, in UTF-8 or UTF-16.
    const bytes = storeBytes(file);
    expect(bytes.includes(Buffer.from('홍길동'))).toBe(true);
    const secrets = [
      idn,
      `${idn.slice(0, 6)}-${idn.slice(6)}`,
      password,
      ...k.codes,
      ...k.codes.map((c) => c.replaceAll('-', '')),
    ];
    expect(k.codes.length).toBe(1);
    for (const secret of secrets)
      for (const encoding of ['utf8', 'utf16le'] as const)
        expect(bytes.includes(Buffer.from(secret, encoding)), `${encoding} secret`).toBe(false);
  });

  it('keeps a visit stopped mid-way open, with where it stood and when it would time out', async () => {
    const { store } = openStore();
    const k = await kiosk('usb', { store });
    closers.push(k.close);
    const visit = k.service.startVisit();
    await walkToStorage(visit, k.profile);
    k.service.close();
    await visit.ended;
    const [open] = store.openVisits();
    expect(open?.id).toBe(visit.id);
    expect(open?.state).toBe('flow.storage/choosing');
    expect(Date.parse(open?.deadline ?? '')).toBeGreaterThan(Date.now());
    expect(open?.facts).toEqual([]);
    expect((open?.snapshot as { context: { ref?: string } }).context.ref).toMatch(/^[0-9]{8}$/);
  });

  it('journals the token key pair’s id as made on the token', async () => {
    const { store } = openStore();
    const k = await kiosk('token', { store });
    closers.push(k.close);
    const visit = k.service.startVisit();
    await walkToStorage(visit, k.profile);
    chooseMedium(visit, 'token');
    await until(visit, (s) => s.matches({ flow: 'done' }));
    const facts = store.openVisits()[0]?.facts ?? [];
    const keyMade = facts.find((f) => f.step === 'keyMade');
    const stored = facts.find((f) => f.step === 'stored');
    expect(keyMade).toMatchObject({ keyId: expect.stringMatching(/^[0-9a-f]+$/) as unknown });
    expect(stored).toEqual({ step: 'stored', where: (keyMade as { keyId: string }).keyId });
  });

  it('refuses a snapshot holding a secret, a resident number or bytes, and writes nothing', () => {
    const { store, records } = openStore();
    store.begin('v1', 'flow.home');
    store.persist('v1', 'flow.form', { context: { idnMasked: '900101-1******' } }, undefined);
    expect(records).toHaveLength(1);
    expect(() => {
      store.persist('v1', 'flow.form', { context: { idn: '1' } }, undefined);
    }).toThrow(AuditSecretError);
    expect(() => {
      store.persist('v1', 'flow.form', { context: { note: 'IDN 900101-1234567' } }, undefined);
    }).toThrow(AuditSecretError);
    expect(() => {
      store.persist('v1', 'flow.form', { context: { code: 'AB12-CD34-EF56-GH78' } }, undefined);
    }).toThrow(AuditSecretError);
    expect(() => {
      store.persist('v1', 'flow.form', { context: { key: Buffer.from('x') } }, undefined);
    }).toThrow(VisitStoreError);
    expect(() => {
      store.persist('v1', 'flow.form', { context: { key: new Uint8Array(4) } }, undefined);
    }).toThrow(VisitStoreError);
    expect(records).toHaveLength(1);
    // The same snapshot again is not a new record.
    store.persist('v1', 'flow.form', { context: { idnMasked: '900101-1******' } }, undefined);
    expect(records).toHaveLength(1);
  });

  it('fails the step whose record cannot be written', () => {
    const { store } = openStore();
    store.begin('v1', 'flow.home');
    store.close();
    expect(() => {
      store.fact('v1', { step: 'confirmed' });
    }).toThrow(VisitStoreError);
  });
});
