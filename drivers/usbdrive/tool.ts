import { spawn } from 'node:child_process';
import { DriveIoError } from './errors.js';

export interface ToolRun {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface ToolOptions {
  /** The caller's cancellation (the visitor walked away, the service stops). */
  readonly signal?: AbortSignal;
  /** Hard limit for this one command; 30 s if absent. */
  readonly timeoutMs?: number;
  /** Standard output beyond this is a failure, not a buffer that grows without end. */
  readonly maxStdoutBytes?: number;
}

/** Output bytes kept by default: listings and one NPKI file fit with room to spare. */
const defaultMaxStdout = 1024 * 1024;

/**
 * Runs an external tool (mtools, dosfstools) with a timeout and the caller's AbortSignal, no
 * shell, stdin closed (mtools would otherwise ask on a clash), and `LANG=C.UTF-8`: DESIGN §3.4,
 * without it mtools writes Korean names as `____`. A tool that cannot start, times out, is
 * aborted or floods its output rejects with DriveIoError; a non-zero status resolves, for the
 * caller to classify with what it knows about the operation.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: ToolOptions = {},
): Promise<ToolRun> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const maxStdout = options.maxStdoutBytes ?? defaultMaxStdout;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' },
      signal,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let flooded = false;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxStdout) {
        flooded = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      const why = timeout.aborted
        ? 'timed out'
        : options.signal?.aborted === true
          ? 'was cancelled'
          : 'could not start';
      reject(new DriveIoError(`${command} ${why}`, { cause: error }));
    });
    child.on('close', (status, killedBy) => {
      if (flooded) {
        reject(new DriveIoError(`${command} wrote more than ${String(maxStdout)} bytes`));
        return;
      }
      // Aborted or timed out: 'error' has rejected. Killed otherwise (a resource limit): say so.
      if (status === null) {
        if (!signal.aborted)
          reject(new DriveIoError(`${command} was killed by ${String(killedBy)}`));
        return;
      }
      resolve({ status, stdout: Buffer.concat(out), stderr: err.trim() });
    });
  });
}
