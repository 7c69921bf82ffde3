// Over 400 lines as one unit (issue 12): the token lifecycle (issue, renew, check, copy) over one
// CA material and one set of fault-armed helpers.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenObject } from '../../../drivers/pkcs11/contract.js';
import { FakeTokenDriver, type FakeOperation } from '../../../drivers/pkcs11/fake.js';
import { checkOnToken } from '../../../src/certificates/checkOnToken.js';
import { selectCertificate } from '../../../src/certificates/check.js';
import { copyToToken } from '../../../src/certificates/copy.js';
import { issueToFolder } from '../../../src/certificates/issue.js';
import { issueToToken } from '../../../src/certificates/issueToToken.js';
import { renewOnToken } from '../../../src/certificates/renewOnToken.js';
import { halfMadePairs, sweepHalfMade } from '../../../src/certificates/tokenPairs.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { defaultConfig } from '../../../src/config/index.js';
import {
  CertificateExistsError,
  CmpUnconfirmedError,
  KioskError,
  PinLockedError,
  TokenFullError,
  TokenRemovedError,
  WrongPinError,
} from '../../../src/errors/index.js';
import { DirStore } from '../../../src/storage/dirStore.js';
import { FakeCa, type CmpFault } from '../../support/fakeCa.js';
import { sampleCertificate } from '../../contract/pkcs11.js';
import { tempDir } from '../../support/tempDir.js';

// Issuance, renewal, checking and copying on a token, with the fake token for what SoftHSM cannot
// do (PIN lock, removal mid-call, a full token) and a real CA responder behind the fake CA
// (issue 4 acceptance: nothing half-finished is left unreported, and a retry after reinsertion
// succeeds).
const config = defaultConfig();
const label = 'visitor';
const pin = new TextEncoder().encode('135790');
const idn = '9001011234568';
let material: Awaited<ReturnType<typeof FakeCa.newMaterial>>;
const cas: FakeCa[] = [];

beforeAll(async () => {
  material = await FakeCa.newMaterial();
});
afterAll(() => {
  for (const ca of cas) ca.close();
});

interface World {
  readonly ca: FakeCa;
  readonly driver: FakeTokenDriver;
  readonly client: CmpClient;
  readonly ref: string;
  readonly authCode: Uint8Array;
}

async function world(options: { maxObjects?: number; now?: () => Date } = {}): Promise<World> {
  // The renewals here move the kiosk's clock into the window, not the CA's: the CA's window
  // (item 3, checked on its own clock) is opened to cover a fresh certificate.
  const ca = await FakeCa.create({
    material,
    renewalWindowDays: 366,
    ...(options.now ? { now: options.now } : {}),
  });
  cas.push(ca);
  const driver = new FakeTokenDriver();
  driver.addToken({
    label,
    serial: randomBytes(8).toString('hex'),
    pin: '135790',
    ...(options.maxObjects === undefined ? {} : { maxObjects: options.maxObjects }),
  });
  const client = new CmpClient({
    transport: ca,
    anchors: ca.trust.anchors,
    ...(options.now ? { now: options.now } : {}),
  });
  const { ref, authCode } = ca.register('홍길동', idn);
  return { ca, driver, client, ref, authCode: new TextEncoder().encode(authCode) };
}

function issue(w: World, pinBytes = pin, now = new Date()) {
  const raEncryption = w.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('the fake CA has no RA certificate');
  return issueToToken({
    client: w.client,
    raEncryption,
    driver: w.driver,
    token: { label },
    pin: pinBytes,
    ref: w.ref,
    authCode: w.authCode,
    idn,
    config,
    now,
  });
}

/** issue() with a fake CA fault armed for the answer to certConf (after the pair is stored). */
function issueWithFaultAfterStore(w: World, fault: CmpFault) {
  const raEncryption = w.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('the fake CA has no RA certificate');
  const client = {
    enrol: (request: Parameters<CmpClient['enrol']>[0]) =>
      w.client.enrol({
        ...request,
        check: async (certificate) => {
          await request.check?.(certificate);
          w.ca.failNext(fault);
        },
      }),
  } as unknown as CmpClient;
  return issueToToken({
    client,
    raEncryption,
    driver: w.driver,
    token: { label },
    pin,
    ref: w.ref,
    authCode: w.authCode,
    idn,
    config,
    now: new Date(),
  });
}

/** Everything on the token, private objects included (a logged-in look). */
async function contents(w: World): Promise<TokenObject[]> {
  const session = await w.driver.open({ label });
  try {
    await session.login(pin);
    return await session.listObjects();
  } finally {
    await session.close();
  }
}

const kinds = (objects: TokenObject[]): string[] => objects.map((o) => o.kind).sort();

describe('issuance onto a token', () => {
  it('stores a complete pair: keys, certificate and R under one CKA_ID', async () => {
    const w = await world();
    const issued = await issue(w);
    expect(issued.cleanedUp).toBe(0);
    const objects = await contents(w);
    expect(kinds(objects)).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
    expect(halfMadePairs(objects, config)).toEqual([]);
    const check = await checkOnToken(w.driver, { label }, pin, config, { idn });
    expect(check).toMatchObject({ keyMatchesCert: true, vidOk: true, id: issued.id });
  });

  it.each<[FakeOperation, string[]]>([
    ['generateRsaKeyPair', []],
    ['sign', []],
    ['storeCertificate', ['ir', 'certConf']],
    ['storeData', ['ir', 'certConf']],
    ['relabel', ['ir', 'certConf']],
  ])(
    'a token pulled during %s: TokenRemovedError, the CA left with nothing usable, and a retry after reinsertion completes',
    async (operation, exchanged) => {
      const w = await world();
      w.driver.removeDuringNext(operation);
      const error = await issue(w).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRemovedError);
      expect((error as KioskError).visitor.en).toMatch(/reconnect/i);
      expect(w.ca.bodyTypes).toEqual(exchanged);
      // A certificate the kiosk could not store was refused in certConf, so the CA revoked it.
      for (const certificate of w.ca.certificatesSent) {
        const serial = Buffer.from(certificate.tbsCertificate.serialNumber).toString('hex');
        expect(w.ca.db.revocations().map((r) => r.serial)).toContain(serial);
      }

      w.driver.insertToken(label);
      // Exactly the new pair is left, still marked pending, and the retry removes it.
      const leftBehind = halfMadePairs(await contents(w), config);
      expect(leftBehind).toHaveLength(1);
      const issued = await issue(w);
      expect(issued.cleanedUp).toBe(1);
      expect(issued.id).not.toBe(Buffer.from(leftBehind[0] ?? []).toString('hex'));
      const objects = await contents(w);
      expect(kinds(objects)).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
      expect(halfMadePairs(objects, config)).toEqual([]);
      expect(w.ca.db.certificate(issued.facts.serial)?.status).toBe('issued');
    },
  );

  it('a lost confirmation: CmpUnconfirmedError, and the finished pair is kept', async () => {
    const w = await world();
    const error = await issueWithFaultAfterStore(w, 'garbage').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmpUnconfirmedError);
    const objects = await contents(w);
    expect(kinds(objects)).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
    expect(halfMadePairs(objects, config)).toEqual([]);
    expect(await checkOnToken(w.driver, { label }, pin, config, { idn })).toMatchObject({
      keyMatchesCert: true,
      vidOk: true,
      serial: (error as CmpUnconfirmedError).serial,
    });
  });

  it('the sweep leaves alone everything but the kiosk’s pending pairs', async () => {
    const w = await world();
    await issue(w);
    const session = await w.driver.open({ label });
    await session.login(pin);
    // Another program's complete pair, without R, and an R object in upper-case hex.
    const other = await session.generateRsaKeyPair('Other app key');
    const { der, subject } = sampleCertificate();
    await session.storeCertificate(other.id, 'Other app cert', der, subject);
    await session.storeData(
      `R4VID=${Buffer.from(other.id).toString('hex').toUpperCase()}`,
      new Uint8Array(20),
    );
    await session.close();
    const before = kinds(await contents(w));
    // Even with another R prefix configured, finished pairs are never swept.
    const changed = { ...config, pkcs11: { ...config.pkcs11, r4vidLabelPrefix: 'KISA-R=' } };
    const session2 = await w.driver.open({ label });
    await session2.login(pin);
    expect(await sweepHalfMade(session2, config)).toBe(0);
    expect(await sweepHalfMade(session2, changed)).toBe(0);
    await session2.close();
    expect(kinds(await contents(w))).toEqual(before);
  });

  it('a wrong PIN says what the token reports about tries left, before the CA is asked', async () => {
    const w = await world();
    const wrong = new TextEncoder().encode('000000');
    const first = await issue(w, wrong).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WrongPinError);
    expect((first as WrongPinError).retries).toBe('low');
    const second = await issue(w, wrong).catch((e: unknown) => e);
    expect((second as WrongPinError).retries).toBe('finalTry');
    expect((second as WrongPinError).visitor.en).toMatch(/one more wrong try locks/i);
    expect(w.ca.bodyTypes).toEqual([]);
  });

  it('a locked PIN stops with a message to see staff, even with the right PIN', async () => {
    const w = await world();
    const wrong = new TextEncoder().encode('000000');
    for (let i = 0; i < 3; i++) await issue(w, wrong).catch(() => undefined);
    const error = await issue(w).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinLockedError);
    expect((error as PinLockedError).visitor.en).toMatch(/see a member of staff/);
    expect((error as PinLockedError).visitor.ko).toMatch(/직원/);
    expect(w.ca.bodyTypes).toEqual([]);
  });

  it('a full token: TokenFullError after the CA refusal is sent, nothing left on the token', async () => {
    const w = await world({ maxObjects: 3 });
    const error = await issue(w).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenFullError);
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
    expect(await contents(w)).toEqual([]);
  });
});

describe('renewal on a token', () => {
  // Certificates from the embedded CA are valid for a year: renewal opens 30 days before the end.
  const inWindow = () => new Date(Date.now() + 340 * 86_400_000);

  it('outside the window: RenewalNotOpenError, nothing generated', async () => {
    const w = await world();
    await issue(w);
    await expect(
      renewOnToken({
        client: w.client,
        driver: w.driver,
        token: { label },
        pin,
        config,
        now: new Date(),
      }),
    ).rejects.toMatchObject({ code: 'NPKI_RENEWAL_NOT_OPEN' });
    expect(kinds(await contents(w))).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
  });

  it('replaces the pair with a new on-token key, keeping R and the VID', async () => {
    const w = await world();
    const first = await issue(w);
    const renewed = await renewOnToken({
      client: w.client,
      driver: w.driver,
      token: { label },
      pin,
      config,
      now: inWindow(),
    });
    expect(renewed.id).not.toBe(first.id);
    expect(renewed.facts.serial).not.toBe(first.facts.serial);
    const objects = await contents(w);
    expect(kinds(objects)).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
    const check = await checkOnToken(w.driver, { label }, pin, config, { idn });
    expect(check).toMatchObject({ id: renewed.id, keyMatchesCert: true, vidOk: true });
  });

  it('a token pulled while the renewed certificate is stored keeps the old pair complete', async () => {
    const w = await world();
    const first = await issue(w);
    w.driver.removeDuringNext('storeCertificate');
    const request = {
      client: w.client,
      driver: w.driver,
      token: { label },
      pin,
      config,
      now: inWindow(),
    };
    await expect(renewOnToken(request)).rejects.toBeInstanceOf(TokenRemovedError);
    w.driver.insertToken(label);
    const check = await checkOnToken(w.driver, { label }, pin, config, {
      idn,
      serial: first.facts.serial,
    });
    expect(check).toMatchObject({ id: first.id, keyMatchesCert: true, vidOk: true });
    const renewed = await renewOnToken(request);
    expect(renewed.cleanedUp).toBe(1);
    expect(kinds(await contents(w))).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
  });
});

describe('renewal on a token: interruptions', () => {
  const inWindow = () => new Date(Date.now() + 340 * 86_400_000);

  it('a token pulled during a signature: the old pair stays complete and a retry renews', async () => {
    const w = await world();
    const first = await issue(w);
    const request = {
      client: w.client,
      driver: w.driver,
      token: { label },
      pin,
      config,
      now: inWindow(),
    };
    w.driver.removeDuringNext('sign');
    await expect(renewOnToken(request)).rejects.toBeInstanceOf(TokenRemovedError);
    w.driver.insertToken(label);
    expect(
      await checkOnToken(w.driver, { label }, pin, config, { idn, serial: first.facts.serial }),
    ).toMatchObject({ id: first.id, keyMatchesCert: true, vidOk: true });
    const renewed = await renewOnToken(request);
    expect(renewed.cleanedUp).toBe(1);
    expect(renewed.oldPairLeft).toBeUndefined();
    expect(kinds(await contents(w))).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
  });

  it('a token pulled while the old pair is deleted: the renewal stands, the old pair is reported', async () => {
    const w = await world();
    const first = await issue(w);
    w.driver.removeDuringNext('deleteKeyPair');
    const renewed = await renewOnToken({
      client: w.client,
      driver: w.driver,
      token: { label },
      pin,
      config,
      now: inWindow(),
    });
    expect(renewed.oldPairLeft).toBe(first.id);
    expect(w.ca.db.certificate(renewed.facts.serial)?.status).toBe('issued');
    w.driver.insertToken(label);
    // Both pairs are finished: neither is swept; the renewed one is checked by its serial.
    const objects = await contents(w);
    expect(halfMadePairs(objects, config)).toEqual([]);
    expect(
      await checkOnToken(w.driver, { label }, pin, config, { idn, serial: renewed.facts.serial }),
    ).toMatchObject({ id: renewed.id, keyMatchesCert: true, vidOk: true });
  });
});

describe('copying a folder pair onto a token', () => {
  async function folderPair(w: World) {
    const raEncryption = w.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('the fake CA has no RA certificate');
    const root = tempDir('copy-src-');
    const password = new TextEncoder().encode('Kiosk-test-2026!');
    await issueToFolder({
      client: w.client,
      raEncryption,
      medium: new DirStore(root),
      ref: w.ref,
      authCode: w.authCode,
      password,
      idn,
      config,
      now: new Date(),
    });
    const store = new DirStore(root);
    return { store, stored: await selectCertificate(store), password };
  }

  it('imports the key (not local) beside the certificate and R; the VID still checks', async () => {
    const w = await world();
    const source = await folderPair(w);
    const copied = await copyToToken(
      source,
      { driver: w.driver, token: { label }, pin },
      config,
      new Date(),
    );
    const objects = await contents(w);
    expect(kinds(objects)).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
    const check = await checkOnToken(w.driver, { label }, pin, config, { idn });
    expect(check).toMatchObject({ id: copied.id, keyMatchesCert: true, vidOk: true });
    await expect(
      copyToToken(source, { driver: w.driver, token: { label }, pin }, config, new Date()),
    ).rejects.toBeInstanceOf(CertificateExistsError);
  });

  it('a token pulled during the import: TokenRemovedError, cleaned up by the retry', async () => {
    const w = await world();
    const source = await folderPair(w);
    w.driver.removeDuringNext('importRsaKeyPair');
    const target = { driver: w.driver, token: { label }, pin };
    await expect(copyToToken(source, target, config, new Date())).rejects.toBeInstanceOf(
      TokenRemovedError,
    );
    w.driver.insertToken(label);
    const copied = await copyToToken(source, target, config, new Date());
    expect(copied.cleanedUp).toBe(1);
    expect(kinds(await contents(w))).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
  });
});
