import { spawn } from 'node:child_process';

/**
 * `kiosk ca serve` (`main`: dist/src/cli/main.js) on a free loopback port, as
 * test/support/caServer.ts starts it; `args` go before the command (`--config F`).
 */
export function caServe(main, dir, env, args = []) {
  const child = spawn(
    process.execPath,
    [main, ...args, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const stop = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`kiosk ca serve did not start: ${out}`));
    }, 15_000);
    child.stdout.on('data', () => {
      const match = /listening on http:\/\/([\d.]+:\d+)\/pkix\//.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ hostPort: match[1], url: `http://${match[1]}/pkix/`, pid: child.pid, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kiosk ca serve exited (${code}): ${out}`));
    });
  });
}
