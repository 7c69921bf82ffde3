import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Pkcs1KeyError, WrongPasswordError } from '../../../src/errors/index.js';
import { decryptSignPriKey, encryptSignPriKey } from '../../../src/npki/signPriKey.js';

// Issue 11 item 18: a signPri.key whose plaintext is a PKCS#1 RSAPrivateKey (RFC 8017 A.1.2)
// rather than a PKCS#8 PrivateKeyInfo is not a wrong password, and must not be reported as one.

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const password = Buffer.from('correct horse 1!');

describe('signPri.key holding PKCS#1', () => {
  for (const format of ['pbes2', 'seedCbcWithSha1'] as const) {
    it(`${format}: the right password gives NPKI_KEY_PKCS1, a wrong one NPKI_WRONG_PASSWORD`, () => {
      const pkcs1 = privateKey.export({ format: 'der', type: 'pkcs1' });
      const file = encryptSignPriKey(pkcs1, password, { format, iterations: 2048 });
      const error = (() => {
        try {
          decryptSignPriKey(file, password);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(Pkcs1KeyError);
      expect(error).toMatchObject({ code: 'NPKI_KEY_PKCS1', reason: 'malformedInput' });
      expect(() => decryptSignPriKey(file, Buffer.from('wrong password 1!'))).toThrow(
        WrongPasswordError,
      );
      // The same key as PKCS#8 decrypts: only the inner format differs.
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
      const good = encryptSignPriKey(pkcs8, password, { format, iterations: 2048 });
      expect(decryptSignPriKey(good, password).privateKeyInfo.equals(pkcs8)).toBe(true);
    });
  }
});
