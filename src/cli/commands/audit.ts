// `kiosk audit verify` and `kiosk audit show` (issue 14 item 2): the audit log for an inspector.
// Both open the log read-only; neither needs the kiosk to be stopped.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { auditFiles, checkpointsFileOf } from '../../audit/auditFiles.js';
import { AuditStore } from '../../audit/auditStore.js';
import { entryHeading, entryLine, shownEntries } from '../../audit/inspect.js';
import { readPublicKey } from '../../audit/kioskKey.js';
import { verifyAuditLog, type VerifyReport } from '../../audit/verify.js';
import { AuditTamperedError, AuditUnavailableError, describeFault } from '../../errors/audit.js';
import { InputFileError } from '../../errors/index.js';
import { kioskHome, type CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';

type ContextFactory = () => Promise<CliContext>;

interface VerifyOptions {
  log?: string;
  checkpoint?: string[];
  publicKey?: string;
  json?: boolean;
}

interface ShowOptions {
  log?: string;
  visit?: string;
  json?: boolean;
}

/** Adds `kiosk audit verify` and `kiosk audit show`. */
export function registerAuditCommands(program: Command, context: ContextFactory): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description(
      'check the hash chain and the signed checkpoints; exit 1 naming the first bad entry',
    )
    .option('--log <file>', 'the audit log (default: audit.file, or <stateDir>/audit.sqlite)')
    .option(
      '--checkpoint <file>',
      'signed checkpoints to check against, e.g. the copy on another mount or lines from syslog (repeatable; default: the file beside the log)',
      (file: string, files: string[] | undefined) => [...(files ?? []), file],
    )
    .option(
      '--public-key <file>',
      'the kiosk’s public key (PEM) checkpoints must be signed with (default: the kiosk’s own key)',
    )
    .option('--json', 'print one JSON document (also when verification fails)')
    .action(async (options: VerifyOptions) => {
      const ctx = await context();
      const files = auditFiles(ctx.config, kioskHome());
      const log = options.log === undefined ? files.file : resolve(options.log);
      const store = AuditStore.openForReading(log);
      let report: VerifyReport;
      try {
        const checkpointFiles = checkpointFilesOf(options.checkpoint ?? [], log);
        const publicKey = kioskPublicKey(options.publicKey, files.keyFile, files.publicKeyFile);
        report = verifyAuditLog({ store, checkpointFiles, publicKey });
      } finally {
        store.close();
      }
      ctx.log.info(
        { log, entries: report.entries, ok: report.ok, faults: report.faults.length },
        'audit verify',
      );
      if (options.json === true) writeJson(ctx.stdout, { log, ...report });
      else writeLines(ctx.stdout, describeReport(log, report));
      const [first] = report.faults;
      if (first !== undefined) throw new AuditTamperedError(first, report.faults);
    });

  audit
    .command('show')
    .description('list the entries (all, or one visit’s) for an inspector; does not verify')
    .option('--log <file>', 'the audit log (default: audit.file, or <stateDir>/audit.sqlite)')
    .option('--visit <id>', 'only this visit’s entries')
    .option('--json', 'print one JSON document')
    .action(async (options: ShowOptions) => {
      const ctx = await context();
      const log =
        options.log === undefined ? auditFiles(ctx.config, kioskHome()).file : resolve(options.log);
      const store = AuditStore.openForReading(log);
      try {
        const entries = shownEntries(store, options.visit);
        if (options.json === true) writeJson(ctx.stdout, { log, entries: [...entries] });
        else {
          writeLines(ctx.stdout, [entryHeading]);
          // Line by line: a branch's log holds years of entries.
          for (const entry of entries) writeLines(ctx.stdout, [entryLine(entry)]);
        }
      } finally {
        store.close();
      }
    });
}

/** The files given, each of which must exist; or the one beside the log, if it exists. */
function checkpointFilesOf(given: readonly string[], log: string): string[] {
  if (given.length > 0) {
    for (const file of given)
      if (!existsSync(file)) throw new InputFileError(file, 'no such checkpoints file');
    return given.map((file) => resolve(file));
  }
  const beside = checkpointsFileOf(log);
  return existsSync(beside) ? [beside] : [];
}

/**
 * `--public-key`, else the kiosk's own: the public half of its key file, or the `.pub.pem` beside
 * it where the key file is not readable (an inspector's account).
 */
function kioskPublicKey(given: string | undefined, keyFile: string, publicFile: string): KeyObject {
  if (given !== undefined) return readPublicKey(resolve(given));
  for (const file of [keyFile, publicFile]) {
    if (!existsSync(file)) continue;
    try {
      return readPublicKey(file);
    } catch (error) {
      if (file === publicFile) throw error;
    }
  }
  throw new AuditUnavailableError(
    keyFile,
    'no kiosk key here: name its public key with --public-key',
  );
}

function describeReport(log: string, report: VerifyReport): string[] {
  const head = report.head === null ? 'empty' : `head entry ${report.head.seq} ${report.head.hash}`;
  const newest = report.checkpoints.newest;
  return [
    `audit log: ${log}: ${report.entries} entries, ${head}`,
    `checkpoints: ${report.checkpoints.valid} signed by key ${report.keyId}` +
      (newest === null ? '' : `, the newest for entry ${newest.seq} at ${newest.at}`),
    ...(report.ok ? ['ok'] : report.faults.map((fault) => `FAILED: ${describeFault(fault)}`)),
  ];
}
