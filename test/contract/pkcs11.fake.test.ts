import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TokenSession } from '../../drivers/pkcs11/contract.js';
import { FakeTokenDriver, type FakeOperation } from '../../drivers/pkcs11/fake.js';
import { verifySignature } from '../../src/crypto/signer.js';
import {
  PinLockedError,
  TokenFailureError,
  TokenFullError,
  TokenNotFoundError,
  TokenAmbiguousError,
  TokenRemovedError,
  WrongPinError,
} from '../../src/errors/index.js';
import { dataLabelFor, kindsOf, pkcs11ContractSuite, sampleCertificate } from './pkcs11.js';

const label = 'kiosk-test';
const pin = '123456';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A driver with one fresh token in it; the options override the defaults. */
function fakeWithToken(
  options: { maxObjects?: number; maxPinTries?: number } = {},
): FakeTokenDriver {
  const driver = new FakeTokenDriver();
  driver.addToken({ label, serial: randomBytes(8).toString('hex'), pin, ...options });
  return driver;
}

async function login(driver: FakeTokenDriver): Promise<TokenSession> {
  const session = await driver.open({ label });
  await session.login(utf8(pin));
  return session;
}

/** What the kiosk does with a token during issuance, in order (issue 4). */
async function issue(session: TokenSession): Promise<void> {
  await session.login(utf8(pin));
  const keyPair = await session.generateRsaKeyPair('kiosk-key');
  const proof = utf8('certificate request');
  const signer = session.signer(keyPair);
  expect(
    verifySignature(keyPair.publicKey, signer.algorithm, proof, await signer.sign(proof)),
  ).toBe(true);
  const { der, subject } = sampleCertificate();
  await session.storeCertificate(keyPair.id, 'kiosk-cert', der, subject);
  await session.storeData(dataLabelFor(keyPair.id), utf8('R'));
}

pkcs11ContractSuite(
  'fake',
  () => {
    const driver = fakeWithToken();
    // SoftHSM always offers a blank token in a free slot; so does the fake target.
    driver.addToken({
      label: 'blank',
      serial: randomBytes(8).toString('hex'),
      pin: '',
      blank: true,
    });
    return Promise.resolve({
      driver,
      label,
      pin,
      soPin: '87654321',
      hands: {
        remove: () => {
          driver.removeToken(label);
        },
        insert: () => {
          driver.insertToken(label);
        },
      },
      cleanup: () => driver.close(),
    });
  },
  true,
);

describe('fake PKCS#11 token controls', () => {
  it('two present tokens with one label: TokenAmbiguousError naming both serials', async () => {
    const driver = new FakeTokenDriver();
    driver.addToken({ label, serial: 'aaaa', pin });
    driver.addToken({ label, serial: 'bbbb', pin });
    const error = await driver.open({ label }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAmbiguousError);
    expect((error as TokenAmbiguousError).serials).toEqual(['aaaa', 'bbbb']);
    await expect(driver.open({ serial: 'bbbb' })).resolves.toBeDefined();
  });

  it('counts wrong PINs down to a lock: low, final try, then locked for good', async () => {
    const driver = fakeWithToken();
    const session = await driver.open({ label });
    const wrong = utf8('000000');
    const pinState = async () => (await driver.listTokens())[0]?.pin;

    await expect(session.login(wrong)).rejects.toMatchObject({ retries: 'low' });
    expect(await pinState()).toMatchObject({ countLow: true, finalTry: false, locked: false });
    await expect(session.login(wrong)).rejects.toMatchObject({ retries: 'finalTry' });
    expect((await pinState())?.finalTry).toBe(true);
    await expect(session.login(wrong)).rejects.toBeInstanceOf(PinLockedError);
    expect((await pinState())?.locked).toBe(true);
    await expect(session.login(utf8(pin))).rejects.toBeInstanceOf(PinLockedError);
    await driver.close();
  });

  it('restores every try after a right PIN', async () => {
    const driver = fakeWithToken();
    const session = await driver.open({ label });
    await expect(session.login(utf8('000000'))).rejects.toBeInstanceOf(WrongPinError);
    await session.login(utf8(pin));
    expect((await driver.listTokens())[0]?.pin).toMatchObject({
      countLow: false,
      finalTry: false,
      locked: false,
    });
    await expect(session.login(utf8('000000'))).rejects.toMatchObject({ retries: 'low' });
    await driver.close();
  });

  it('sets COUNT_LOW from the first wrong PIN, as PKCS#11 defines it, whatever the tries left', async () => {
    const driver = fakeWithToken({ maxPinTries: 10 });
    const session = await driver.open({ label });
    await expect(session.login(utf8('000000'))).rejects.toMatchObject({ retries: 'low' });
    await driver.close();
  });

  it('refuses key and object operations before login; lists public objects only', async () => {
    const driver = fakeWithToken();
    const first = await driver.open({ label });
    await issue(first);
    await first.close(); // closing logs the token out (login state is per token, not per session)
    const session = await driver.open({ label });
    await expect(session.generateRsaKeyPair('k')).rejects.toBeInstanceOf(TokenFailureError);
    await expect(session.storeData('d', utf8('v'))).rejects.toBeInstanceOf(TokenFailureError);
    await expect(session.deleteKeyPair(new Uint8Array(16))).rejects.toBeInstanceOf(
      TokenFailureError,
    );
    expect(kindsOf(await session.listObjects())).toEqual(['certificate', 'publicKey']);
    await driver.close();
  });

  it('hides the token while it is out; its objects come back with it', async () => {
    const driver = fakeWithToken();
    await issue(await driver.open({ label }));
    const before = await driver.open({ label });

    driver.removeToken(label);
    expect(await driver.listTokens()).toEqual([]);
    await expect(driver.open({ label })).rejects.toBeInstanceOf(TokenNotFoundError);
    await expect(before.listObjects()).rejects.toBeInstanceOf(TokenRemovedError);

    driver.insertToken(label);
    // A session from before the removal stays dead, as on real hardware.
    await expect(before.listObjects()).rejects.toBeInstanceOf(TokenRemovedError);
    await before.close();
    const after = await login(driver);
    expect(kindsOf(await after.listObjects())).toEqual([
      'certificate',
      'data',
      'privateKey',
      'publicKey',
    ]);
    await driver.close();
  });

  // What each interrupted operation leaves on the token; the caller must find and clean it up.
  it.each<[FakeOperation, string[]]>([
    ['login', []],
    ['generateRsaKeyPair', ['privateKey']],
    ['sign', ['privateKey', 'publicKey']],
    ['storeCertificate', ['certificate', 'privateKey', 'publicKey']],
    ['storeData', ['certificate', 'privateKey', 'publicKey']],
  ])(
    'removal during %s: TokenRemovedError, leftovers %j listed and cleaned, then a retry succeeds',
    async (operation, leftovers) => {
      const driver = fakeWithToken();
      driver.removeDuringNext(operation);
      const interrupted = await driver.open({ label });
      await expect(issue(interrupted)).rejects.toBeInstanceOf(TokenRemovedError);
      expect(await driver.listTokens()).toEqual([]);
      await interrupted.close();

      driver.insertToken(label);
      const session = await login(driver);
      const left = await session.listObjects();
      expect(kindsOf(left)).toEqual(leftovers);
      // The caller knows the labels it used; the CKA_ID of a half-made pair comes from the token.
      for (const object of left.filter((o) => o.label === 'kiosk-key')) {
        await session.deleteKeyPair(object.id, dataLabelFor(object.id));
      }
      expect(await session.listObjects()).toEqual([]);
      await session.close();

      await issue(await driver.open({ label }));
      const done = await login(driver);
      expect(kindsOf(await done.listObjects())).toEqual([
        'certificate',
        'data',
        'privateKey',
        'publicKey',
      ]);
      await driver.close();
    },
  );

  it('spends no PIN try on a login the removal interrupted', async () => {
    const driver = fakeWithToken();
    driver.removeDuringNext('login');
    await expect((await driver.open({ label })).login(utf8('000000'))).rejects.toBeInstanceOf(
      TokenRemovedError,
    );
    driver.insertToken(label);
    expect((await driver.listTokens())[0]?.pin.countLow).toBe(false);
    await driver.close();
  });

  it('refuses what does not fit with TokenFullError and writes nothing', async () => {
    const driver = fakeWithToken({ maxObjects: 3 });
    const session = await login(driver);
    const keyPair = await session.generateRsaKeyPair('kiosk-key');
    const { der, subject } = sampleCertificate();
    await session.storeCertificate(keyPair.id, 'kiosk-cert', der, subject);
    await expect(session.storeData(dataLabelFor(keyPair.id), utf8('R'))).rejects.toBeInstanceOf(
      TokenFullError,
    );
    await expect(session.generateRsaKeyPair('second')).rejects.toBeInstanceOf(TokenFullError);
    expect(kindsOf(await session.listObjects())).toEqual([
      'certificate',
      'privateKey',
      'publicKey',
    ]);

    await session.deleteKeyPair(keyPair.id);
    await expect(session.generateRsaKeyPair('second')).resolves.toMatchObject({ label: 'second' });
    await driver.close();
  });

  it('keeps its tokens to itself: two drivers share nothing', async () => {
    const one = fakeWithToken();
    const other = new FakeTokenDriver();
    expect(await other.listTokens()).toEqual([]);
    await expect(other.open({ label })).rejects.toBeInstanceOf(TokenNotFoundError);
    await one.close();
    await other.close();
  });

  it('ends its sessions when the driver closes', async () => {
    const driver = fakeWithToken();
    const session = await login(driver);
    await driver.close();
    await expect(session.listObjects()).rejects.toBeInstanceOf(TokenRemovedError);
  });
});
