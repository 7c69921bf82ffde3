import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadCscaTrust } from '../../../drivers/emrtd/sod.js';
import { verificationFailures } from '../../document/readDocument.js';
import { readDocument } from '../../service/document.js';
import { DocumentNotVerifiedError, InputFileError } from '../../errors/index.js';
import { readBoundedFile } from '../../shared/readBoundedFile.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { registerVirtualCard } from './cardVirtual.js';

interface ReadOptions {
  mrzFile: string;
  reader?: string;
  csca?: string;
  photoOut?: string;
  json?: boolean;
}

/** `kiosk card …`: ID documents through PC/SC (DESIGN §3.1, §3.2). */
export function registerCardCommands(program: Command, context: () => Promise<CliContext>): void {
  const card = program.command('card').description('ID document chips (ICAO 9303 eMRTD)');
  card
    .command('read')
    .description(
      'read and verify an eMRTD: BAC with the MRZ, data groups, Passive and Active Authentication',
    )
    .requiredOption('--mrz-file <file>', 'the MRZ lines (2 or 3), as printed on the document')
    .option('--reader <name>', 'the reader (default: the first with a card)')
    .option('--csca <dir>', 'folder of trusted CSCA certificates (Passive Authentication)')
    .option('--photo-out <file>', 'write the face image here (JPEG or JPEG 2000 as on the chip)')
    .option('--json', 'print one JSON document')
    .action(async (options: ReadOptions) => {
      const ctx = await context();
      const mrz = await readMrzFile(options.mrzFile);
      const trust = options.csca === undefined ? undefined : await loadCscaTrust(options.csca);
      let reading;
      try {
        reading = await readDocument(ctx, {
          mrz,
          ...(options.reader === undefined ? {} : { reader: options.reader }),
          ...(trust === undefined ? {} : { trust }),
          onProgress: (p) => {
            ctx.log.debug({ fid: p.fid, bytesRead: p.bytesRead, total: p.total }, 'card read');
          },
        });
      } finally {
        await ctx.devices.close();
      }
      const photo = reading.photo;
      if (photo !== undefined && options.photoOut !== undefined)
        // A face is personal data: readable by the operator only, never over an existing file.
        await writeFile(options.photoOut, photo.bytes, { mode: 0o600, flag: 'wx' });
      const failed = verificationFailures(reading);
      // The log keeps what was checked, never the holder's data (DESIGN §8).
      ctx.log.info(
        { verified: reading.verified, dataGroups: reading.dataGroups.read, failed },
        'card read',
      );
      const summary = {
        document: reading.document,
        ...(reading.details === undefined ? {} : { details: reading.details }),
        photo:
          photo === undefined
            ? null
            : {
                format: photo.format,
                width: photo.width,
                height: photo.height,
                bytes: photo.bytes.length,
                sha256: createHash('sha256').update(photo.bytes).digest('hex'),
              },
        dataGroups: reading.dataGroups,
        passiveAuthentication: reading.passiveAuthentication,
        activeAuthentication: reading.activeAuthentication,
        verified: reading.verified,
        failed,
      };
      if (options.json === true) writeJson(ctx.stdout, summary);
      else
        writeLines(ctx.stdout, [
          `${reading.document.primaryIdentifier} ${reading.document.secondaryIdentifier}`.trim(),
          `document ${reading.document.documentNumber}, born ${reading.document.birthDate}, expires ${reading.document.expiryDate}`,
          `verified: ${reading.verified ? 'yes' : 'NO'}`,
          ...failed.map((f) => `  ${f}`),
        ]);
      if (!reading.verified) throw new DocumentNotVerifiedError(failed);
    });
  registerVirtualCard(card, context);
}

/** The MRZ lines from a file: 2 (TD2, TD3) or 3 (TD1) lines, bounded. */
async function readMrzFile(path: string): Promise<string[]> {
  const read = await readBoundedFile(path, 1024);
  if (!read.ok)
    throw new InputFileError(path, `cannot read the MRZ file (${read.problem})`, {
      cause: read.cause,
    });
  return read.bytes
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
