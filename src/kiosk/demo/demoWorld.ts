import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expectedCheckDigit } from '../../../machines/form/residentNumber.js';
import { configSchema, type Config } from '../../config/index.js';
import { TellerAccounts } from '../../teller/accounts.js';
import { TellerExistsError } from '../../teller/errors.js';
import { loadProfile } from '../../virtualDocument/profile.js';
import {
  generateTestProfile,
  writeTestProfile,
  type TestProfileManifest,
} from '../../virtualDocument/testProfile.js';
import { DemoWorldError } from '../../errors/kioskStart.js';

/**
 * The demo's world on this machine (issue 15 item 4: `kiosk start` with no configuration), kept
 * under `<home>/var/demo` and made once: a specimen passport for the virtual eMRTD (its CSCA
 * trusted by the demo kiosk alone, so the chip verifies), a SoftHSM2 token with a known PIN, a
 * FAT32 image as the USB drive "plugged in", the teller account, and the embedded CA's state
 * folder. Test keys only: nothing here is for a branch, and every credential is printed on the
 * demo's help line on purpose.
 */

const run = promisify(execFile);

/** The credentials the help line shows (made-up, for the demo only). */
export const demoCredentials = {
  teller: 'demo-teller',
  tellerPassword: 'Branch-Visit-2026',
  tokenLabel: 'DEMO-TOKEN',
  tokenPin: '246810',
  usbImage: 'demo-usb.img',
} as const;

const soPin = '13579135';
const imageBytes = 64 * 1024 * 1024;

export interface DemoWorld {
  /** The configuration the demo kiosk runs with. */
  readonly config: Config;
  /** The specimen passport's folder (loadProfile) and what its MRZ holds. */
  readonly document: {
    readonly dir: string;
    readonly manifest: TestProfileManifest;
    /** The holder's name in Hangul, as the visitor types it into the form. */
    readonly name: string;
    /** A made-up resident number of the holder: the chip's birth date and sex, a valid check digit. */
    readonly idn: string;
  };
  /** The token, or why there is none (softhsm2-util missing: the demo offers the drive only). */
  readonly token: { readonly label: string; readonly pin: string } | { readonly missing: string };
  /** The drive image, or why there is none (mkfs.vfat missing). */
  readonly drive: { readonly device: string } | { readonly missing: string };
}

/** The demo's state folder (the embedded CA's, the visit store, the teller accounts). */
export function demoStateDir(home: string): string {
  return resolve(home, 'var/demo/state');
}

/**
 * Makes (or finds) the demo's world under `home` and returns the demo configuration. SOFTHSM2_CONF
 * is set in this process to the demo's token folder, before any PKCS#11 module loads. What a
 * stopped start left half-made or someone damaged (the passport's files, the drive image) is made
 * again; what cannot be made (a file where a folder must be) is a DemoWorldError, one line.
 * The caller holds the state folder's lock (stateLock.ts): two demos never make it at once.
 */
export async function prepareDemoWorld(home: string): Promise<DemoWorld> {
  const dir = resolve(home, 'var/demo');
  await folder(dir);
  const [document, token, drive] = await Promise.all([
    demoDocument(join(dir, 'document')),
    demoToken(join(dir, 'softhsm')),
    demoDrive(join(dir, 'images')),
  ]);
  const stateDir = demoStateDir(home);
  await folder(stateDir);
  await demoTeller(stateDir);
  const config = configSchema.parse({
    stateDir,
    usb: { allowImageFiles: true, imageFolder: join(dir, 'images') },
    kiosk: {
      csca: join(document.dir, 'csca'),
      media: 'missing' in token ? ['usb'] : 'missing' in drive ? ['token'] : ['token', 'usb'],
    },
    // Any free loopback port: a branch kiosk or a second demo on this machine keeps its own.
    teller: { listen: '127.0.0.1:0' },
  });
  return { config, document, token, drive };
}

async function demoDocument(dir: string): Promise<DemoWorld['document']> {
  const found = await readDocument(dir);
  if (found !== undefined) return found;
  // Missing, half-written or damaged: made again in a folder of its own, then put in place whole.
  const staging = `${dir}.${randomBytes(4).toString('hex')}.new`;
  try {
    const profile = await generateTestProfile({ seed: 1 });
    await writeTestProfile(profile, staging);
    const { hangulName, birthDate, sex } = profile.person;
    const holder = { name: hangulName, idn: demoIdn(birthDate, sex) };
    await writeFile(join(staging, 'holder.json'), JSON.stringify(holder));
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw new DemoWorldError(dir, `cannot make the demo's passport (${codeOf(cause)})`, { cause });
  }
  const made = await readDocument(dir);
  if (made === undefined) throw new DemoWorldError(dir, "the demo's passport was made unreadable");
  return made;
}

/** The demo's passport as made before, or undefined if any of it is missing or unreadable. */
async function readDocument(dir: string): Promise<DemoWorld['document'] | undefined> {
  try {
    const manifest = JSON.parse(
      await readFile(join(dir, 'profile.json'), 'utf8'),
    ) as TestProfileManifest;
    const holder = JSON.parse(await readFile(join(dir, 'holder.json'), 'utf8')) as unknown;
    const { name, idn } = (holder ?? {}) as { name?: unknown; idn?: unknown };
    const texts = [manifest.documentNumber, manifest.birthDate, manifest.expiryDate, name, idn];
    if (!texts.every((t) => typeof t === 'string' && /^[\p{L}\p{N}<-]{1,40}$/u.test(t)))
      return undefined;
    // Every file the chip serves, its key and its MRZ (what demoCard loads).
    await loadProfile(dir);
    await readFile(join(dir, 'csca', 'csca.pem'));
    return { dir, manifest, name: name as string, idn: idn as string };
  } catch {
    return undefined;
  }
}

/** YYMMDD-GNNNNNC: the 7th digit tells the century and sex (1/2: 1900s, 3/4: 2000s). */
export function demoIdn(birthDate: string, sex: 'M' | 'F'): string {
  const nineteen = Number(birthDate.slice(0, 2)) >= 30;
  const gender = (nineteen ? 1 : 3) + (sex === 'F' ? 1 : 0);
  const twelve = `${birthDate}${String(gender)}12345`;
  return `${birthDate}-${twelve.slice(6)}${String(expectedCheckDigit(twelve))}`;
}

async function demoToken(dir: string): Promise<DemoWorld['token']> {
  const tokens = join(dir, 'tokens');
  const conf = join(dir, 'softhsm2.conf');
  try {
    await mkdir(tokens, { recursive: true, mode: 0o700 });
    await writeFile(
      conf,
      `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
  } catch (cause) {
    throw new DemoWorldError(conf, `cannot write the token's configuration (${codeOf(cause)})`, {
      cause,
    });
  }
  process.env.SOFTHSM2_CONF = conf;
  const { tokenLabel: label, tokenPin: pin } = demoCredentials;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  try {
    const { stdout } = await run('softhsm2-util', ['--show-slots'], { env });
    if (!stdout.includes(`Label:            ${label}`))
      await run(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin],
        { env },
      );
  } catch (error) {
    return { missing: `softhsm2-util: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { label, pin };
}

async function demoDrive(dir: string): Promise<DemoWorld['drive']> {
  await folder(dir);
  const device = join(dir, demoCredentials.usbImage);
  // What a start stopped during mkfs left (never listed: not `*.img`), and a damaged image.
  for (const name of await readdir(dir))
    if (/\.[0-9a-f]{8}\.(new|damaged)$/.test(name))
      await rm(join(dir, name), { recursive: true, force: true });
  const found = await lstat(device).catch(() => undefined);
  if (found?.isFile() === true && found.size === imageBytes) return { device };
  // Not a whole image (emptied, cut, a link, a folder): put aside and made again.
  if (found !== undefined) {
    const aside = `${device}.${randomBytes(4).toString('hex')}.damaged`;
    try {
      await rename(device, aside);
      await rm(aside, { recursive: true, force: true });
    } catch (cause) {
      throw new DemoWorldError(device, `cannot replace the damaged image (${codeOf(cause)})`, {
        cause,
      });
    }
  }
  const staging = `${device}.${randomBytes(4).toString('hex')}.new`;
  try {
    const handle = await open(staging, 'wx', 0o600);
    try {
      await handle.truncate(imageBytes);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    await rm(staging, { force: true });
    throw new DemoWorldError(device, `cannot make the drive image (${codeOf(cause)})`, { cause });
  }
  try {
    await run('mkfs.vfat', ['-F', '32', '-s', '1', '-I', '-n', 'DEMO-USB', staging]);
  } catch (error) {
    await rm(staging, { force: true });
    return { missing: `mkfs.vfat: ${error instanceof Error ? error.message : String(error)}` };
  }
  // Only a whole, formatted image gets the drive's name (a demo stopped half-way leaves none).
  await rename(staging, device);
  return { device };
}

/** A folder of the demo's, made if missing; a file in its place is a DemoWorldError. */
async function folder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    if (!(await stat(path)).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
  } catch (cause) {
    throw new DemoWorldError(path, `cannot make the demo's folder (${codeOf(cause)})`, { cause });
  }
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

async function demoTeller(stateDir: string): Promise<void> {
  const accounts = TellerAccounts.inStateDir(stateDir);
  const password = Buffer.from(demoCredentials.tellerPassword);
  try {
    await accounts.add(demoCredentials.teller, password, new Date());
  } catch (error) {
    if (!(error instanceof TellerExistsError)) throw error;
  } finally {
    password.fill(0);
    accounts.close();
  }
}
