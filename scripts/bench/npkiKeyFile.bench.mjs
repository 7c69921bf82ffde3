// signPri.key work against OpenSSL doing the same: SEED-CBC throughput (the hand-written SEED vs
// OpenSSL's legacy provider), and opening a PBES2 key file (kiosk in-process vs `openssl pkcs8`,
// which includes OpenSSL's process start: that is what the standalone tool costs).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedCbcEncrypt } from '../../dist/src/npki/seed.js';
import { decryptSignPriKey, encryptSignPriKey } from '../../dist/src/npki/signPriKey.js';
import { legacyProviders, opensslPkcs8Decrypt, stageKeyFile } from '../lib/openssl.mjs';
import { medianMs, report } from './timing.mjs';

const legacy = legacyProviders;

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-npki-'));
  const key = randomBytes(16).toString('hex');
  const iv = randomBytes(16).toString('hex');
  const data = randomBytes(4 * 1024 * 1024);
  const input = join(dir, 'data');
  writeFileSync(input, data);
  const ours = await medianMs(
    () => seedCbcEncrypt(Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'), data),
    5,
  );
  const theirs = await medianMs(
    () =>
      execFileSync('openssl', [
        'enc',
        '-seed-cbc',
        '-K',
        key,
        '-iv',
        iv,
        '-in',
        input,
        '-out',
        join(dir, 'out'),
        ...legacy,
      ]),
    5,
  );
  report('SEED-CBC encrypt 4 MiB', ours, theirs, 'openssl enc');

  const password = 'Bench-password-1!';
  const pki = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'der',
  });
  const file = encryptSignPriKey(pki, Buffer.from(password), { format: 'pbes2', iterations: 2048 });
  const staged = stageKeyFile(file, password);
  const open = await medianMs(() => decryptSignPriKey(file, Buffer.from(password)), 20);
  const openssl = await medianMs(() => opensslPkcs8Decrypt(staged), 20);
  report('open a PBES2 signPri.key (2048 iterations)', open, openssl, 'openssl pkcs8');
}
