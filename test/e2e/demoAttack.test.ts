import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsck, mdirPaths } from '../support/fatImages.js';
import { tempDir } from '../support/tempDir.js';
import { TmuxKiosk } from '../support/tmux.js';

// Attacks on `kiosk start`'s demo in a real terminal (tmux), each a break that was found and
// fixed: the terminal going away mid-issuance (a killed tmux: SIGHUP, then EIO on every write)
// crashed the stop with a stack trace and a Node abort before the kiosk was closed; a second demo
// on the same home came up and would have cancelled the first one's visits as a crash's
// leftovers; a terminal made tiny crashed the teller view (a negative String.repeat).

const password = 'Kiosk!2345-visit';
const kiosks: TmuxKiosk[] = [];
afterEach(() => {
  for (const k of kiosks.splice(0)) k.kill();
});

function start(home: string, width = 100, height = 30): TmuxKiosk {
  const k = TmuxKiosk.start(['start'], home, width, height);
  kiosks.push(k);
  return k;
}

/** The pids of `kiosk start` processes whose KIOSK_HOME is `home`. */
function kioskPids(home: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (env.includes(`KIOSK_HOME=${home}`) && cmd.startsWith(`${process.execPath}\0`))
        pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Resizes the tmux window the kiosk of `home` runs in (its socket read from the kiosk's TMUX). */
function resize(home: string, width: number, height: number): void {
  const [pid] = kioskPids(home);
  if (pid === undefined) throw new Error('no kiosk runs');
  const env = readFileSync(`/proc/${String(pid)}/environ`, 'utf8').split('\0');
  const socket = env
    .find((v) => v.startsWith('TMUX='))
    ?.slice(5)
    .split(',')[0];
  if (socket === undefined) throw new Error('the kiosk runs outside tmux');
  const run = spawnSync('tmux', [
    '-S',
    socket,
    'resize-window',
    '-x',
    String(width),
    '-y',
    String(height),
  ]);
  expect(run.status, run.stderr.toString()).toBe(0);
}

function grab(screen: string, pattern: RegExp): string {
  const found = pattern.exec(screen)?.[1];
  if (found === undefined) throw new Error(`no ${String(pattern)}:\n${screen}`);
  return found;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Polls until `check` holds or `timeoutMs` passed; the last value. */
async function until<T>(read: () => T, check: (value: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = read();
  }
  return value;
}

/** To the password step, both typed; returns the IDN the visitor typed. */
async function toPassword(k: TmuxKiosk): Promise<string> {
  const bar = await k.waitFor('Enter 키를 눌러 시작하세요', 60_000);
  const name = grab(bar, /이름 (\S+)/);
  const idn = grab(bar, /주민번호 (\d{6}-\d{7})/).replace('-', '');
  const mrz = [
    grab(bar, /여권 ([A-Z0-9<]{9}) /),
    grab(bar, /여권 \S+ (\d{6}) /),
    grab(bar, /여권 \S+ \d{6} (\d{6})/),
  ];
  const tellerPassword = grab(bar, /창구 \S+ \/ (\S+)/);
  k.keys('Enter');
  await k.waitFor('무엇을 도와드릴까요');
  k.keys('Enter');
  await k.waitFor('발급 기관과 인증서 종류를 고르세요');
  k.keys('Enter');
  await k.waitFor('신청서를 작성하세요');
  k.type(name);
  k.keys('Tab');
  k.type(idn);
  k.keys('Tab');
  k.type('010-1234-5678');
  await k.waitFor('010-1234-5678');
  k.keys('Enter');
  await k.waitFor('신분증을 준비하세요');
  k.keys('Enter');
  await k.waitFor('신분증 하단의 정보를 입력하세요');
  k.type(mrz[0] ?? '');
  k.keys('Tab');
  k.type(mrz[1] ?? '');
  k.keys('Tab');
  k.type(mrz[2] ?? '');
  await k.waitFor(mrz[2] ?? '');
  k.keys('Enter');
  await k.waitFor('직원이 확인하고 있습니다');
  k.keys('C-t');
  await k.waitFor('직원 로그인');
  k.type(tellerPassword);
  k.keys('Enter');
  await k.waitFor(/>.*승인 대기/);
  k.keys('Enter');
  await k.waitFor('A 승인');
  k.keys('a');
  await k.waitFor('승인됨');
  k.keys('C-t');
  const screen = await k.waitFor('저장 매체를 고르세요');
  const line = screen.split('\n').find((l) => /USB 메모리/.test(l)) ?? '';
  k.keys(grab(line, /(\d)\.\s/));
  await k.waitFor('인증서 비밀번호를 정하세요');
  k.type(password);
  await k.waitFor('[v] 특수문자 포함');
  k.keys('Tab');
  k.type(password);
  return idn;
}

describe('the demo attacked (kiosk start with no configuration, in tmux)', () => {
  it('the terminal killed mid-issuance: the process ends without a crash, the next start recovers, no secret kept', async () => {
    const home = tempDir('demo-atk-');
    const k = start(home);
    const idn = await toPassword(k);
    k.keys('Enter');
    await k.waitFor('인증서를 발급하고 있습니다');
    k.kill();
    expect(
      await until(
        () => kioskPids(home),
        (p) => p.length === 0,
        15_000,
      ),
    ).toEqual([]);
    // Before the fix: "Error: write EIO" (blessed's leave on the dead tty) and Node's
    // "Assertion failed" in ResetStdio (tcsetattr on the hung-up tty).
    expect(k.stderr()).toBe('');
    const image = join(home, 'var/demo/images/demo-usb.img');
    expect(fsck(image).status).toBe(0);

    const again = start(home);
    await again.waitFor('Enter 키를 눌러 시작하세요', 30_000);
    again.keys('C-c');
    expect(await again.exited()).toBe(0);
    expect(again.stderr()).toBe('');
    expect(fsck(image).status).toBe(0);
    expect(mdirPaths(image).filter((p) => /\.kiosk-/i.test(p))).toEqual([]);
    const log = readFileSync(join(home, 'var/log/kiosk.jsonl'), 'utf8');
    expect(log).toContain('visit recovered after the kiosk stopped mid-visit');
    // The visitor's password and resident number are in no file of the kiosk's (log, state).
    const secrets = [password, idn, `${idn.slice(0, 6)}-${idn.slice(6)}`];
    for (const file of [
      ...filesUnder(join(home, 'var/log')),
      ...filesUnder(join(home, 'var/demo/state')),
    ]) {
      const bytes = readFileSync(file);
      for (const secret of secrets)
        expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  }, 60_000);

  it('a second demo on the same home is refused in one line; the first runs on', async () => {
    const home = tempDir('demo-atk-');
    const first = start(home);
    await first.waitFor('Enter 키를 눌러 시작하세요', 60_000);
    const second = start(home);
    expect(await second.exited()).toBe(1);
    expect(second.stderr()).toMatch(
      /^kiosk: KIOSK_RUNNING: another kiosk \(pid \d+\) runs on this state folder[^\n]*\n$/,
    );
    first.keys('Enter');
    await first.waitFor('무엇을 도와드릴까요');
    first.keys('C-c');
    expect(await first.exited()).toBe(0);
    expect(first.stderr()).toBe('');
  }, 60_000);

  it('made one cell small and back, on either view: it draws again and quits cleanly', async () => {
    const home = tempDir('demo-atk-');
    const k = start(home, 20, 5);
    await k.waitFor('데모', 60_000);
    k.keys('C-t');
    for (const [w, h] of [
      [1, 1],
      [2, 2],
      [10, 4],
      [30, 8],
    ] as const) {
      resize(home, w, h);
      await new Promise((r) => setTimeout(r, 150));
    }
    k.keys('C-t');
    for (const [w, h] of [
      [1, 1],
      [40, 10],
    ] as const) {
      resize(home, w, h);
      await new Promise((r) => setTimeout(r, 150));
    }
    resize(home, 80, 24);
    await k.waitFor('Enter 키를 눌러 시작하세요');
    k.keys('C-t');
    await k.waitFor('직원 로그인');
    k.keys('C-c');
    expect(await k.exited()).toBe(0);
    expect(k.stderr()).toBe('');
  }, 60_000);
});
