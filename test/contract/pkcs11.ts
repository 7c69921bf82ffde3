import { createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  TokenDriver,
  TokenEvent,
  TokenObject,
  TokenSession,
} from '../../drivers/pkcs11/contract.js';
import { watchTokens } from '../../drivers/pkcs11/watch.js';
import { signatureOids, verifySignature } from '../../src/crypto/signer.js';
import { rsaPrivateKeyParts } from '../../src/npki/rsaPrivateKey.js';
import {
  KioskError,
  PinRulesError,
  TokenNotFoundError,
  WrongPinError,
  WrongSoPinError,
} from '../../src/errors/index.js';
import { readYessign } from '../support/fixtures.js';

/** A driver with one freshly initialised token of its own (STYLE #14), and how to dispose of it. */
export interface Pkcs11Target {
  readonly driver: TokenDriver;
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  /** Pulls the token out and puts it back; absent where the target cannot (SoftHSM). */
  readonly hands?: { remove(): void; insert(): void };
  cleanup(): Promise<void>;
}

/** Any real certificate will do as the bytes to store: the token does not parse them. */
export function sampleCertificate(): { der: Uint8Array; subject: Uint8Array } {
  const der = new Uint8Array(readYessign('signCert.der'));
  const certificate = AsnConvert.parse(der, Certificate);
  return { der, subject: new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subject)) };
}

/** The label of the VID's R data object for a CKA_ID (DESIGN §3.3). */
export function dataLabelFor(id: Uint8Array): string {
  return `R4VID=${Buffer.from(id).toString('hex')}`;
}

/** The kind of each object with this label or CKA_ID, sorted, for comparing contents. */
export function kindsOf(objects: TokenObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * What every TokenDriver does (drivers/pkcs11/contract.ts): run against the fake in the contract
 * project and against SoftHSM2 in the integration project (STYLE #4). `makeDriver` gives each test
 * its own token; nothing here depends on serial numbers, slot numbers or PIN retry counts, which
 * differ between targets.
 */
export function pkcs11ContractSuite(
  name: string,
  makeDriver: () => Promise<Pkcs11Target>,
  removable: boolean,
): void {
  describe(`PKCS#11 contract: ${name}`, () => {
    let target: Pkcs11Target;
    let sessions: TokenSession[];

    beforeEach(async () => {
      target = await makeDriver();
      sessions = [];
    });

    afterEach(async () => {
      for (const session of sessions) await session.close();
      await target.cleanup();
    });

    /** A session with the test's token, closed after the test. */
    async function open(): Promise<TokenSession> {
      const session = await target.driver.open({ label: target.label });
      sessions.push(session);
      return session;
    }

    async function loggedIn(): Promise<TokenSession> {
      const session = await open();
      await session.login(utf8(target.pin));
      return session;
    }

    it('lists the token by its label, with its PIN not locked', async () => {
      const token = (await target.driver.listTokens()).find((t) => t.label === target.label);
      expect(token).toBeDefined();
      expect(typeof token?.serial).toBe('string');
      expect(typeof token?.manufacturer).toBe('string');
      expect(typeof token?.model).toBe('string');
      expect(token?.pin.locked).toBe(false);
    });

    it('opens the token by label', async () => {
      const session = await open();
      expect(session.token.label).toBe(target.label);
    });

    it('opens the token by the serial it lists', async () => {
      const listed = (await target.driver.listTokens()).find((t) => t.label === target.label);
      if (listed === undefined) throw new Error('the token is not listed');
      const session = await target.driver.open({ serial: listed.serial });
      sessions.push(session);
      expect(session.token.label).toBe(target.label);
      expect(session.token.serial).toBe(listed.serial);
    });

    it('refuses an unknown label or serial with TokenNotFoundError', async () => {
      await expect(target.driver.open({ label: `${target.label}-absent` })).rejects.toBeInstanceOf(
        TokenNotFoundError,
      );
      await expect(target.driver.open({ serial: 'no-such-serial' })).rejects.toBeInstanceOf(
        TokenNotFoundError,
      );
    });

    it('logs in with the right PIN', async () => {
      const session = await open();
      await expect(session.login(utf8(target.pin))).resolves.toBeUndefined();
    });

    it('refuses a wrong PIN with WrongPinError, then takes the right one', async () => {
      const session = await open();
      const error: unknown = await session.login(utf8(`${target.pin}9`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongPinError);
      // What the token reports about tries left differs (SoftHSM reports nothing): not asserted.
      expect(['unknown', 'low', 'finalTry']).toContain((error as WrongPinError).retries);
      await expect(session.login(utf8(target.pin))).resolves.toBeUndefined();
    });

    it('refuses to generate a key before login, with a typed error', async () => {
      const session = await open();
      await expect(session.generateRsaKeyPair('kiosk-key')).rejects.toBeInstanceOf(KioskError);
    });

    it('generates an RSA-2048 key pair on the token, private key sensitive and local', async () => {
      const session = await loggedIn();
      const keyPair = await session.generateRsaKeyPair('kiosk-key');
      const publicKey = createPublicKey({
        key: Buffer.from(keyPair.publicKey),
        format: 'der',
        type: 'spki',
      });
      expect(publicKey.asymmetricKeyType).toBe('rsa');
      expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(publicKey.asymmetricKeyDetails?.publicExponent).toBe(65537n);
      expect(keyPair.label).toBe('kiosk-key');
      expect(keyPair.id.length).toBeGreaterThan(0);
      expect(keyPair.alwaysSensitive).toBe(true);
      expect(keyPair.neverExtractable).toBe(true);
      expect(keyPair.local).toBe(true);
    });

    it('signs with the on-token key: sha256WithRSAEncryption, verifiable with its public key', async () => {
      const session = await loggedIn();
      const keyPair = await session.generateRsaKeyPair('kiosk-key');
      const signer = session.signer(keyPair);
      const data = utf8('proof of possession');
      const signature = await signer.sign(data);
      expect(signer.algorithm.algorithm).toBe(signatureOids.sha256WithRsa);
      expect(signer.publicKey).toEqual(keyPair.publicKey);
      expect(verifySignature(keyPair.publicKey, signer.algorithm, data, signature)).toBe(true);
      expect(verifySignature(keyPair.publicKey, signer.algorithm, utf8('other'), signature)).toBe(
        false,
      );
    });

    it('stores the certificate beside the key (same CKA_ID) and the data object', async () => {
      const session = await loggedIn();
      const keyPair = await session.generateRsaKeyPair('kiosk-key');
      const { der, subject } = sampleCertificate();
      const r = utf8('random R of the VID');
      await session.storeCertificate(keyPair.id, 'kiosk-cert', der, subject);
      await session.storeData(dataLabelFor(keyPair.id), r);

      const objects = await session.listObjects();
      const ours = objects.filter((o) => o.kind !== 'data' && sameBytes(o.id, keyPair.id));
      expect(kindsOf(ours)).toEqual(['certificate', 'privateKey', 'publicKey']);
      expect(ours.find((o) => o.kind === 'certificate')?.value).toEqual(der);
      expect(ours.find((o) => o.kind === 'certificate')?.label).toBe('kiosk-cert');
      expect(ours.find((o) => o.kind === 'privateKey')?.label).toBe('kiosk-key');
      const data = objects.filter((o) => o.kind === 'data');
      expect(data).toHaveLength(1);
      expect(data[0]?.label).toBe(dataLabelFor(keyPair.id));
      expect(data[0]?.value).toEqual(r);
    });

    it('deletes the key pair, its certificate and its data object', async () => {
      const session = await loggedIn();
      const keyPair = await session.generateRsaKeyPair('kiosk-key');
      const { der, subject } = sampleCertificate();
      await session.storeCertificate(keyPair.id, 'kiosk-cert', der, subject);
      await session.storeData(dataLabelFor(keyPair.id), utf8('R'));

      await session.deleteKeyPair(keyPair.id, dataLabelFor(keyPair.id));
      expect(await session.listObjects()).toEqual([]);
    });

    it('initialises a blank token with a label and user PIN; it lists and logs in', async () => {
      const label = `${target.label}-new`;
      const info = await target.driver.initToken(
        { blank: true },
        { label, soPin: utf8('11223344'), userPin: utf8('135790') },
      );
      expect(info.label).toBe(label);
      expect(info.initialized).toBe(true);
      const listed = (await target.driver.listTokens()).find((t) => t.label === label);
      expect(listed?.serial).toBe(info.serial);
      const session = await target.driver.open({ label });
      sessions.push(session);
      await expect(session.login(utf8('135790'))).resolves.toBeUndefined();
      expect(await session.listObjects()).toEqual([]);
    });

    it('re-initialises a used token only with its SO PIN, and wipes it', async () => {
      const session = await loggedIn();
      await session.generateRsaKeyPair('kiosk-key');
      await session.close();
      const setup = { label: target.label, userPin: utf8('975310') };
      await expect(
        target.driver.initToken({ label: target.label }, { ...setup, soPin: utf8('00000000') }),
      ).rejects.toBeInstanceOf(WrongSoPinError);
      await target.driver.initToken(
        { label: target.label },
        { ...setup, soPin: utf8(target.soPin) },
      );
      const again = await open();
      await expect(again.login(utf8(target.pin))).rejects.toBeInstanceOf(WrongPinError);
      await again.login(utf8('975310'));
      expect(await again.listObjects()).toEqual([]);
    });

    it('changes the user PIN: the old one is refused afterwards, the new one taken', async () => {
      const session = await loggedIn();
      await expect(
        session.changePin(utf8(`${target.pin}9`), utf8('112233')),
      ).rejects.toBeInstanceOf(WrongPinError);
      await session.changePin(utf8(target.pin), utf8('112233'));
      await session.close();
      const next = await open();
      await expect(next.login(utf8(target.pin))).rejects.toBeInstanceOf(WrongPinError);
      await expect(next.login(utf8('112233'))).resolves.toBeUndefined();
    });

    it('refuses a new PIN of a length the token does not take, before anything changes', async () => {
      const info = (await target.driver.listTokens()).find((t) => t.label === target.label);
      if (info === undefined) throw new Error('the token is not listed');
      expect(info.pin.minLength).toBeGreaterThan(1);
      const session = await loggedIn();
      const error = await session.changePin(utf8(target.pin), utf8('1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PinRulesError);
      expect((error as PinRulesError).min).toBe(info.pin.minLength);
      await session.close();
      const blankBefore = (await target.driver.listTokens()).filter((t) => !t.initialized).length;
      await expect(
        target.driver.initToken(
          { blank: true },
          { label: 'short-pin', soPin: utf8('11223344'), userPin: utf8('1') },
        ),
      ).rejects.toBeInstanceOf(PinRulesError);
      expect((await target.driver.listTokens()).filter((t) => !t.initialized)).toHaveLength(
        blankBefore,
      );
      const again = await open();
      await expect(again.login(utf8(target.pin))).resolves.toBeUndefined();
    });

    it('imports an RSA key from PKCS#8: not local, and it signs for its certificate', async () => {
      const session = await loggedIn();
      const keyPair = await session.importRsaKeyPair(
        'imported',
        rsaPrivateKeyParts(new Uint8Array(readYessign('plainSignPri.der'))),
      );
      const certificate = AsnConvert.parse(readYessign('signCert.der'), Certificate);
      const certKey = new Uint8Array(
        AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo),
      );
      expect(Buffer.from(keyPair.publicKey).equals(certKey)).toBe(true);
      expect(keyPair.local).toBe(false);
      expect(keyPair.alwaysSensitive).toBe(false);
      const data = utf8('signed with an imported key');
      const signer = session.signer(keyPair);
      expect(verifySignature(certKey, signer.algorithm, data, await signer.sign(data))).toBe(true);
      const ours = (await session.listObjects()).filter((o) => sameBytes(o.id, keyPair.id));
      expect(kindsOf(ours)).toEqual(['privateKey', 'publicKey']);
    });

    it('watching: the token is reported present at the first poll', async () => {
      const events: TokenEvent[] = [];
      const watch = watchTokens(target.driver, (e) => events.push(e), { intervalMs: 50 });
      try {
        await watch.poll();
        expect(events.filter((e) => e.token.label === target.label).map((e) => e.type)).toEqual([
          'present',
        ]);
      } finally {
        watch.stop();
      }
    });

    it.skipIf(!removable)(
      `watching: removal and reinsertion are reported${removable ? '' : ' (skipped: this target cannot pull a token)'}`,
      async () => {
        const hands = target.hands;
        if (hands === undefined) throw new Error('a removable target needs hands');
        const events: string[] = [];
        const watch = watchTokens(target.driver, (e) => events.push(`${e.type} ${e.token.label}`), {
          intervalMs: 20,
        });
        try {
          await watch.poll();
          hands.remove();
          await vi.waitFor(() => {
            expect(events).toHaveLength(2);
          });
          hands.insert();
          await vi.waitFor(() => {
            expect(events).toHaveLength(3);
          });
          expect(events).toEqual([
            `present ${target.label}`,
            `removed ${target.label}`,
            `present ${target.label}`,
          ]);
        } finally {
          watch.stop();
        }
      },
    );

    it('keeps what one session stored for the next (private objects after login only)', async () => {
      const first = await loggedIn();
      const keyPair = await first.generateRsaKeyPair('kiosk-key');
      const { der, subject } = sampleCertificate();
      await first.storeCertificate(keyPair.id, 'kiosk-cert', der, subject);
      await first.storeData(dataLabelFor(keyPair.id), utf8('R'));
      await first.close();

      const second = await open();
      const beforeLogin = await second.listObjects();
      expect(beforeLogin.map((o) => o.kind)).not.toContain('privateKey');
      expect(beforeLogin.find((o) => o.kind === 'certificate')?.value).toEqual(der);

      await second.login(utf8(target.pin));
      expect(kindsOf(await second.listObjects())).toEqual([
        'certificate',
        'data',
        'privateKey',
        'publicKey',
      ]);
      const data = utf8('signed in the second session');
      const signer = second.signer(keyPair);
      expect(
        verifySignature(keyPair.publicKey, signer.algorithm, data, await signer.sign(data)),
      ).toBe(true);
    });
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(b);
}
