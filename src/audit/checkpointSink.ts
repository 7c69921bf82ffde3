import { execFile } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

// Where a signed checkpoint goes besides the file beside the log (DESIGN §6: kept outside the
// log, where whoever can rewrite the log cannot reach): a file on another mount, or a syslog
// line, which the host's syslog daemon forwards wherever the operator sends such lines.

/** A place checkpoints are sent to. `send` rejects when the line did not get there. */
export interface CheckpointSink {
  /** For the log: `file:/mnt/audit/kiosk-7.jsonl`, `syslog`. */
  readonly name: string;
  send(line: string): Promise<void>;
}

/** The configuration's `audit.sink`. */
export type SinkConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'syslog'; readonly server?: string | undefined };

/** `path` already resolved against the kiosk home. */
export function sinkOf(config: SinkConfig): CheckpointSink | undefined {
  switch (config.kind) {
    case 'none':
      return undefined;
    case 'file':
      return fileSink(config.path);
    case 'syslog':
      return syslogSink(config.server === undefined ? {} : { server: config.server });
  }
}

/** Appends each line to `path` (made owner-only), flushed to the disk before `send` resolves. */
export function fileSink(path: string): CheckpointSink {
  return {
    name: `file:${path}`,
    async send(line) {
      const handle = await open(path, 'a', 0o600);
      try {
        await handle.write(`${line}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

/** How long `logger` may take before the send counts as failed. */
const loggerTimeoutMs = 10_000;

export interface SyslogOptions {
  /** `host:port` of a remote syslog server (UDP); absent: the host's own syslog (/dev/log). */
  readonly server?: string;
  /** The `logger` program (tests may name another). */
  readonly command?: string;
}

/**
 * One syslog line per checkpoint through util-linux's `logger` (Debian's bsdutils, an Essential
 * package), tag `kiosk-audit`, facility auth, priority notice. Chosen over sending the datagram
 * ourselves: Node's dgram cannot send to the local syslog's AF_UNIX datagram socket (/dev/log),
 * and `logger --socket-errors=on` exits non-zero when the line was not delivered there (no
 * syslog daemon, no socket), so a failure is seen rather than lost. With `server`, `logger` sends
 * the line over UDP to that host itself (RFC 5424 transport, no delivery guarantee: prefer the
 * local daemon forwarding over TCP where it matters).
 */
export function syslogSink(options: SyslogOptions = {}): CheckpointSink {
  const remote = options.server === undefined ? [] : serverArgs(options.server);
  const args = ['--socket-errors=on', '-t', 'kiosk-audit', '-p', 'auth.notice', ...remote];
  return {
    name: options.server === undefined ? 'syslog' : `syslog:${options.server}`,
    send(line) {
      return new Promise((resolve, reject) => {
        execFile(
          options.command ?? 'logger',
          [...args, '--', line],
          { timeout: loggerTimeoutMs },
          (error, _stdout, stderr) => {
            if (error === null) resolve();
            else
              reject(
                new Error(`logger failed: ${stderr.trim() || error.message}`, { cause: error }),
              );
          },
        );
      });
    },
  };
}

function serverArgs(server: string): string[] {
  const colon = server.lastIndexOf(':');
  const host = server.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return ['--udp', '--server', host, '--port', server.slice(colon + 1)];
}

/**
 * Appends one line to the checkpoints file beside the log and flushes it to the disk before
 * returning: the checkpoint exists locally before the kiosk goes on.
 */
export function appendLineSync(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
