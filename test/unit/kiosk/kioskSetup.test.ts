import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCa } from '../../../src/ca/caFiles.js';
import { CaDatabase } from '../../../src/ca/database.js';
import { parseConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors/index.js';
import { caAnswers } from '../../../src/kiosk/run/caCheck.js';
import { demoBranch } from '../../../src/kiosk/run/embeddedCa.js';
import { prepareKiosk, type KioskSetup } from '../../../src/kiosk/run/setup.js';
import { createLogger } from '../../../src/log/logger.js';
import type { Devices } from '../../../src/service/devices.js';
import type { ServiceContext } from '../../../src/service/medium.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 13 item 2: what `kiosk start` runs with. Without kiosk.ca the embedded CA under the state
// folder is made (as `kiosk ca init` makes it), served on loopback, and reached over the network
// with its own RA client certificate (demo-branch), kept and reused, issued again once revoked.
// With kiosk.ca and kiosk.ra a branch's CA is used from the files they name; every file that
// cannot serve is a CONFIG_INVALID naming its key.

const log = createLogger({ level: 'silent', destination: null });

/** A context over `config` (JSON text); the setup touches no device. */
function contextOf(text: string): ServiceContext {
  return {
    config: parseConfig(text, 'kiosk.json'),
    log,
    now: () => new Date(),
    devices: {} as Devices,
  };
}

/** The problems' keys of a ConfigError. */
async function failingKeys(work: Promise<unknown>): Promise<string[]> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.problems.map((p) => p.key);
}

const registration = {
  name: '홍길동',
  idn: Buffer.from('9001011234568'),
  profile: 'restricted',
  approvedBy: 'teller-07',
  evidence: 'chipVerified',
} as const;

describe('the kiosk configuration', () => {
  it('names each wrong kiosk key', () => {
    const keysOf = (text: string): string[] => {
      try {
        parseConfig(text, 'kiosk.json');
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((p) => p.key);
        throw error;
      }
      return [];
    };
    expect(keysOf('{"kiosk": {"ca": {"url": "http://ca:80/pkix/", "trust": "c.pem"}}}')).toEqual([
      'kiosk.ra',
    ]);
    expect(
      keysOf('{"kiosk": {"ra": {"url": "https://ra:8443", "cert": "c", "key": "k"}}}'),
    ).toEqual(['kiosk.ca']);
    expect(
      keysOf(
        '{"kiosk": {"ca": {"url": "ftp://x", "trust": "t"}, "ra": {"url": "http://ra", "cert": "c", "key": "k", "pin": 1}}}',
      ).sort(),
    ).toEqual(['kiosk.ca.url', 'kiosk.ra.pin', 'kiosk.ra.url']);
    expect(keysOf('{"kiosk": {"caRecheckMs": 10, "caCheckTimeoutMs": 10}}').sort()).toEqual([
      'kiosk.caCheckTimeoutMs',
      'kiosk.caRecheckMs',
    ]);
  });

  it('refuses an ID authenticity service this build does not have, rather than run without', async () => {
    const home = tempDir('kiosk-home-');
    const asked = contextOf('{"kiosk": {"idAuthenticity": {"enabled": true}}}');
    expect(await failingKeys(prepareKiosk(asked, home))).toEqual(['kiosk.idAuthenticity.enabled']);
  });
});

describe('prepareKiosk', () => {
  const home = tempDir('kiosk-home-');
  let embedded: KioskSetup;
  let firstCert: string;

  beforeAll(async () => {
    embedded = await prepareKiosk(contextOf('{}'), home);
    firstCert = readFileSync(join(home, 'var/state/ra', `${demoBranch}.crt.pem`), 'utf8');
  }, 60_000);
  afterAll(() => embedded.close());

  it('runs the embedded CA on loopback and registers over mutual TLS as demo-branch', async () => {
    expect(embedded.ca.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pkix\/$/);
    expect(embedded.raUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(embedded.ca.trust.anchors).toHaveLength(2);
    expect(embedded.institutions.map((i) => i.id)).toEqual(['demo-bank']);
    await expect(caAnswers(embedded.ca.url, 2000)).resolves.toBeUndefined();
    const made = await embedded.ra.register(registration);
    expect(made.ref).toMatch(/\S/);
    // The CA recorded which RA client registered the visitor: the kiosk's own.
    const material = await loadCa(join(home, 'var/state/ca'));
    const db = new CaDatabase(material.databasePath, material.sealKey);
    try {
      expect(db.activeRaClient(demoBranch)).toBeDefined();
    } finally {
      db.close();
    }
  });

  it('keeps its RA client certificate, and issues a new one once it is revoked', async () => {
    await embedded.close();
    const second = await prepareKiosk(contextOf('{}'), home);
    await second.close();
    const kept = readFileSync(join(home, 'var/state/ra', `${demoBranch}.crt.pem`), 'utf8');
    expect(kept).toBe(firstCert);
    const material = await loadCa(join(home, 'var/state/ca'));
    const db = new CaDatabase(material.databasePath, material.sealKey);
    db.revokeRaClient(demoBranch, Date.now());
    db.close();
    embedded = await prepareKiosk(contextOf('{}'), home);
    const renewed = readFileSync(join(home, 'var/state/ra', `${demoBranch}.crt.pem`), 'utf8');
    expect(renewed).not.toBe(firstCert);
    await expect(embedded.ra.register(registration)).resolves.toMatchObject({});
  });

  it('closes the embedded CA’s ports', async () => {
    const setup = await prepareKiosk(contextOf('{}'), tempDir('kiosk-home-'));
    await setup.close();
    await setup.close();
    await expect(caAnswers(setup.ca.url, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('uses a branch’s CA and RA endpoint from the files kiosk.ca and kiosk.ra name', async () => {
    const dir = tempDir('branch-');
    const material = await loadCa(join(home, 'var/state/ca'));
    const pem = (c: { toString(f: 'pem'): string }): string => c.toString('pem');
    const chain = [material.issuing, material.root, material.raEncryption].map((i) =>
      pem(i.certificate),
    );
    writeFileSync(join(dir, 'chain.pem'), chain.join('\n'));
    writeFileSync(join(dir, 'no-ra-encryption.pem'), chain.slice(0, 2).join('\n'));
    // The embedded kiosk's own RA client files serve as a branch's here.
    const ra = join(home, 'var/state/ra');
    mkdirSync(join(dir, 'csca'));
    writeFileSync(join(dir, 'csca', 'root.pem'), chain[1] ?? '');
    const branch = (trust: string, extra = ''): string =>
      JSON.stringify({
        kiosk: {
          ca: { url: embedded.ca.url, trust },
          ra: {
            url: embedded.raUrl,
            cert: join(ra, `${demoBranch}.crt.pem`),
            key: join(ra, `${demoBranch}.key.pem`),
          },
          ...(extra === '' ? {} : { csca: extra }),
        },
      });
    const setup = await prepareKiosk(contextOf(branch('chain.pem', 'csca')), dir);
    try {
      expect(setup.ca.url).toBe(embedded.ca.url);
      expect(setup.cscaTrust?.cscas).toHaveLength(1);
      await expect(setup.ra.register(registration)).resolves.toMatchObject({});
    } finally {
      await setup.close();
    }
    expect(await failingKeys(prepareKiosk(contextOf(branch('missing.pem')), dir))).toEqual([
      'kiosk.ca.trust',
    ]);
    expect(await failingKeys(prepareKiosk(contextOf(branch('no-ra-encryption.pem')), dir))).toEqual(
      ['kiosk.ca.trust'],
    );
    expect(
      await failingKeys(prepareKiosk(contextOf(branch('chain.pem', 'empty-csca')), dir)),
    ).toEqual(['kiosk.csca']);
  });
});
