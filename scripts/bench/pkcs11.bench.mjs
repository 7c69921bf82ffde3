// Issuance onto a PKCS#11 token (issue 4): a key pair generated on the token plus the certificate
// stored next to it, by the kiosk's GraphenePkcs11Driver (in-process, from dist/: open the session
// by label, log in, generateRsaKeyPair, storeCertificate, close) against OpenSC's pkcs11-tool doing
// the same as an operator would (`--keypairgen` then `--write-object`: two processes, each with its
// own start and C_Initialize, which is what the standalone tool costs). Both run on one SoftHSM2
// token in a private softhsm2.conf; the driver (and so C_Initialize) is made once, outside the
// timings. Every run uses a fresh CKA_ID; the kiosk's objects are deleted before pkcs11-tool runs,
// so both sides start from an empty token. RSA key generation time varies a lot from run to run
// (prime search), hence the many runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { GraphenePkcs11Driver } from '../../dist/drivers/pkcs11/graphenePkcs11.js';
import { medianMs, report } from './timing.mjs';

const module = '/usr/lib/softhsm/libsofthsm2.so';
const label = 'bench';
const pin = '123456';
const runs = 51; // per side, after one warm-up (about 20 s in all)

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pkcs11-'));
  const previousConf = process.env.SOFTHSM2_CONF;
  let driver;
  try {
    // SoftHSM reads its conf and token folder at C_Initialize: both exist before the driver.
    const tokens = join(dir, 'tokens');
    mkdirSync(tokens);
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(
      conf,
      `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    process.env.SOFTHSM2_CONF = conf;
    const env = { ...process.env, SOFTHSM2_CONF: conf };
    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--so-pin', '87654321', '--pin', pin],
      { env, stdio: 'pipe' },
    );

    const certFile = join(dir, 'cert.der');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'cert.key'),
        '-subj',
        '/C=KR/O=bench/CN=bench',
        '-days',
        '1',
        '-outform',
        'DER',
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    const der = new Uint8Array(readFileSync(certFile));
    const subject = new Uint8Array(
      AsnConvert.serialize(AsnConvert.parse(der, Certificate).tbsCertificate.subject),
    );

    driver = new GraphenePkcs11Driver(module);
    const pinBytes = Buffer.from(pin);
    const created = [];
    const ours = await medianMs(async () => {
      const session = await driver.open({ label });
      try {
        await session.login(pinBytes);
        const keyPair = await session.generateRsaKeyPair('k');
        created.push(keyPair.id);
        await session.storeCertificate(keyPair.id, 'k', der, subject);
      } finally {
        await session.close();
      }
    }, runs);

    // Outside the timings: empty the token again for pkcs11-tool.
    const cleanup = await driver.open({ label });
    try {
      await cleanup.login(pinBytes);
      for (const id of created) await cleanup.deleteKeyPair(id);
    } finally {
      await cleanup.close();
    }

    const tool = ['--module', module, '--token-label', label, '--login', '--pin', pin];
    const theirs = await medianMs(() => {
      const id = randomBytes(16).toString('hex');
      execFileSync(
        'pkcs11-tool',
        [...tool, '--keypairgen', '--key-type', 'rsa:2048', '--id', id, '--label', 'k'],
        { env, stdio: 'pipe' },
      );
      execFileSync(
        'pkcs11-tool',
        [...tool, '--write-object', certFile, '--type', 'cert', '--id', id, '--label', 'k'],
        { env, stdio: 'pipe' },
      );
    }, runs);

    report('token keygen + certificate store (RSA-2048)', ours, theirs, 'pkcs11-tool');
  } finally {
    await driver?.close();
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
    rmSync(dir, { recursive: true, force: true });
  }
}
