import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GeneralName } from '@peculiar/asn1-x509';
import { PkiBody, PkiHeader, PkiMessage } from '../../../src/cmp/asn1/pkiMessage.js';
import { decodePkiMessage, encodePkiMessage } from '../../../src/cmp/message.js';
import { protectMessage, verifyProtection } from '../../../src/cmp/protection.js';
import { pbmKey } from '../../../src/cmp/pbm.js';
import { CmpMalformedError, CmpProtectionError } from '../../../src/errors/index.js';
import { sharedFixtures } from '../../support/fixtures.js';

const dir = `${sharedFixtures}cmp/openssl-3.0.22/`;
const fixture = (name: string): Buffer => readFileSync(dir + name);
const secret = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('OpenSSL CMP test messages', () => {
  it.each([
    ['IP_PBM.der', 'ip'],
    ['IP_waitingStatus_PBM.der', 'ip'],
    ['CR_protected_PBM_1234.der', 'cr'],
    ['IR_protected.der', 'ir'],
    ['IR_protected_2_extraCerts.der', 'ir'],
    ['IR_unprotected.der', 'ir'],
    ['IR_rmprotection.der', 'ip'],
  ])('%s parses as %s', (name, body) => {
    const decoded = decodePkiMessage(fixture(name));
    expect(decoded.bodyType).toBe(body);
    expect(decoded.message.header.pvno).toBe(2);
  });

  it.each([
    ['IP_PBM.der', 'insta', '3078'],
    ['IP_waitingStatus_PBM.der', '9pp8-b35i-Xd3Q-udNR', '4787'],
    ['CR_protected_PBM_1234.der', '1234', undefined],
  ])('%s: the PBM verifies with its secret and with no other', async (name, right, reference) => {
    const decoded = decodePkiMessage(fixture(name));
    if (reference !== undefined) {
      expect(Buffer.from(decoded.message.header.senderKID ?? new ArrayBuffer(0)).toString()).toBe(
        reference,
      );
    }
    await expect(verifyProtection(decoded, { secret: secret(right) })).resolves.toBe('pbm');
    await expect(verifyProtection(decoded, { secret: secret(`${right}x`) })).rejects.toBeInstanceOf(
      CmpProtectionError,
    );
  });

  it('a single changed byte of the protected part breaks the PBM', async () => {
    const bytes = fixture('IP_PBM.der');
    bytes[60] = (bytes[60] ?? 0) ^ 1; // inside the sender name
    await expect(
      verifyProtection(decodePkiMessage(bytes), { secret: secret('insta') }),
    ).rejects.toThrow(/does not verify/);
  });

  it('IR_protected_2_extraCerts: the signature verifies with the certificate in extraCerts', async () => {
    const decoded = decodePkiMessage(fixture('IR_protected_2_extraCerts.der'));
    await expect(verifyProtection(decoded, { trust: () => true })).resolves.toBe('signature');
    await expect(verifyProtection(decoded, { trust: () => false })).rejects.toThrow(/not trusted/);
    await expect(verifyProtection(decoded, { secret: secret('x') })).rejects.toThrow(
      /where a MAC was expected/,
    );
  });

  it('IR_protected carries no signer certificate (empty extraCerts): refused, not guessed', async () => {
    const decoded = decodePkiMessage(fixture('IR_protected.der'));
    await expect(verifyProtection(decoded, { trust: () => true })).rejects.toThrow(
      /without the signer certificate/,
    );
  });

  it.each(['IR_unprotected.der', 'IR_rmprotection.der'])(
    '%s is refused as unprotected',
    async (name) => {
      await expect(
        verifyProtection(decodePkiMessage(fixture(name)), {
          secret: secret('insta'),
          trust: () => true,
        }),
      ).rejects.toThrow(/not protected/);
    },
  );

  it('cut short or with trailing bytes, a message is malformed', () => {
    const bytes = fixture('IP_PBM.der');
    expect(() => decodePkiMessage(bytes.subarray(0, 500))).toThrow(CmpMalformedError);
    expect(() => decodePkiMessage(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
      CmpMalformedError,
    );
  });
});

describe('PBM (RFC 4210 §5.1.3.1)', () => {
  it('K = OWF^n(secret ‖ salt): hashed once, then n − 1 more times', async () => {
    const { createHash } = await import('node:crypto');
    let k = createHash('sha256').update('insta').update(Buffer.from('0011', 'hex')).digest();
    for (let i = 1; i < 3; i++) k = createHash('sha256').update(k).digest();
    expect(pbmKey(secret('insta'), Buffer.from('0011', 'hex'), 'sha256', 3).equals(k)).toBe(true);
  });
});

describe('messages the kiosk protects', () => {
  const header = (): PkiHeader =>
    new PkiHeader({
      sender: new GeneralName({ rfc822Name: 'kiosk@branch' }),
      recipient: new GeneralName({ rfc822Name: 'ca@bank' }),
      senderKID: new Uint8Array(secret('ref-1')).buffer,
      transactionID: new Uint8Array(16).fill(7).buffer,
    });

  it('PBM-protected: decodes and verifies with the same secret only', async () => {
    const message = await protectMessage(header(), new PkiBody({ pkiconf: null }), {
      kind: 'pbm',
      secret: secret('s3cret'),
    });
    const decoded = decodePkiMessage(encodePkiMessage(message));
    expect(decoded.bodyType).toBe('pkiconf');
    await expect(verifyProtection(decoded, { secret: secret('s3cret') })).resolves.toBe('pbm');
    await expect(verifyProtection(decoded, { secret: secret('s3cret!') })).rejects.toBeInstanceOf(
      CmpProtectionError,
    );
  });

  it.each([
    ['genm', 'b5'],
    ['certConf', 'b8'],
  ] as const)(
    'an empty %s (an empty SEQUENCE OF, [n] 30 00) decodes as that body, not as none',
    async (body, tag) => {
      // Issue 11 item 13: `openssl cmp -cmd genm` sends [21] {} and got a plain-text 400.
      const message = await protectMessage(header(), new PkiBody({ [body]: [] }), {
        kind: 'pbm',
        secret: secret('s3cret'),
      });
      const der = encodePkiMessage(message);
      expect(der.includes(Buffer.from(`${tag}023000`, 'hex'))).toBe(true);
      const decoded = decodePkiMessage(der);
      expect(decoded.bodyType).toBe(body);
      expect(decoded.message.body[body]).toEqual([]);
      await expect(verifyProtection(decoded, { secret: secret('s3cret') })).resolves.toBe('pbm');
    },
  );

  it('a body of no alternative, or an empty SEQUENCE under an unknown tag, stays malformed', () => {
    const message = encodePkiMessage(
      new PkiMessage({ header: header(), body: new PkiBody({ genm: [] }) }),
    );
    // [21] → [30]: no PKIBody alternative has that number.
    const bad = Buffer.from(message);
    const at = bad.lastIndexOf(Buffer.from('b5023000', 'hex'));
    expect(at).toBe(bad.length - 4);
    bad[at] = 0xbe;
    expect(() => decodePkiMessage(bad)).toThrow(CmpMalformedError);
  });

  it('signature-protected: the signer certificate travels first in extraCerts', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { softwareSigner } = await import('../../../src/crypto/signer.js');
    const { parseCertificate } = await import('../../../src/npki/certificate.js');
    const certificate = parseCertificate(
      fixture('../../npki/yessign-test-pypinksign/signCert.der'),
    );
    const message = await protectMessage(header(), new PkiBody({ pkiconf: null }), {
      kind: 'signature',
      signer: softwareSigner(privateKey),
      certificate,
    });
    const decoded = decodePkiMessage(encodePkiMessage(message));
    // The fixture certificate is not this key's: a trusted certificate with the wrong key fails.
    await expect(verifyProtection(decoded, { trust: () => true })).rejects.toThrow(
      /signature does not verify/,
    );
  });
});
