import { spawnSync } from 'node:child_process';
import { inputFile } from './tempDir.js';

/**
 * OpenSSL as the independent reader of an NPKI pair: the public key of the decrypted signPri.key
 * (SEED needs the legacy provider) and of signCert.der, both as PEM; empty when OpenSSL cannot
 * open one. The pair matches when both are non-empty and equal.
 */
export function opensslPublicKeys(
  keyFile: string,
  certFile: string,
  password: string,
): { fromKey: string; fromCert: string } {
  const key = spawnSync(
    'openssl',
    [
      'pkcs8',
      '-inform',
      'DER',
      '-in',
      keyFile,
      '-passin',
      `file:${inputFile(password)}`,
      '-provider',
      'legacy',
      '-provider',
      'default',
    ],
    { encoding: 'utf8' },
  );
  const fromKey =
    key.status === 0
      ? spawnSync('openssl', ['pkey', '-pubout'], { input: key.stdout, encoding: 'utf8' }).stdout
      : '';
  const fromCert = spawnSync(
    'openssl',
    ['x509', '-inform', 'DER', '-in', certFile, '-noout', '-pubkey'],
    { encoding: 'utf8' },
  ).stdout;
  return { fromKey, fromCert };
}
