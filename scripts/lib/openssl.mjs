// OpenSSL invocations shared by the interop tests and the benchmarks, so both measure and check
// the very same command.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** SEED lives in OpenSSL 3's legacy provider (DESIGN §4.2). */
export const legacyProviders = ['-provider', 'legacy', '-provider', 'default'];

/** Writes a DER signPri.key and its password to a temporary folder; returns their paths. */
export function stageKeyFile(keyFile, password) {
  const dir = mkdtempSync(join(tmpdir(), 'openssl-pkcs8-'));
  const key = join(dir, 'signPri.key');
  const pass = join(dir, 'pass');
  writeFileSync(key, keyFile);
  writeFileSync(pass, password);
  return { key, pass };
}

/**
 * `openssl pkcs8 -inform DER` decrypting a staged key file: what OpenSSL 3.0 outputs is the
 * traditional (PKCS#1) form of the key. Throws when OpenSSL refuses.
 */
export function opensslPkcs8Decrypt(staged) {
  return execFileSync(
    'openssl',
    [
      'pkcs8',
      '-inform',
      'DER',
      '-in',
      staged.key,
      '-passin',
      `file:${staged.pass}`,
      '-outform',
      'DER',
      ...legacyProviders,
    ],
    { stdio: 'pipe' },
  );
}

/**
 * Arguments of `openssl cmp` for an enrolment (ir) authenticated by an RA reference number and
 * authorization code (PBM, DESIGN §5); the caller adds -server, -path and -trusted.
 */
export function cmpIrArgs({ ref, secret, newKey, certOut }) {
  return [
    '-ref',
    ref,
    '-secret',
    `pass:${secret}`,
    '-cmd',
    'ir',
    '-newkey',
    newKey,
    '-subject',
    '/CN=x',
    '-certout',
    certOut,
  ];
}

/** Arguments of `openssl cmp` for a key update (kur) signed with the current key and certificate. */
export function cmpKurArgs({ key, cert, newKey, certOut }) {
  return ['-cmd', 'kur', '-key', key, '-cert', cert, '-newkey', newKey, '-certout', certOut];
}

/**
 * Arguments of `openssl cmp` for a revocation (rr) signed with the certificate's own key; reason
 * is a CRLReason number, left out (unspecified) when absent.
 */
export function cmpRrArgs({ key, cert, reason }) {
  const args = ['-cmd', 'rr', '-key', key, '-cert', cert, '-oldcert', cert];
  return reason === undefined ? args : [...args, '-revreason', String(reason)];
}

/** `openssl cmp` against a `kiosk ca serve` at host:port, trusting its exported chain. */
export function cmpServerArgs(hostPort, chain) {
  return ['cmp', '-config', '', '-server', hostPort, '-path', 'pkix/', '-trusted', chain];
}
