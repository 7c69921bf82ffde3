import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { chainPem, initCa, loadCa } from '../../ca/caFiles.js';
import { generateCrl } from '../../ca/crl.js';
import { CaDatabase } from '../../ca/database.js';
import { serveCa, type CaServing } from '../../ca/serving.js';
import { parseListen, urlHost, type ListenAddress } from '../../config/listen.js';
import { InputFileError, UsageError } from '../../errors/index.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { registerCaRaCommands } from './caRa.js';

type ContextFactory = () => Promise<CliContext>;

/** `kiosk ca …`: the embedded CA/RA for the demo and the tests (DESIGN §5, §11). */
export function registerCaCommands(program: Command, context: ContextFactory): void {
  const ca = program
    .command('ca')
    .description('the embedded CA and RA (demo and tests; never trusted in production)');

  ca.command('init')
    .description('create a CA: root, issuing CA, RA encryption key, database')
    .requiredOption('--dir <dir>', 'folder for the CA (must not hold one already)')
    .option('--ca-name <name>', 'CA name, the issuer O and NPKI folder', 'yessign')
    .option('--ra-name <name>', 'RA name, an ou of every subject', 'KIOSK')
    .option('--json', 'print one JSON document')
    .action(async (options: { dir: string; caName: string; raName: string; json?: boolean }) => {
      const ctx = await context();
      const dir = resolve(options.dir);
      await initCa(dir, options.caName, options.raName, ctx.now());
      const created = await loadCa(dir);
      new CaDatabase(created.databasePath, created.sealKey).close();
      ctx.log.info({ dir, caName: options.caName }, 'CA created');
      if (options.json === true)
        writeJson(ctx.stdout, { dir, caName: options.caName, raName: options.raName });
      else writeLines(ctx.stdout, [`created CA ${options.caName} in ${dir}`]);
    });

  ca.command('serve')
    .description('serve CMP over HTTP at /pkix/ and the CRL at /crl')
    .requiredOption('--dir <dir>', 'the CA folder')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8829')
    .option(
      '--ra-listen <host:port>',
      'also serve the RA endpoint (HTTPS, mutual TLS) here (default ca.raListen; none without)',
    )
    .action(async (options: { dir: string; listen: string; raListen?: string }) => {
      const ctx = await context();
      const material = await loadCa(resolve(options.dir));
      const { host, port } = listenFlag(options.listen, '--listen');
      const { publicUrl } = ctx.config.ca;
      if (publicUrl === undefined && isWildcard(host))
        throw new UsageError(
          `--listen ${options.listen} is no address clients can reach: set ca.publicUrl`,
        );
      const raAt = raEndpointAt(options.raListen, ctx);
      const db = new CaDatabase(material.databasePath, material.sealKey);
      db.forgetExpiredIdns(ctx.now().getTime());
      let serving: CaServing;
      try {
        serving = await serveCa({
          material,
          db,
          config: ctx.config,
          now: ctx.now,
          log: ctx.log,
          cmp: { host, port },
          ...(raAt === undefined ? {} : { ra: raAt }),
        });
      } catch (error) {
        // One of the two could not bind: the other is not left serving half.
        db.close();
        throw error;
      }
      const { cmp: address, ra: raAddress } = serving;
      ctx.log.info({ host: address.address, port: address.port }, 'CA serving');
      writeLines(ctx.stdout, [`listening on http://${address.address}:${address.port}/pkix/`]);
      if (raAddress !== undefined) {
        const { address: raHost, port: raPort } = raAddress;
        ctx.log.info({ host: raHost, port: raPort, names: raAt?.names }, 'RA endpoint serving');
        writeLines(ctx.stdout, [`RA listening on https://${urlHost(raHost)}:${raPort}/`]);
      }
      await new Promise<void>((done) => {
        const stop = (): void => {
          void serving.close().then(() => {
            db.close();
            done();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  ca.command('unlock')
    .description('release a reference number locked after failed authorization codes')
    .requiredOption('--dir <dir>', 'the CA folder')
    .requiredOption('--ref <ref>', 'the reference number')
    .action(async (options: { dir: string; ref: string }) => {
      const ctx = await context();
      const material = await loadCa(resolve(options.dir));
      const db = new CaDatabase(material.databasePath, material.sealKey);
      try {
        if (!db.unlock(options.ref))
          throw new UsageError(`no registration with reference number ${options.ref}`);
      } finally {
        db.close();
      }
      ctx.log.info({ ref: options.ref }, 'reference number unlocked');
      writeLines(ctx.stdout, [`reference number ${options.ref} unlocked`]);
    });

  registerCaRaCommands(ca, context);

  ca.command('export')
    .description('write the CA chain (PEM) that clients trust')
    .requiredOption('--dir <dir>', 'the CA folder')
    .requiredOption('--out <file>', 'where to write the PEM chain')
    .action(async (options: { dir: string; out: string }) => {
      const material = await loadCa(resolve(options.dir));
      await writeOut(options.out, chainPem(material));
    });

  ca.command('crl')
    .description('write a fresh CRL (DER)')
    .requiredOption('--dir <dir>', 'the CA folder')
    .requiredOption('--out <file>', 'where to write the CRL')
    .action(async (options: { dir: string; out: string }) => {
      const ctx = await context();
      const material = await loadCa(resolve(options.dir));
      const db = new CaDatabase(material.databasePath, material.sealKey);
      try {
        await writeOut(options.out, await generateCrl(material, db, ctx.now()));
      } finally {
        db.close();
      }
    });
}

/** `HOST:PORT` from a flag (`[::1]:P` for IPv6, bound without the brackets). */
function listenFlag(text: string, flag: string): ListenAddress {
  const address = parseListen(text);
  if (address === undefined) throw new UsageError(`${flag} must be HOST:PORT, not ${text}`);
  return address;
}

/**
 * Where the RA endpoint listens (`--ra-listen`, else `ca.raListen`; neither: no endpoint) and the
 * names its certificate gives it: the listen host unless a wildcard, and `ca.raServerNames`.
 */
function raEndpointAt(
  flag: string | undefined,
  ctx: CliContext,
): { host: string; port: number; names: string[] } | undefined {
  const text = flag ?? ctx.config.ca.raListen;
  if (text === undefined) return undefined;
  const { host, port } = listenFlag(text, '--ra-listen');
  const names = [...(isWildcard(host) ? [] : [host]), ...(ctx.config.ca.raServerNames ?? [])];
  if (names.length === 0)
    throw new UsageError(
      `--ra-listen ${text} names no host clients can reach: set ca.raServerNames`,
    );
  return { host, port, names };
}

/** An address that means "every interface": no URL a client could be given. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '*';
}

async function writeOut(path: string, data: string | Buffer): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (cause) {
    throw new InputFileError(
      path,
      `cannot write (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause },
    );
  }
}
