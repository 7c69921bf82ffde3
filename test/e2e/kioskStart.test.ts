import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, runKiosk } from '../support/kiosk.js';
import { startKiosk } from '../support/kioskProcess.js';
import { pcscdRunning } from '../support/pcscd.js';
import { tempDir } from '../support/tempDir.js';

// Issue 13 item 2, end to end through the built CLI: `kiosk start --headless` on the machine's
// devices with the embedded CA (no kiosk.ca: made under the state folder, served on loopback),
// its first JSON line naming the state and where the CA and RA endpoint are; SIGTERM stops it
// with exit 0 and both ports closed. Without pcscd (the usual case on a build machine) it is out
// of service with pcscGone; a pcscd another test started meanwhile may show its readers.

interface Line {
  kiosk: string;
  problems: string[];
  visit: unknown;
  ca?: string;
  ra?: string;
  teller?: string;
}

/** Whether a TCP connection to 127.0.0.1:`port` is refused (nothing listens). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED');
    });
  });
}

const portOf = (url: string | undefined): number => Number(/:(\d+)(\/|$)/.exec(url ?? '')?.[1]);

describe('kiosk start', () => {
  it('with screens but no terminal says it needs one (usage error)', () => {
    expectError(runKiosk(['start']), 'CLI_USAGE', /screens need a terminal/);
  });

  it('refuses a configuration naming a CA without its RA endpoint, by key', () => {
    const home = tempDir('start-home-');
    const config = join(home, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ kiosk: { ca: { url: 'ca:80', trust: 'c.pem' } } }));
    const run = runKiosk(['--config', config, 'start', '--headless'], home);
    expectError(run, 'CONFIG_INVALID', /kiosk\.ca\.url: .*kiosk\.ra: /);
  });

  it('runs headless on embedded defaults and stops on SIGTERM with its ports closed', async () => {
    const home = tempDir('start-home-');
    const config = join(home, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({ log: { level: 'info' }, teller: { listen: '127.0.0.1:0' } }),
    );
    const withoutPcscd = !pcscdRunning();
    const kiosk = await startKiosk(
      ['--config', config, 'start', '--headless'],
      /^(\{"kiosk".*\})$/m,
      home,
    );
    const first = JSON.parse(kiosk.ready[1] ?? '') as Line;
    expect(first.visit).toBeNull();
    expect(first.ca).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pkix\/$/);
    expect(first.ra).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    // The teller API starts with the kiosk, on loopback.
    expect(first.teller).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    // The embedded CA answers: only the card readers can keep it out of service.
    expect(first.problems.every((p) => p === 'pcscGone' || p === 'noReader')).toBe(true);
    expect(first.kiosk).toBe(first.problems.length === 0 ? 'ready' : 'outOfService');
    if (withoutPcscd && !pcscdRunning()) expect(first.problems).toEqual(['pcscGone']);
    const ports = [portOf(first.ca), portOf(first.ra), portOf(first.teller)];
    expect(await Promise.all(ports.map(refused))).toEqual([false, false, false]);

    await kiosk.stop();
    expect(kiosk.child.exitCode).toBe(0);
    expect(kiosk.output()).not.toMatch(/^\s+at /m);
    expect(await Promise.all(ports.map(refused))).toEqual([true, true, true]);
  });
});
