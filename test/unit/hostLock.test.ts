import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireHostLock } from '../support/hostLock.js';

// Issue 11 item 23: two test runs on one host wait for each other at pcscd instead of failing.

/** A lock as another, living, test run holds it: its folder naming a process that runs. */
function heldByAnother(name: string): { release: () => void; stop: () => void } {
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  const dir = join(tmpdir(), `npki-kiosk-${name}.lock`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'owner'), String(other.pid));
  return {
    release: () => {
      rmSync(dir, { recursive: true, force: true });
    },
    stop: () => other.kill(),
  };
}

const unique = (what: string): string => `${what}-${String(process.pid)}-${String(Date.now())}`;

describe('acquireHostLock', () => {
  it('waits while another run holds it, and gets it once that run lets go', async () => {
    const name = unique('held');
    const other = heldByAnother(name);
    try {
      await expect(acquireHostLock(name, { timeoutMs: 300, pollMs: 20 })).rejects.toThrow(
        /held by pid \d+ \(another test run\)/,
      );
      let acquired = false;
      const waiting = acquireHostLock(name, { timeoutMs: 30_000, pollMs: 20 }).then((r) => {
        acquired = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(acquired).toBe(false);
      other.release();
      const release = await waiting;
      // Now ours: a third party waits in turn.
      await expect(acquireHostLock(name, { timeoutMs: 100, pollMs: 20 })).rejects.toThrow(
        new RegExp(`held by pid ${String(process.pid)}`),
      );
      release();
    } finally {
      other.stop();
      other.release();
    }
  });

  it('a lock whose holder died is taken over', async () => {
    const name = unique('stale');
    const other = heldByAnother(name);
    other.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const release = await acquireHostLock(name, { timeoutMs: 5000, pollMs: 20 });
    release();
  });
});
