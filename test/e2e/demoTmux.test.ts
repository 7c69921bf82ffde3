import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fsck, mdirPaths } from '../support/fatImages.js';
import {
  certificateSerial,
  pairsOnImage,
  requirePeers,
  sameSerial,
  tokenObjects,
} from '../support/kioskReal.js';
import { opensslPublicKeys } from '../support/opensslKeys.js';
import { tempDir } from '../support/tempDir.js';
import { TmuxKiosk } from '../support/tmux.js';

// Issue 15's acceptance, the demo end to end in a real terminal: `kiosk start` with no
// configuration in tmux (100×30), driven only by keys a person would press and waiting only for
// what the screen shows. One person plays visitor and teller (Ctrl-T). A whole issuance onto the
// demo's USB image and onto its SoftHSM token, each read back by outside tools (mdir/mcopy and
// openssl pkcs8; pkcs11-tool); a visit cancelled at the password step leaves nothing on the drive
// and no certificate on its reference. Each case has a kiosk home of its own (a fresh demo world).

const password = 'Kiosk!2345-visit';

interface DemoFacts {
  readonly name: string;
  readonly idn: string;
  readonly mrz: readonly [string, string, string];
  readonly tellerPassword: string;
  readonly pin: string;
}

let kiosk: TmuxKiosk | undefined;

beforeAll(() => {
  requirePeers({});
  if (spawnSync('sh', ['-c', 'command -v tmux']).status !== 0)
    throw new Error('tmux is missing (bash scripts/setup.sh installs it)');
});

afterEach(() => {
  kiosk?.kill();
  kiosk = undefined;
});

/** What the demo's bar tells the person (nothing is taken from the code: the screen is read). */
function barFacts(screen: string): DemoFacts {
  const grab = (pattern: RegExp): string => {
    const found = pattern.exec(screen)?.[1];
    if (found === undefined)
      throw new Error(`the bar does not show ${String(pattern)}:\n${screen}`);
    return found;
  };
  return {
    name: grab(/이름 (\S+)/),
    idn: grab(/주민번호 (\d{6}-\d{7})/).replace('-', ''),
    mrz: [grab(/여권 ([A-Z0-9<]{9}) /), grab(/여권 \S+ (\d{6}) /), grab(/여권 \S+ \d{6} (\d{6})/)],
    tellerPassword: grab(/창구 \S+ \/ (\S+)/),
    pin: grab(/토큰 PIN (\d+)/),
  };
}

/** From the first screen to the storage step: the form, the chip, and the teller's approval. */
async function toStorage(k: TmuxKiosk): Promise<DemoFacts> {
  const facts = barFacts(await k.waitFor('Enter 키를 눌러 시작하세요', 60_000));
  k.keys('Enter');
  await k.waitFor('무엇을 도와드릴까요');
  k.keys('Enter'); // 1. 신규 발급
  await k.waitFor('발급 기관과 인증서 종류를 고르세요');
  k.keys('Enter');
  await k.waitFor('신청서를 작성하세요');
  k.type(facts.name);
  k.keys('Tab');
  k.type(facts.idn);
  k.keys('Tab');
  k.type('010-1234-5678');
  await k.waitFor('010-1234-5678');
  k.keys('Enter');
  await k.waitFor('신분증을 준비하세요');
  k.keys('Enter'); // 1. 칩이 있는 신분증
  await k.waitFor('신분증 하단의 정보를 입력하세요');
  k.type(facts.mrz[0]);
  k.keys('Tab');
  k.type(facts.mrz[1]);
  k.keys('Tab');
  k.type(facts.mrz[2]);
  await k.waitFor(facts.mrz[2]);
  k.keys('Enter');
  await k.waitFor('직원이 확인하고 있습니다');
  // The teller's view: log in, open the visit, approve.
  k.keys('C-t');
  await k.waitFor('직원 로그인');
  k.type(facts.tellerPassword);
  k.keys('Enter');
  await k.waitFor(/>.*승인 대기/);
  k.keys('Enter');
  const visit = await k.waitFor('A 승인');
  expect(visit).toContain('수동 인증: 진본');
  k.keys('a');
  await k.waitFor('승인됨');
  k.keys('C-t');
  await k.waitFor('저장 매체를 고르세요');
  return facts;
}

/** Picks the storage list's item whose line matches `pattern`, by its number. */
async function pick(k: TmuxKiosk, pattern: RegExp): Promise<void> {
  const screen = await k.waitFor(pattern);
  const line = screen.split('\n').find((l) => pattern.test(l)) ?? '';
  const number = /(\d)\.\s/.exec(line)?.[1];
  if (number === undefined) throw new Error(`no numbered item for ${String(pattern)}:\n${screen}`);
  k.keys(number);
}

/** The result screen's serial, then finish and quit with Ctrl-C: the kiosk must exit 0. */
async function finishAndQuit(k: TmuxKiosk): Promise<string> {
  const done = await k.waitFor('발급이 끝났습니다', 90_000);
  // The certificate's facts (issue 15: CA, usage, valid until, renewal from).
  expect(done).toMatch(/발급기관: yessign\s+용도: 은행\/보험용/);
  expect(done).toMatch(/유효기간: \d{4}-\d{2}-\d{2}\s+갱신 가능일: \d{4}-\d{2}-\d{2}/);
  const serial = /일련번호: ([0-9a-f]+)/.exec(done)?.[1];
  if (serial === undefined) throw new Error(`no serial on the result screen:\n${done}`);
  k.keys('Enter');
  await k.waitFor('Enter 키를 눌러 시작하세요');
  k.keys('C-c');
  expect(await k.exited()).toBe(0);
  expect(k.stderr()).toBe('');
  return serial;
}

/** The embedded CA's database of a demo home, read-only. */
function caRows(home: string): {
  registrations: { ref: string; name: string; usedAt: number | null; holdsIdn: number }[];
  certificates: { serial: string; ref: string | null; status: string }[];
} {
  const db = new Database(join(home, 'var/demo/state/ca/ca.sqlite'), { readonly: true });
  try {
    return {
      registrations: db
        .prepare(
          'select ref, name, used_at as usedAt, idn_sealed is not null as holdsIdn from registrations',
        )
        .all() as never,
      certificates: db.prepare('select serial, ref, status from certificates').all() as never,
    };
  } finally {
    db.close();
  }
}

const imageOf = (home: string): string => join(home, 'var/demo/images/demo-usb.img');

describe('the demo in tmux (kiosk start with no configuration)', () => {
  it('issues onto the USB image: mdir finds the pair, openssl opens the key', async () => {
    const home = tempDir('demo-home-');
    const k = (kiosk = TmuxKiosk.start(['start'], home));
    await toStorage(k);
    await pick(k, /USB 메모리/);
    await k.waitFor('인증서 비밀번호를 정하세요');
    k.type(password);
    await k.waitFor('[v] 특수문자 포함');
    k.keys('Tab');
    k.type(password);
    k.keys('Enter');
    const serial = await finishAndQuit(k);

    const image = imageOf(home);
    expect(fsck(image).status).toBe(0);
    const pairs = pairsOnImage(image);
    expect(pairs).toHaveLength(1);
    const [pair] = pairs;
    if (pair === undefined) throw new Error('no pair');
    expect(sameSerial(certificateSerial(pair.cert))).toBe(sameSerial(serial));
    const out = tempDir('demo-pair-');
    writeFileSync(join(out, 'signCert.der'), pair.cert);
    writeFileSync(join(out, 'signPri.key'), pair.key);
    const keys = opensslPublicKeys(join(out, 'signPri.key'), join(out, 'signCert.der'), password);
    expect(keys.fromKey).toContain('BEGIN PUBLIC KEY');
    expect(keys.fromKey).toBe(keys.fromCert);
    const issued = caRows(home).certificates.filter((c) => c.status === 'issued');
    expect(issued.map((c) => sameSerial(c.serial))).toEqual([sameSerial(serial)]);
  }, 240_000);

  it('issues onto the SoftHSM token: pkcs11-tool lists the certificate, the key stays on it', async () => {
    const home = tempDir('demo-home-');
    const k = (kiosk = TmuxKiosk.start(['start'], home));
    const facts = await toStorage(k);
    await pick(k, /보안토큰 DEMO-TOKEN/);
    await k.waitFor('보안토큰 PIN을 입력하세요');
    k.type(facts.pin);
    k.keys('Enter');
    const serial = await finishAndQuit(k);

    process.env.SOFTHSM2_CONF = join(home, 'var/demo/softhsm/softhsm2.conf');
    const objects = tokenObjects('DEMO-TOKEN', facts.pin);
    const certs = objects.filter((o) => o.heading.startsWith('Certificate Object'));
    expect(certs).toHaveLength(1);
    const keys = objects.filter((o) => o.heading.startsWith('Private Key Object'));
    expect(keys).toHaveLength(1);
    expect(objects.some((o) => /pending/.test(o.attributes.label ?? ''))).toBe(false);
    const issued = caRows(home).certificates.filter((c) => c.status === 'issued');
    expect(issued.map((c) => sameSerial(c.serial))).toEqual([sameSerial(serial)]);
    // Nothing was written to the drive by a token issuance.
    expect(pairsOnImage(imageOf(home))).toEqual([]);
  }, 240_000);

  it('cancelled at the password step: nothing on the drive, no certificate on the reference', async () => {
    const home = tempDir('demo-home-');
    const k = (kiosk = TmuxKiosk.start(['start'], home));
    const facts = await toStorage(k);
    await pick(k, /USB 메모리/);
    await k.waitFor('인증서 비밀번호를 정하세요');
    k.type(password.slice(0, 6));
    await k.waitFor('******');
    k.keys('F10');
    await k.waitFor('Enter 키를 눌러 시작하세요');
    k.keys('C-c');
    expect(await k.exited()).toBe(0);

    const image = imageOf(home);
    expect(fsck(image).status).toBe(0);
    expect(mdirPaths(image).filter((p) => /^\/NPKI\//i.test(p) || /\.kiosk-/i.test(p))).toEqual([]);
    const { registrations, certificates } = caRows(home);
    const mine = registrations.filter((r) => r.name === facts.name);
    expect(mine).toHaveLength(1);
    const [registration] = mine;
    // The reference bought nothing: no certificate of any status names it, and the kiosk closed
    // it at the cancel, so its sealed IDN is gone and no later request can use it.
    expect(certificates.filter((c) => c.ref === registration?.ref)).toEqual([]);
    expect(registration?.holdsIdn).toBe(0);
    // The demo's world stays for the next start; nothing of the visit is left in its folders.
    expect(readdirSync(join(home, 'var/demo/images'))).toEqual(['demo-usb.img']);
  }, 240_000);
});
