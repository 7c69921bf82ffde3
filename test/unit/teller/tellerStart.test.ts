import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, defaultConfig } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors/index.js';
import { TellerAccounts } from '../../../src/teller/accounts.js';
import { isLoopback, parseListen } from '../../../src/config/listen.js';
import { startTellerApi } from '../../../src/teller/start.js';
import { nodeCrypto, x509 } from '../../../src/shared/x509.js';
import { FakeTellerDesk } from '../../support/fakeTellerDesk.js';
import { tempDir } from '../../support/tempDir.js';
import { alice, cheapScrypt } from './tellerApiWorld.js';

// Where the teller API listens (DESIGN §8: loopback unless configured, TLS off loopback), its
// configuration keys, and starting it as the kiosk service will.

describe('teller.* configuration', () => {
  it('defaults: loopback port 8830, 8 h sessions, 15 min idle, 3 free failures, 1 s to 5 min', () => {
    expect(defaultConfig().teller).toEqual({
      listen: '127.0.0.1:8830',
      sessionMs: 28_800_000,
      idleMs: 900_000,
      loginFreeFailures: 3,
      loginAddressFreeFailures: 10,
      loginBaseDelayMs: 1000,
      loginMaxDelayMs: 300_000,
    });
  });

  it('off loopback only with TLS; idle within the session; base within the cap', () => {
    const problems = (teller: Record<string, unknown>): string[] => {
      const result = configSchema.safeParse({ teller });
      return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
    };
    expect(problems({ listen: '0.0.0.0:8830' })).toEqual(['teller.tls']);
    expect(problems({ listen: '192.0.2.10:8830' })).toEqual(['teller.tls']);
    expect(problems({ listen: '0.0.0.0:8830', tls: { cert: 'c.pem', key: 'k.pem' } })).toEqual([]);
    expect(problems({ listen: '[::1]:0' })).toEqual([]);
    expect(problems({ listen: 'localhost:8830' })).toEqual([]);
    expect(problems({ listen: 'nohost' })).toEqual(['teller.listen']);
    expect(problems({ listen: '127.0.0.1:99999' })).toEqual(['teller.listen']);
    expect(problems({ idleMs: 9 * 3_600_000 })).toEqual(['teller.idleMs']);
    expect(problems({ loginBaseDelayMs: 600_000 })).toEqual(['teller.loginBaseDelayMs']);
    expect(problems({ sessionMs: 1 })).toContain('teller.sessionMs');
    expect(problems({ password: 'x' })).toEqual(['teller']);
  });

  it('what counts as loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'kiosk.local', '128.0.0.1', '::ffff:10.0.0.1'])
      expect(isLoopback(host)).toBe(false);
    expect(parseListen('[::1]:8830')).toEqual({ host: '::1', port: 8830 });
    expect(parseListen(':8830')).toBeUndefined();
  });
});

describe('startTellerApi', () => {
  const base = { ...defaultConfig().teller, listen: '127.0.0.1:0' };

  it('binds loopback over HTTP with the state folder’s accounts', async () => {
    const stateDir = join(tempDir('state-'), 'state');
    const accounts = TellerAccounts.inStateDir(stateDir, cheapScrypt);
    await accounts.add(alice.name, Buffer.from(alice.password), new Date());
    accounts.close();
    const api = await startTellerApi({
      config: base,
      stateDir,
      home: '/',
      desk: new FakeTellerDesk(),
      scrypt: cheapScrypt,
    });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const answer = await fetch(`${api.url}/teller/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alice),
      });
      expect(answer.status).toBe(200);
    } finally {
      await api.close();
      await api.close();
    }
  });

  it('refuses to listen off loopback without TLS, even from a hand-made configuration', async () => {
    const started = startTellerApi({
      config: { ...base, listen: '0.0.0.0:0' },
      stateDir: tempDir('state-'),
      home: '/',
      desk: new FakeTellerDesk(),
      source: 'kiosk.yaml',
    });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/teller\.tls/);
  });

  it('a TLS file it cannot read is a configuration error naming the key', async () => {
    const started = startTellerApi({
      config: { ...base, tls: { cert: 'missing-cert.pem', key: 'missing-key.pem' } },
      stateDir: tempDir('state-'),
      home: tempDir('home-'),
      desk: new FakeTellerDesk(),
    });
    await expect(started).rejects.toThrow(/teller\.tls\.cert/);
  });

  it('serves HTTPS with the configured certificate', async () => {
    const home = tempDir('home-');
    const keys = await nodeCrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: '01',
        name: 'CN=teller.test',
        notBefore: new Date(Date.now() - 3_600_000),
        notAfter: new Date(Date.now() + 3_600_000),
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [
          new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
        ],
      },
      nodeCrypto,
    );
    const pkcs8 = Buffer.from(await nodeCrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    writeFileSync(join(home, 'cert.pem'), cert.toString('pem'));
    writeFileSync(join(home, 'key.pem'), keyPem, { mode: 0o600 });
    const api = await startTellerApi({
      config: { ...base, tls: { cert: 'cert.pem', key: 'key.pem' } },
      stateDir: 'state',
      home,
      desk: new FakeTellerDesk(),
      scrypt: cheapScrypt,
    });
    try {
      expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(
          `${api.url}/teller/queue`,
          { ca: cert.toString('pem'), agent: false },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(401);
    } finally {
      await api.close();
    }
  });
});
