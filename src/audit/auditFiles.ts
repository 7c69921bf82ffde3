import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { AuditLogOptions } from './auditLog.js';
import { sinkOf } from './checkpointSink.js';
import { publicKeyFileOf } from './kioskKey.js';

// Where the audit log's files are, from the configuration (README "Configuration"): relative
// paths are taken from the kiosk home, as every path in the configuration is.

export interface AuditFiles {
  /** The SQLite log: `audit.file`, or `<stateDir>/audit.sqlite`. */
  readonly file: string;
  /** The signed checkpoints beside it: `audit.checkpoints.jsonl` for `audit.sqlite`. */
  readonly checkpointsFile: string;
  /** The kiosk's Ed25519 key: `<stateDir>/audit-key.pem`, owner-only. */
  readonly keyFile: string;
  /** Its public half, for inspectors: `<stateDir>/audit-key.pub.pem`. */
  readonly publicKeyFile: string;
}

/** The audit files of the configuration, with `home` the kiosk home. */
export function auditFiles(config: Config, home: string): AuditFiles {
  const stateDir = resolve(home, config.stateDir);
  const file = resolve(home, config.audit.file ?? join(config.stateDir, 'audit.sqlite'));
  const keyFile = join(stateDir, 'audit-key.pem');
  return {
    file,
    checkpointsFile: checkpointsFileOf(file),
    keyFile,
    publicKeyFile: publicKeyFileOf(keyFile),
  };
}

/** The checkpoints file beside a log: its name without the extension, `.checkpoints.jsonl`. */
export function checkpointsFileOf(file: string): string {
  const name = basename(file).replace(/\.(sqlite3?|db)$/, '');
  return join(dirname(file), `${name}.checkpoints.jsonl`);
}

/** What openAuditLog needs from the configuration (the service adds its clock and log). */
export function auditLogOptions(
  config: Config,
  home: string,
): Pick<
  AuditLogOptions,
  'file' | 'checkpointsFile' | 'keyFile' | 'sink' | 'checkpointEvery' | 'checkpointIntervalMs'
> {
  const { file, checkpointsFile, keyFile } = auditFiles(config, home);
  const { sink } = config.audit;
  return {
    file,
    checkpointsFile,
    keyFile,
    sink: sinkOf(sink.kind === 'file' ? { kind: 'file', path: resolve(home, sink.path) } : sink),
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalMs,
  };
}
